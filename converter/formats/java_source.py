"""Flyway's Java migrations, read when they are straight-line.

A Flyway Java migration is a class named like a script (`V1_3_9__Drop_constraint`) that
extends `BaseJavaMigration` and overrides `migrate(Context context)`. Its body is read when it
is a sequence of

    try (Statement st = context.getConnection().createStatement()) { ... }
    Statement st = context.getConnection().createStatement();
    JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(context.getConnection(), true));
    st.execute(SQL); st.executeUpdate(SQL); jdbc.execute(SQL); jdbc.update(SQL);
    new JdbcTemplate(...).execute(SQL); context.getConnection().createStatement().execute(SQL);
    return;

where SQL is string literals, text blocks and `static final String` constants of the class,
joined with `+`. `canExecuteInTransaction()` returning false makes it non-transactional.
The lexer follows the Java Language Specification: escapes (octal, `\\s`, `\\uXXXX` with
surrogate pairs), text blocks with their incidental indentation and trailing spaces removed
and `\\<newline>` joined, character literals, `//` and `/* */` comments. A `\\u` escape outside
a literal (Java translates those before anything else) is refused rather than guessed.
Anything else is refused with its line, and the migration becomes a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from converter.formats.code_source import Cursor, NotStraightLine, SqlCall, Token

SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "s": " ",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
OPERATORS = sorted(
    ">>>= <<= >>= >>> ... -> :: ++ -- && || == != <= >= += -= *= /= &= |= ^= %= << >> "
    "( ) { } [ ] ; , . @ = > < ! ~ ? : + - * / & | ^ %".split(),
    key=len,
    reverse=True,
)
IDENT = re.compile(r"[^\W\d]\w*|\$[\w$]*")
NUMBER = re.compile(r"\.?[0-9][0-9a-zA-Z_.]*(?:[eEpP][+-]?[0-9_]+[fFdD]?)?")
EXECUTE = {
    "Statement": ("execute", "executeUpdate", "executeLargeUpdate"),
    "JdbcTemplate": ("execute", "update"),
}
DATA_SOURCE_WORDS = {
    "new",
    "SingleConnectionDataSource",
    "context",
    "getConnection",
    "true",
    "false",
}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise NotStraightLine("comment not terminated", line)
            line += text.count("\n", i, j)
            i = j + 2
        elif text.startswith('"""', i):
            value, end = _text_block(text, i, line)
            tokens.append(Token("string", value, line))
            line += text.count("\n", i, end)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != '"':
                raise NotStraightLine("string literal not terminated", line)
            tokens.append(Token("string", _unescape(text[i + 1 : j], line), line))
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n and text[j] not in "'\n":
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != "'":
                raise NotStraightLine("character literal not terminated", line)
            tokens.append(Token("char", _unescape(text[i + 1 : j], line), line))
            i = j + 1
        elif c == "\\":
            raise NotStraightLine(
                "a \\u escape outside a literal (Java translates it first): not read", line
            )
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), line))
            i = m.end()
        elif (m := IDENT.match(text, i)) is not None:
            tokens.append(Token("ident", m.group(), line))
            i = m.end()
        else:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise NotStraightLine(f"unexpected character {c!r}", line)
            tokens.append(Token(";" if op == ";" else "op", op, line))
            i += len(op)
    return tokens


def _unescape(raw: str, line: int) -> str:
    """A literal's escapes decoded (UTF-16 surrogate pairs of \\u escapes joined)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = raw[i + 1] if i + 1 < len(raw) else ""
        if e in SIMPLE_ESCAPES:
            out.append(SIMPLE_ESCAPES[e])
            i += 2
        elif e == "\n":  # text blocks: the line continues
            i += 2
        elif e == "u":
            m = re.compile(r"\\u+([0-9a-fA-F]{4})").match(raw, i)
            if m is None:
                raise NotStraightLine("invalid \\u escape", line)
            out.append(chr(int(m.group(1), 16)))
            i = m.end()
        elif e in "01234567":
            m = re.compile(r"[0-3][0-7]{0,2}|[4-7][0-7]?").match(raw, i + 1)
            assert m is not None
            out.append(chr(int(m.group(), 8)))
            i = m.end()
        else:
            raise NotStraightLine(f"invalid escape sequence \\{e}", line)
    try:
        return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise NotStraightLine("a literal holds an unpaired UTF-16 surrogate", line) from None


def _text_block(text: str, i: int, line: int) -> tuple[str, int]:
    """A text block `\"\"\"...\"\"\"` starting at i: its value (JLS 3.10.6), and where it ends."""
    j = i + 3
    while j < len(text) and text[j] in " \t\f":
        j += 1
    if j >= len(text) or text[j] not in "\r\n":
        raise NotStraightLine('a text block\'s opening """ must end its line', line)
    j += 2 if text.startswith("\r\n", j) else 1
    k = j
    while True:
        k = text.find('"""', k)
        if k < 0:
            raise NotStraightLine("text block not terminated", line)
        backslashes = len(text[j:k]) - len(text[j:k].rstrip("\\"))
        if backslashes % 2 == 0:
            break
        k += 1
    content = re.sub(r"\r\n?", "\n", text[j:k])
    lines = content.split("\n")
    closing_alone = not lines[-1].strip(" \t\f")
    determining = [ln for ln in lines[:-1] if ln.strip(" \t\f")]
    determining.append(lines[-1])  # the closing line counts, blank or not
    indent = min(len(ln) - len(ln.lstrip(" \t\f")) for ln in determining)
    stripped = [ln[indent:].rstrip(" \t\f") if ln.strip(" \t\f") else "" for ln in lines]
    if closing_alone:
        stripped[-1] = ""
    return _unescape("\n".join(stripped), line), k + 3


