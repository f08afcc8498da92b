"""goose's Go migrations, read when they are straight-line.

A goose Go migration registers its functions in `init()`:
`goose.AddMigration(upX, downX)` (also `AddMigrationContext`, `AddMigrationNoTx`,
`AddMigrationNoTxContext` and the `AddNamed...` forms whose first argument is the file
name; `nil` for no down; a function literal in place of a name). A function is read when
its body is a sequence of

    _, err := tx.Exec(SQL)            (or `=`; ExecContext(ctx, SQL); the *sql.Tx, *sql.DB or
    if err != nil { return ... }       *sql.Conn parameter of the function; a bare call)
    if _, err := tx.Exec(SQL); err != nil { return ... }
    return nil / return err           (and `var err error`)

where SQL is raw (backtick) or interpreted string literals and constants of the same file,
joined with `+`. The lexer follows the Go specification: raw strings drop carriage
returns, interpreted strings decode every escape (octal and `\\x` bytes must form UTF-8),
rune literals, `//` and `/* */` comments, and automatic semicolon insertion at line ends.
Anything else is refused with its line, and the migration becomes a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from converter.formats.code_source import Cursor, NotStraightLine, SqlCall, Token

SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}
OPERATORS = sorted(
    "<<= >>= &^= ... && || <- ++ -- == != <= >= := += -= *= /= %= &= |= ^= << >> &^ "
    "+ - * / % & | ^ < > = ! ( ) [ ] { } , ; . : ~".split(),
    key=len,
    reverse=True,
)
ENDS_STATEMENT_WORDS = {"break", "continue", "fallthrough", "return"}
KEYWORDS = set(
    "break case chan const continue default defer else fallthrough for func go goto if import "
    "interface map package range return select struct switch type var".split()
)
IDENT = re.compile(r"[^\W\d]\w*")
NUMBER = re.compile(
    r"(?:0[xX][0-9a-fA-F_.]*(?:[pP][+-]?[0-9_]+)?|\.?[0-9][0-9_.]*(?:[eE][+-]?[0-9_]+)?)i?"
)
REGISTER = re.compile(r"^Add(?P<named>Named)?Migration(?P<notx>NoTx)?(?:Context)?$")
RECEIVER_TYPES = ("*sql.Tx", "*sql.DB", "*sql.Conn")


def tokenize(text: str) -> list[Token]:
    """Go tokens with semicolons inserted as the compiler does; comments dropped."""
    tokens: list[Token] = []
    i, n, line = 0, len(text), 1

    def newline() -> None:
        last = tokens[-1] if tokens else None
        if last is None:
            return
        if last.kind in ("number", "string", "char") or (
            last.kind == "ident"
            and (last.value not in KEYWORDS or last.value in ENDS_STATEMENT_WORDS)
        ):
            tokens.append(Token(";", ";", last.line))
        elif last.kind == "op" and last.value in (")", "]", "}", "++", "--"):
            tokens.append(Token(";", ";", last.line))

    while i < n:
        c = text[i]
        if c == "\n":
            newline()
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise NotStraightLine("comment not terminated", line)
            body = text[i : j + 2]
            if "\n" in body:
                newline()
                line += body.count("\n")
            i = j + 2
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise NotStraightLine("raw string literal not terminated", line)
            raw = text[i + 1 : j]
            tokens.append(Token("string", raw.replace("\r", ""), line))
            line += raw.count("\n")
            i = j + 1
        elif c == '"':
            value, i = _interpreted(text, i, line)
            tokens.append(Token("string", value, line))
        elif c == "'":
            i = _rune(text, i, line)
            tokens.append(Token("char", "'", line))
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), line))
            i = m.end()
        elif (m := IDENT.match(text, i)) is not None:
            word = m.group()
            tokens.append(Token("ident", word, line))
            i = m.end()
        else:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise NotStraightLine(f"unexpected character {c!r}", line)
            tokens.append(Token(";" if op == ";" else "op", op, line))
            i += len(op)
    newline()
    return tokens


def _escape(text: str, i: int, line: int, quote: str) -> tuple[bytes, int]:
    """The bytes of the escape starting at text[i] == "\\", and where it ends."""
    if i + 1 >= len(text):
        raise NotStraightLine("escape at the end of the file", line)
    e = text[i + 1]
    if e in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[e].encode(), i + 2
    if e == quote:
        return e.encode(), i + 2
    if e in "01234567":
        digits = text[i + 1 : i + 4]
        if not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
            raise NotStraightLine(f"invalid octal escape \\{digits}", line)
        return bytes([int(digits, 8)]), i + 4
    width = {"x": 2, "u": 4, "U": 8}.get(e)
    if width is None:
        raise NotStraightLine(f"unknown escape sequence \\{e}", line)
    digits = text[i + 2 : i + 2 + width]
    if not re.fullmatch(rf"[0-9a-fA-F]{{{width}}}", digits):
        raise NotStraightLine(f"invalid escape \\{e}{digits}", line)
    value = int(digits, 16)
    if e == "x":
        return bytes([value]), i + 2 + width
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise NotStraightLine(f"escape \\{e}{digits} is not a valid Unicode code point", line)
    return chr(value).encode(), i + 2 + width


def _interpreted(text: str, i: int, line: int) -> tuple[str, int]:
    out = bytearray()
    j = i + 1
    while True:
        if j >= len(text) or text[j] == "\n":
            raise NotStraightLine("string literal not terminated", line)
        c = text[j]
        if c == '"':
            break
        if c == "\\":
            data, j = _escape(text, j, line, '"')
            out += data
        else:
            out += c.encode()
            j += 1
    try:
        return out.decode("utf-8"), j + 1
    except UnicodeDecodeError:
        raise NotStraightLine("string literal holds bytes that are not UTF-8", line) from None


def _rune(text: str, i: int, line: int) -> int:
    j = i + 1
    if j < len(text) and text[j] == "\\":
        _, j = _escape(text, j, line, "'")
    elif j < len(text) and text[j] not in "'\n":
        j += 1
    if j >= len(text) or text[j] != "'":
        raise NotStraightLine("rune literal not terminated", line)
    return j + 1


# -- the file's structure -----------------------------------------------------------------


@dataclass
class Function:
    params: list[tuple[str, str]]  # (name, type as written)
    body: tuple[int, int]  # token indexes of the body, between its braces
    line: int


@dataclass
class GoMigration:
    up: list[SqlCall]
    down: list[SqlCall] | None  # None: registered with nil
    transactional: bool


class _File:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.consts: dict[str, tuple[int, int]] = {}  # name -> token range of its value
        self.functions: dict[str, Function] = {}
        self.registrations: list[int] = []  # token index of each `goose.AddMigration...(`
        self._declarations()

    def _declarations(self) -> None:
        cur = Cursor(self.tokens)
        while cur.peek() is not None:
            tok = cur.take()
            if tok.kind == "ident" and tok.value == "const":
                self._const(cur)
            elif tok.kind == "ident" and tok.value == "func" and cur.at(*self._names(cur)):
                name = cur.take()
                if cur.at("("):
                    close = cur.matching(cur.i)
                    params = _params(self.tokens[cur.i + 1 : close])
                    cur.i = close + 1
                    while cur.peek() is not None and not cur.at("{"):
                        cur.take()  # the result types
                    if cur.peek() is not None:
                        end = cur.matching(cur.i)
                        self.functions[name.value] = Function(params, (cur.i + 1, end), name.line)
                        cur.i = end + 1
        self._find_registrations(0, len(self.tokens))

    @staticmethod
    def _names(cur: Cursor) -> tuple[str, ...]:
        """The next token when it is a name (an empty tuple otherwise)."""
        tok = cur.peek()
        return (tok.value,) if tok is not None and tok.kind == "ident" else ()

    def _const(self, cur: Cursor) -> None:
        if cur.at("("):
            close = cur.matching(cur.i)
            cur.i += 1
            while cur.i < close:
                self._const_spec(cur, close)
            cur.i = close + 1
        else:
            self._const_spec(cur, len(self.tokens))

    def _const_spec(self, cur: Cursor, limit: int) -> None:
        if cur.at(";"):
            cur.i += 1
            return
        name = cur.peek()
        start = cur.i
        while cur.i < limit and not cur.at(";") and not cur.at("="):
            cur.i += 1
        if cur.at("=") and name is not None and cur.i == start + 1:
            cur.i += 1
            value_start = cur.i
            while cur.i < limit and not cur.at(";"):
                cur.i += 1
            self.consts[name.value] = (value_start, cur.i)
        while cur.i < limit and not cur.at(";"):
            cur.i += 1
        if cur.i < limit:
            cur.i += 1

    def _find_registrations(self, start: int, end: int) -> None:
        for j in range(start, end - 3):
            a, dot, name, paren = self.tokens[j : j + 4]
            if (
                a.value == "goose"
                and dot.value == "."
                and REGISTER.match(name.value)
                and paren.value == "("
            ):
                self.registrations.append(j)

    # -- reading

    def const_value(self, name: str, line: int, seen: frozenset[str] = frozenset()) -> str:
        if name not in self.consts:
            raise NotStraightLine(
                f"`{name}` is not a string constant of this file: the SQL is not a literal", line
            )
        if name in seen:
            raise NotStraightLine(f"constant `{name}` refers to itself", line)
        start, end = self.consts[name]
        cur = Cursor(self.tokens, start, end)
        value = self.string_expression(cur, seen | {name})
        if cur.peek() is not None:
            raise NotStraightLine(f"constant `{name}` is not a string expression", line)
        return value

    def string_expression(self, cur: Cursor, seen: frozenset[str] = frozenset()) -> str:
        parts = [self._term(cur, seen)]
        while cur.at("+"):
            cur.take()
            while cur.at(";"):  # a `+` at a line end continues the expression
                cur.take()
            parts.append(self._term(cur, seen))
        return "".join(parts)

    def _term(self, cur: Cursor, seen: frozenset[str]) -> str:
        tok = cur.take()
        if tok.kind == "string":
            return tok.value
        if tok.kind == "ident":
            if cur.at("(") or cur.at("."):
                raise NotStraightLine(
                    f"`{tok.value}{cur.text()}...` computes the SQL at run time",
                    tok.line,
                )
            return self.const_value(tok.value, tok.line, seen)
        if tok.value == "(":
            value = self.string_expression(cur, seen)
            cur.expect(")")
            return value
        raise NotStraightLine(f"`{tok.value}` where a SQL string literal was expected", tok.line)


def _params(tokens: list[Token]) -> list[tuple[str, str]]:
    groups: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.value in "([{" and tok.kind == "op":
            depth += 1
        elif tok.value in ")]}" and tok.kind == "op":
            depth -= 1
        if tok.value == "," and tok.kind == "op" and depth == 0:
            groups.append([])
        else:
            groups[-1].append(tok)
    out: list[tuple[str, str]] = []
    pending: list[str] = []
    for group in groups:
        if len(group) == 1 and group[0].kind == "ident":
            pending.append(group[0].value)  # `a, b T`: the type comes later
            continue
        if not group:
            continue
        typ = "".join(t.value for t in group[1:])
        for name in [*pending, group[0].value]:
            out.append((name, typ))
        pending = []
    return out


def read_go_migration(text: str) -> GoMigration:
    """The SQL a straight-line goose Go migration runs; NotStraightLine when it is not one."""
    f = _File(text)
    if not f.registrations:
        raise NotStraightLine(
            "it registers no migration with goose.AddMigration... in init(): the converter "
            "cannot tell what it runs"
        )
    if len(f.registrations) > 1:
        raise NotStraightLine(
            "it registers more than one migration", f.tokens[f.registrations[1]].line
        )
    at = f.registrations[0]
    name = f.tokens[at + 2]
    m = REGISTER.match(name.value)
    assert m is not None
    close = Cursor(f.tokens).matching(at + 3)
    args = _arguments(f.tokens, at + 4, close)
    if m["named"]:
        args = args[1:]
    if len(args) != 2:
        raise NotStraightLine(f"goose.{name.value} takes an up and a down function", name.line)
    up = _direction(f, args[0], "up")
    if up is None:
        raise NotStraightLine("the up function is nil", name.line)
    down = _direction(f, args[1], "down")
    return GoMigration(up, down, transactional=not m["notx"])


def _arguments(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    depth, begin = 0, start
    for j in range(start, end):
        tok = tokens[j]
        if tok.kind == "op" and tok.value in "([{":
            depth += 1
        elif tok.kind == "op" and tok.value in ")]}":
            depth -= 1
        elif tok.kind == "op" and tok.value == "," and depth == 0:
            out.append((begin, j))
            begin = j + 1
    # a trailing comma before `)` leaves nothing after it (skip ;s of a line end too)
    rest = [t for t in tokens[begin:end] if t.kind != ";"]
    if rest:
        out.append((begin, end))
    return out


def _direction(f: _File, arg: tuple[int, int], which: str) -> list[SqlCall] | None:
    toks = [t for t in f.tokens[arg[0] : arg[1]] if t.kind != ";"]
    if len(toks) == 1 and toks[0].value == "nil":
        return None
    if len(toks) == 1 and toks[0].kind == "ident":
        fn = f.functions.get(toks[0].value)
        if fn is None:
            raise NotStraightLine(
                f"the {which} function {toks[0].value} is not defined in this file", toks[0].line
            )
        return _body(f, fn, which)
    if toks and toks[0].value == "func":
        # a function literal: func(params) results { body }
        start = f.tokens.index(toks[0], arg[0])
        cur = Cursor(f.tokens, start + 1, arg[1])
        close = cur.matching(cur.i)
        params = _params(f.tokens[cur.i + 1 : close])
        cur.i = close + 1
        while cur.peek() is not None and not cur.at("{"):
            cur.take()
        end = cur.matching(cur.i)
        return _body(f, Function(params, (cur.i + 1, end), toks[0].line), which)
    line = toks[0].line if toks else None
    raise NotStraightLine(f"the {which} function is not a function of this file", line)


def _body(f: _File, fn: Function, which: str) -> list[SqlCall]:
    receivers = {name for name, typ in fn.params if typ in RECEIVER_TYPES}
    contexts = {name for name, typ in fn.params if typ == "context.Context"}
    if not receivers:
        raise NotStraightLine(
            f"the {which} function takes no *sql.Tx, *sql.DB or *sql.Conn", fn.line
        )
    reader = _BodyReader(f, Cursor(f.tokens, *fn.body), receivers, contexts)
    try:
        return reader.statements()
    except NotStraightLine as exc:
        raise NotStraightLine(f"in the {which} function: {exc.reason}", exc.line) from None


class _BodyReader:
    def __init__(self, f: _File, cur: Cursor, receivers: set[str], contexts: set[str]) -> None:
        self.f, self.cur, self.receivers, self.contexts = f, cur, receivers, contexts
        self.calls: list[SqlCall] = []
        self.returned = False

    def statements(self) -> list[SqlCall]:
        cur = self.cur
        while cur.peek() is not None:
            if cur.at(";"):
                cur.take()
                continue
            if self.returned:
                raise NotStraightLine("code after the final return", cur.line())
            self.statement()
        return self.calls

    def statement(self) -> None:
        cur = self.cur
        if cur.at("var") and cur.at("err", offset=1) and cur.at("error", offset=2):
            cur.i += 3
        elif cur.at("return"):
            cur.take()
            if cur.at("nil", "err"):
                cur.take()
            elif not cur.at(";") and cur.peek() is not None:
                raise NotStraightLine(
                    f"`return {cur.text()}...` returns something else than nil or err",
                    cur.line(),
                )
            self.returned = True
        elif cur.at("if"):
            cur.take()
            if cur.at("_") and cur.at(",", offset=1):
                self.assign_exec()
                cur.expect(";")
            self.err_check()
        elif cur.at("_") and cur.at(",", offset=1):
            self.assign_exec()
        elif cur.text() in self.receivers:
            self.exec_call()  # a bare call: its error is ignored, as the code does
        else:
            tok = cur.peek()
            assert tok is not None
            j = cur.i
            while j + 2 < cur.end and cur.tokens[j].kind != ";":
                if cur.tokens[j].value in self.receivers and cur.tokens[j + 1].value == ".":
                    method = f"{cur.tokens[j].value}.{cur.tokens[j + 2].value}"
                    raise NotStraightLine(
                        f"{method}(...) is used for its result: not straight-line", tok.line
                    )
                j += 1
            raise NotStraightLine(
                f"`{tok.value}` is not straight-line (only {'/'.join(sorted(self.receivers))}"
                ".Exec calls with SQL literals and error returns are read)",
                tok.line,
            )
        if not self.cur.at(";") and self.cur.peek() is not None:
            tok = self.cur.peek()
            assert tok is not None
            raise NotStraightLine(f"unexpected `{tok.value}`", tok.line)

    def assign_exec(self) -> None:
        cur = self.cur
        cur.expect("_")
        cur.expect(",")
        err = cur.ident()
        if err.value != "err":
            raise NotStraightLine(f"the error goes to `{err.value}`, not `err`", err.line)
        cur.expect(":=", "=", what="`:=` or `=`")
        self.exec_call()

    def err_check(self) -> None:
        """`err != nil { return <anything> }`: the error return of the code."""
        cur = self.cur
        for word in ("err", "!=", "nil"):
            cur.expect(word, what="`err != nil`")
        if not cur.at("{"):
            raise NotStraightLine("expected `{` after `err != nil`", cur.line())
        close = cur.matching(cur.i)
        inner = [t for t in cur.tokens[cur.i + 1 : close] if t.kind != ";"]
        if not inner or inner[0].value != "return" or any(t.value in self.receivers for t in inner):
            raise NotStraightLine("the `if err != nil` block does more than return", cur.line())
        cur.i = close + 1

    def exec_call(self) -> None:
        cur = self.cur
        receiver = cur.ident()
        if receiver.value not in self.receivers:
            raise NotStraightLine(
                f"`{receiver.value}` is not the function's *sql parameter", receiver.line
            )
        cur.expect(".")
        method = cur.ident()
        if method.value not in ("Exec", "ExecContext"):
            raise NotStraightLine(
                f"{receiver.value}.{method.value}(...) is not straight-line (only Exec and "
                "ExecContext with SQL literals are read)",
                method.line,
            )
        cur.expect("(")
        if method.value == "ExecContext":
            ctx = cur.take()
            if ctx.value not in self.contexts and not (ctx.value == "context" and cur.at(".")):
                raise NotStraightLine("ExecContext's first argument is not the context", ctx.line)
            if ctx.value == "context":  # context.Background() / context.TODO()
                cur.expect(".")
                cur.expect("Background", "TODO", what="context.Background()")
                cur.expect("(")
                cur.expect(")")
            cur.expect(",")
        while cur.at(";"):
            cur.take()
        tok = cur.peek()
        line = tok.line if tok else receiver.line
        sql = self.f.string_expression(cur)
        if cur.at(","):
            cur.take()
            while cur.at(";"):
                cur.take()
            if not cur.at(")"):
                raise NotStraightLine(
                    f"{method.value} is given arguments for placeholders: the SQL depends on "
                    "values computed at run time",
                    cur.line(),
                )
        cur.expect(")")
        self.calls.append(SqlCall(sql, line))
