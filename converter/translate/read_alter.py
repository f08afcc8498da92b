"""Reading ALTER TABLE: one `Action` per action (add, drop, alter or rename a column, add or
drop a constraint, rename the table, MySQL table comment), refused when several actions are
not independent column changes.

`AlterReader` builds on `TableReader` (`read_table`) for the columns and constraints it adds.
"""

from __future__ import annotations

from sqlglot import exp

from converter.translate.model import (
    Action,
    AddColumn,
    AddConstraint,
    DropColumn,
    DropConstraint,
    DropIndex,
    PrimaryKey,
    Refused,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNullable,
    SetType,
    TableComment,
)
from converter.translate.read_base import expect, is_empty, only
from converter.translate.read_table import TableReader
from converter.translate.spans import alter_actions, skip_words
from converter.types import type_key


class AlterReader(TableReader):
    """Reads ALTER TABLE statements."""

    # ALTER TABLE --------------------------------------------------------------------------
    def alter(self, expr: exp.Alter) -> list[Action]:
        only(expr, "this", "kind", "actions", "options")
        table = self.table(expr.this)
        actions = expr.args.get("actions") or []
        options = expr.args.get("options") or []
        if not actions:
            return [self.alter_options(table, options)]
        if len(actions) == 1 and isinstance(actions[0], exp.AlterRename) and options:
            return [self.rename_column_short(table, actions[0], options)]
        if options:
            raise Refused("ALTER TABLE options")
        spans = alter_actions(self.src)
        if len(spans) != len(actions):
            raise Refused("the ALTER TABLE actions do not match the tree")
        out = [self.alter_action(table, a, s) for a, s in zip(actions, spans, strict=True)]
        touched = [_column_of(a) for a in out]
        if len(out) > 1 and (None in touched or len(set(touched)) != len(touched)):
            # run one by one they might not mean what they mean together (MySQL resolves
            # all names against the table as it was)
            raise Refused("several ALTER TABLE actions that are not independent column changes")
        return out

    def alter_options(self, table, options) -> Action:
        if (
            self.d != "mysql"
            or len(options) != 1
            or not isinstance(options[0], exp.SchemaCommentProperty)
        ):
            raise Refused("ALTER TABLE without actions")
        return TableComment(table, self.literal_string(options[0].this))

    def rename_column_short(self, table, action: exp.AlterRename, options) -> Action:
        """PostgreSQL `ALTER TABLE t RENAME a TO b` (what Alembic emits) parses like this."""
        if self.d != "postgresql" or len(options) != 1:
            raise Refused("RENAME with options")
        target = expect(options[0], exp.ToTableProperty)
        only(target, "this")
        old, new = self.table(action.this), self.table(target.this)
        if old[0] is not None or new[0] is not None:
            raise Refused("a qualified column name")
        return RenameColumn(table, old[1], new[1])

    def alter_action(self, table, action, span: tuple[int, int]) -> Action:
        if isinstance(action, exp.ColumnDef):
            only(action, "this", "kind", "constraints", "exists")
            start = skip_words(self.src, span[0], ("ADD",), ("COLUMN",), ("IF", "NOT", "EXISTS"))
            col = self.column(action, (start, span[1]), None)
            col.nullable = self.nullable(col, False)
            return AddColumn(table, col, bool(action.args.get("exists")))
        if isinstance(action, exp.Drop):
            return self.alter_drop(table, action)
        if isinstance(action, exp.AlterColumn):
            return self.alter_column(table, action, span)
        if isinstance(action, exp.AlterRename):
            only(action, "this")
            new_schema, new = self.table(action.this)
            if new_schema is not None:
                raise Refused("RENAME TO another schema")
            return RenameTable(table, new)
        if isinstance(action, exp.RenameColumn):
            only(action, "this", "to")
            if self.d == "mysql":
                raise Refused(
                    "MySQL RENAME COLUMN: Alembic emits CHANGE, which needs the whole column"
                )
            return RenameColumn(table, self.name(action.this), self.name(action.args["to"]))
        if isinstance(action, exp.AddConstraint):
            only(action, "expressions")
            if len(action.expressions) != 1:
                raise Refused("ADD CONSTRAINT with several parts")
            node, name = action.expressions[0], None
            if isinstance(node, exp.Constraint):
                only(node, "this", "expressions")
                if len(node.expressions) != 1:
                    raise Refused("a constraint with several parts")
                name, node = self.name(node.this), node.expressions[0]
            constraint = self.constraint(node, name, span)
            if isinstance(constraint, PrimaryKey):
                raise Refused("ADD PRIMARY KEY (Alembic cannot render create_primary_key)")
            return AddConstraint(table, constraint)
        raise Refused(f"ALTER TABLE action {type(action).__name__}")

    def alter_drop(self, table, action: exp.Drop) -> Action:
        only(action, "kind", "tables", "exists")
        kind = action.args.get("kind")
        targets = action.args.get("tables") or []
        if len(targets) != 1:
            raise Refused("DROP of several objects")
        target = targets[0]
        exists = bool(action.args.get("exists"))
        if kind == "COLUMN":
            return DropColumn(table, self.name(target), exists)
        if exists:
            raise Refused("DROP ... IF EXISTS of a constraint or index")
        name = self.table(target)[1]
        if kind == "CONSTRAINT" and self.d == "postgresql":
            return DropConstraint(table, name, None)
        if kind == "FOREIGN KEY" and self.d == "mysql":
            return DropConstraint(table, name, "foreignkey")
        if kind == "INDEX" and self.d == "mysql":
            return DropIndex(table[0], name, table[1], False)
        raise Refused(f"DROP {kind} on {self.d}")

    def alter_column(self, table, action: exp.AlterColumn, span: tuple[int, int]) -> Action:
        column = self.name(action.this)
        args = {k for k, v in action.args.items() if k != "this" and not is_empty(v)}
        if action.args.get("allow_null") is False:  # SET NOT NULL: False is the statement
            args.add("allow_null")
        if args == {"allow_null"} and self.d == "postgresql":
            return SetNullable(table, column, False)
        if args == {"drop", "allow_null"} and self.d == "postgresql":
            return SetNullable(table, column, True)
        if args == {"default"} and self.d in ("postgresql", "mysql"):
            k = self.src.find(*span, "DEFAULT")
            if k is None:
                raise Refused("DEFAULT not found in the text")
            return SetDefault(table, column, self.text((k + 1, span[1]), action.args["default"]))
        if args == {"drop"} and self.d in ("postgresql", "mysql"):
            return SetDefault(table, column, None)
        if args == {"dtype"} and self.d == "postgresql":
            k = self.src.find(*span, "TYPE")
            if k is None:
                raise Refused("TYPE not found in the text")
            spelling = self.src.slice(k + 1, span[1])
            return SetType(
                table, column, type_key(spelling, self.d), spelling, action.args["dtype"]
            )
        raise Refused(f"ALTER COLUMN with {', '.join(sorted(args))} on {self.d}")


def _column_of(action: Action) -> str | None:
    if isinstance(action, AddColumn):
        return action.column.name
    if isinstance(action, (DropColumn, SetNullable, SetDefault, SetType)):
        return action.column
    return None
