"""Reversing Alembic operations exactly, or not at all (`reverse`): the downgrade of a
translated statement when one can be known from the operations alone.

Stands on Alembic's `ops` only.
"""

from __future__ import annotations

from alembic.operations import ops


def _reverse_one(op: ops.MigrateOperation, dialect: str | None) -> ops.MigrateOperation | None:
    if isinstance(op, ops.CreateTableOp) and not op.if_not_exists:
        return ops.DropTableOp(op.table_name, schema=op.schema)
    if isinstance(op, ops.AddColumnOp) and not op.if_not_exists:
        return ops.DropColumnOp(op.table_name, op.column.name, schema=op.schema)
    if isinstance(op, ops.CreateIndexOp) and op.index_name is not None and not op.if_not_exists:
        return ops.DropIndexOp(op.index_name, table_name=op.table_name, schema=op.schema)
    if isinstance(op, ops.RenameTableOp):
        return ops.RenameTableOp(op.new_table_name, op.table_name, schema=op.schema)
    if isinstance(op, ops.AlterColumnOp) and op.modify_name is not None and _only_renames(op):
        return ops.AlterColumnOp(
            op.table_name, op.modify_name, schema=op.schema, modify_name=op.column_name,
            existing_type=op.existing_type,
        )  # fmt: skip
    if isinstance(op, ops.CreateForeignKeyOp) and dialect in (None, "mysql"):
        # MySQL creates an index for a new foreign key when none fits, and DROP FOREIGN KEY
        # leaves it behind: the inverse is not exact without knowing the other indexes.
        return None
    constraint_ops = (
        ops.CreateUniqueConstraintOp,
        ops.CreateForeignKeyOp,
        ops.CreateCheckConstraintOp,
    )
    if isinstance(op, constraint_ops) and op.constraint_name:
        kind = {
            ops.CreateUniqueConstraintOp: "unique",
            ops.CreateForeignKeyOp: "foreignkey",
            ops.CreateCheckConstraintOp: "check",
        }.get(type(op))
        if kind is not None:
            return ops.DropConstraintOp(
                op.constraint_name, _constraint_table(op), type_=kind, schema=_constraint_schema(op)
            )
    return None


def _only_renames(op: ops.AlterColumnOp) -> bool:
    """Nothing but the name changes (the caller checks that it does)."""
    return (
        op.modify_type is None
        and op.modify_nullable is None
        and op.modify_server_default is False
        and op.modify_comment is False
        and not op.kw
    )


def _constraint_table(op) -> str:
    return op.source_table if isinstance(op, ops.CreateForeignKeyOp) else op.table_name


def _constraint_schema(op) -> str | None:
    return op.kw.get("source_schema") if isinstance(op, ops.CreateForeignKeyOp) else op.schema


def reverse(
    operations: list[ops.MigrateOperation], dialect: str | None = None
) -> list[ops.MigrateOperation] | None:
    """The exact inverse, last operation first; None when any operation cannot be inverted
    (drops, type or nullability changes without the old state, IF [NOT] EXISTS, comments,
    unnamed constraints; on MySQL, or when `dialect` is not given, added foreign keys).

    Indexes on a table the inverse drops anyway are not dropped first: DROP TABLE takes
    them along, and MySQL refuses to drop an index that backs a foreign key."""
    out = []
    for op in reversed(operations):
        inverse = _reverse_one(op, dialect)
        if inverse is None:
            return None
        out.append(inverse)
    created = {(op.schema, op.table_name) for op in operations if isinstance(op, ops.CreateTableOp)}
    return [
        op
        for op in out
        if not (isinstance(op, ops.DropIndexOp) and (op.schema, op.table_name) in created)
    ]
