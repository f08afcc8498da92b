"""Normalise customer e-mail addresses: trim spaces and lower-case them."""
from yoyo import step

__depends__ = {"20240101_05_seeds-seed-plans-and-customers"}


def normalise_emails(conn):
    cursor = conn.cursor()
    cursor.execute("SELECT id, email FROM customers ORDER BY id")
    for row_id, email in cursor.fetchall():
        clean = email.strip().lower()
        if clean != email:
            cursor.execute(
                "UPDATE customers SET email = %s WHERE id = %s",
                (clean, row_id),
            )


steps = [step(normalise_emails)]
