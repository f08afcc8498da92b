"""${message}

Revision ID: ${revision}
Revises: ${revises}
Create Date: ${create_date}

Converted from legacy ${legacy_format} migration ${legacy_version_text}: ${legacy_files}
Legacy checksum: sha256:${checksum}
% for line in header_notes:
${line}
% endfor
"""

${imports}
% if legacy_python:

${legacy_python}
% endif

# revision identifiers, used by Alembic.
revision = ${revision | repr}
down_revision = ${down_revision | repr}
branch_labels = ${branch_labels | repr}
depends_on = ${depends_on | repr}
# The legacy tool's own version of this migration: `converter stamp` maps databases with it.
legacy_version = ${legacy_version | repr}
% for helper in helpers:


${helper}
% endfor


def upgrade() -> None:
${upgrade_body}


def downgrade() -> None:
${downgrade_body}