# -- the class ------------------------------------------------------------------------------


@dataclass
class JavaMigration:
    up: list[SqlCall]
    transactional: bool


def read_java_migration(text: str, class_name: str) -> JavaMigration:
    """The SQL a straight-line Flyway Java migration runs; NotStraightLine when it is not."""
    tokens = tokenize(text)
    cur = Cursor(tokens)
    # the class declaration: `class <Name> extends BaseJavaMigration {`
    start = next(
        (
            j
            for j in range(len(tokens) - 1)
            if tokens[j].value == "class" and tokens[j + 1].value == class_name
        ),
        None,
    )
    if start is None:
        raise NotStraightLine(f"the file declares no class {class_name}")
    brace = next(j for j in range(start, len(tokens)) if tokens[j].value == "{")
    header = [t.value for t in tokens[start:brace]]
    if "extends" not in header or header[header.index("extends") + 1] not in (
        "BaseJavaMigration",
        "org",
    ):
        raise NotStraightLine(
            f"class {class_name} does not extend BaseJavaMigration", tokens[start].line
        )
    end = cur.matching(brace)
    consts, methods = _members(tokens, brace + 1, end)
    if "migrate" not in methods:
        raise NotStraightLine(
            f"class {class_name} has no migrate(Context) method", tokens[start].line
        )
    for name in ("getVersion", "getDescription", "getChecksum", "isUndo", "isBaselineMigration"):
        if name in methods:
            raise NotStraightLine(
                f"it overrides {name}(): the converter reads these from the class name only",
                tokens[methods[name][0]].line,
            )
    transactional = True
    if "canExecuteInTransaction" in methods:
        body = [
            t.value for t in tokens[slice(*methods["canExecuteInTransaction"][:2])] if t.kind != ";"
        ]
        if body not in (["return", "false"], ["return", "true"]):
            raise NotStraightLine("canExecuteInTransaction() does more than return a constant")
        transactional = body[1] == "true"
    params, (body_start, body_end) = methods["migrate"][2], methods["migrate"][:2]
    context = params[-1] if params else "context"
    reader = _BodyReader(tokens, consts, context)
    try:
        reader.block(body_start, body_end)
    except NotStraightLine as exc:
        raise NotStraightLine(f"in migrate(): {exc.reason}", exc.line) from None
    return JavaMigration(reader.calls, transactional)


def _members(tokens: list[Token], start: int, end: int):
    """The class's constant fields (name -> value tokens) and methods (name -> body range,
    parameter names)."""
    consts: dict[str, tuple[int, int]] = {}
    methods: dict[str, tuple[int, int, list[str]]] = {}
    cur = Cursor(tokens, start, end)
    while cur.peek() is not None:
        member_start = cur.i
        j = cur.i
        # a member ends at `;` (a field) or at the `}` closing its body (a method, a class)
        while j < end and tokens[j].kind != ";" and tokens[j].value not in ("{", "="):
            if tokens[j].value == "(":
                j = cur.matching(j)
            j += 1
        if j >= end:
            break
        words = tokens[member_start:j]
        if tokens[j].value == "=":
            value_end = j + 1
            while value_end < end and tokens[value_end].kind != ";":
                if tokens[value_end].value in ("(", "{", "["):
                    value_end = cur.matching(value_end)
                value_end += 1
            names = [t.value for t in words]
            if len(names) >= 2 and names[-2] == "String" and "final" in names:
                consts[names[-1]] = (j + 1, value_end)
            cur.i = value_end + 1
        elif tokens[j].value == "{":
            close = cur.matching(j)
            parens = [
                k
                for k, t in enumerate(words)
                if t.value == "("
                and k > 0
                and words[k - 1].kind == "ident"
                and (k < 2 or words[k - 2].value != "@")
            ]
            if parens:
                at = member_start + parens[-1]
                params: list[str] = []
                last = None
                for t in tokens[at + 1 : cur.matching(at)]:
                    if t.value == ",":
                        params.append(last or "")
                    elif t.kind == "ident":
                        last = t.value  # the last identifier of a parameter is its name
                if last is not None:
                    params.append(last)
                methods[words[parens[-1] - 1].value] = (j + 1, close, params)
            cur.i = close + 1
        else:
            cur.i = j + 1
    return consts, methods


