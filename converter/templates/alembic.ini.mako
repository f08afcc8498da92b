# Alembic configuration written by converter.
[alembic]
script_location = %(here)s/${script_location}
# The revisions import converter_helpers.py from the script directory, whatever the current
# directory is.
prepend_sys_path = %(here)s/${script_location}
path_separator = os
# The database URL: `alembic -x url=...` or the DATABASE_URL environment variable win over this.
sqlalchemy.url =
# Revision files are named YYYYMMDD_snake_case_description.py.
file_template = %%(year)d%%(month).2d%%(day).2d_%%(slug)s
truncate_slug_length = 60

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
