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
${legacy_gap}
${legacy_python}

% endif

# revision identifiers, used by Alembic.
revision = ${py(revision)}
down_revision = ${py(down_revision)}
branch_labels = ${py(branch_labels)}
depends_on = ${py(depends_on)}
# What this revision was converted from: `converter stamp` maps databases with it, and
# `converter convert` recognises the revision on a re-run.
legacy = ${legacy_record}


def upgrade() -> None:
${upgrade_body}


def downgrade() -> None:
${downgrade_body}