class _BodyReader:
    def __init__(
        self, tokens: list[Token], consts: dict[str, tuple[int, int]], context: str
    ) -> None:
        self.tokens, self.consts, self.context = tokens, consts, context
        self.executors: dict[str, str] = {}  # variable -> "Statement" | "JdbcTemplate"
        self.calls: list[SqlCall] = []

    def block(self, start: int, end: int) -> None:
        cur = Cursor(self.tokens, start, end)
        while cur.peek() is not None:
            if cur.at(";"):
                cur.take()
            elif cur.at("try"):
                cur.take()
                open_paren = cur.i
                cur.expect("(")
                close = cur.matching(open_paren)
                inner = Cursor(self.tokens, cur.i, close)
                while inner.peek() is not None:
                    self.declaration(inner)
                    if inner.at(";"):
                        inner.take()
                cur.i = close + 1
                brace = cur.i
                cur.expect("{")
                body_end = cur.matching(brace)
                self.block(brace + 1, body_end)
                cur.i = body_end + 1
                if cur.at("catch", "finally"):
                    raise NotStraightLine(
                        f"`{cur.text()}` handles errors: not straight-line", cur.line()
                    )
            elif cur.at("return"):
                cur.take()
                cur.expect(";")
                if cur.peek() is not None:
                    raise NotStraightLine("code after return", cur.line())
            elif cur.at("final", "Statement", "JdbcTemplate", "var"):
                self.declaration(cur)
                cur.expect(";")
            else:
                self.execute(cur)
                cur.expect(";")

    def declaration(self, cur: Cursor) -> None:
        if cur.at("final"):
            cur.take()
        typ = cur.ident()
        name = cur.ident()
        if typ.value not in ("var", "Statement", "JdbcTemplate"):
            raise NotStraightLine(
                f"`{typ.value} {name.value}` is not a Statement or JdbcTemplate: not straight-line",
                typ.line,
            )
        cur.expect("=")
        kind = self.executor(cur)
        if typ.value not in ("var", kind):
            raise NotStraightLine(f"{typ.value} {name.value} is given a {kind}", typ.line)
        self.executors[name.value] = kind

    def executor(self, cur: Cursor) -> str:
        """`context.getConnection().createStatement()` or `new JdbcTemplate(...)`."""
        line = cur.line()
        if cur.at("new"):
            cur.take()
            if not cur.at("JdbcTemplate"):
                raise NotStraightLine(f"`new {cur.text()}`: not straight-line", line)
            cur.take()
            open_paren = cur.i
            cur.expect("(")
            close = cur.matching(open_paren)
            for tok in self.tokens[cur.i : close]:
                if tok.kind == "ident" and tok.value not in DATA_SOURCE_WORDS | {self.context}:
                    raise NotStraightLine(f"the JdbcTemplate is built from `{tok.value}`", tok.line)
            cur.i = close + 1
            return "JdbcTemplate"
        for word in (
            self.context,
            ".",
            "getConnection",
            "(",
            ")",
            ".",
            "createStatement",
            "(",
            ")",
        ):
            cur.expect(word, what=f"{self.context}.getConnection().createStatement()")
        return "Statement"

    def execute(self, cur: Cursor) -> None:
        tok = cur.peek()
        assert tok is not None
        if tok.value in self.executors:
            kind = self.executors[cur.take().value]
        elif tok.value in ("new", self.context):
            kind = self.executor(cur)
        else:
            raise NotStraightLine(
                f"`{tok.value}` is not straight-line (only Statement/JdbcTemplate execute calls "
                "with SQL literals are read)",
                tok.line,
            )
        cur.expect(".")
        method = cur.ident()
        if method.value not in EXECUTE[kind]:
            raise NotStraightLine(
                f"{kind}.{method.value}(...) is not straight-line (only "
                + ", ".join(EXECUTE[kind])
                + " with SQL literals are read)",
                method.line,
            )
        cur.expect("(")
        first = cur.peek()
        sql = self.string_expression(cur)
        if cur.at(","):
            raise NotStraightLine(
                f"{method.value} is given arguments: the SQL depends on values computed at run time",
                cur.line(),
            )
        cur.expect(")")
        self.calls.append(SqlCall(sql, first.line if first else method.line))

    def string_expression(self, cur: Cursor, seen: frozenset[str] = frozenset()) -> str:
        parts = [self.term(cur, seen)]
        while cur.at("+"):
            cur.take()
            parts.append(self.term(cur, seen))
        return "".join(parts)

    def term(self, cur: Cursor, seen: frozenset[str]) -> str:
        tok = cur.take()
        if tok.kind == "string":
            return tok.value
        if tok.value == "(":
            value = self.string_expression(cur, seen)
            cur.expect(")")
            return value
        if tok.kind == "ident" and not cur.at("(", "."):
            if tok.value not in self.consts or tok.value in seen:
                raise NotStraightLine(
                    f"`{tok.value}` is not a String constant of the class: the SQL is not a literal",
                    tok.line,
                )
            inner = Cursor(self.tokens, *self.consts[tok.value])
            value = self.string_expression(inner, seen | {tok.value})
            if inner.peek() is not None:
                raise NotStraightLine(
                    f"constant `{tok.value}` is not a string expression", tok.line
                )
            return value
        raise NotStraightLine(f"`{tok.value}` where a SQL string literal was expected", tok.line)
