"""The scratch-database fixtures give real, empty, writable databases."""

import sqlalchemy as sa


def test_scratch_database_is_empty_and_writable(db_url):
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            assert sa.inspect(conn).get_table_names() == []
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO t (id) VALUES (1)")
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    finally:
        engine.dispose()
