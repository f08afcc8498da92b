"""Normalise customer e-mail addresses: trim spaces and lower-case them."""
from sqlalchemy import text


def upgrade(conn):
    rows = conn.execute(text("SELECT id, email FROM customers ORDER BY id")).all()
    for row_id, email in rows:
        clean = email.strip().lower()
        if clean != email:
            conn.execute(
                text("UPDATE customers SET email = :email WHERE id = :id"),
                {"email": clean, "id": row_id},
            )
