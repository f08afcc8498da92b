"""converter: move a legacy migrations/ directory onto Alembic, and prove nothing changed."""

__version__ = "0.1.0"
