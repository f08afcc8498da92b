"""Reading legacy files the way they are found in the wild.

UTF-8 by default, with the BOM removed and CRLF (or a lone CR) turned into LF. Bytes that
are not valid in the encoding are a clear error naming the file, line and byte offset, never
a silent replacement. A file holding NUL bytes is not text.

`read_text` reads a whole file. `TextFile` reads one piece by piece (`chunks`), under the
same rules and with the same errors, so a file too large to hold in memory as one str (a
100 MB seed file) can be split and converted statement by statement: see
`converter.split.iter_statements` and `converter.bulk`. `LARGE_FILE` is the size from which
callers should prefer it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from converter.errors import InputError, UsageError


def check_encoding(encoding: str | None) -> None:
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}",
            hint="use a Python codec name such as utf-8, latin-1 or cp1252",
        ) from None


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Decode the bytes of `path`; see the module docstring for the rules."""
    if b"\0" in data:
        offset = data.index(b"\0")
        raise InputError(
            f"not a text file (NUL byte at byte offset {offset})",
            path=path,
            line=data.count(b"\n", 0, offset) + 1,
            hint="remove binary files from the migrations directory",
        )
    if data.startswith(codecs.BOM_UTF8) and (
        encoding is None or encoding.lower().replace("-", "") in ("utf8", "utf8sig")
    ):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(encoding or "utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not valid {encoding or 'UTF-8'}: byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            path=path,
            line=line,
            column=column,
            hint="pass --encoding with the file's real encoding (for example --encoding latin-1), "
            "or re-save the file as UTF-8",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_text(path: Path, encoding: str | None = None) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from None
    return decode(data, path, encoding)


LARGE_FILE = 16 * 2**20  # bytes: from this size on, stream the file (`TextFile`)
CHUNK = 2**20  # bytes read at a time


@dataclass(frozen=True)
class TextFile:
    """A legacy file read on demand: `chunks()` yields its text in pieces that, joined, are
    exactly what `read_text` returns (BOM removed, CRLF and lone CR turned into LF). Each
    piece but the last ends with a newline (unless one line is longer than a few chunks);
    a bad byte is the same `InputError` as `decode` raises, at the same line and offset."""

    path: Path
    encoding: str | None = None

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", path=self.path) from None

    def read(self) -> str:
        return "".join(self.chunks())

    def chunks(self, size: int = CHUNK) -> Iterator[str]:
        encoding = self.encoding or "utf-8"
        strip_bom = self.encoding is None or self.encoding.lower().replace("-", "") in (
            "utf8",
            "utf8sig",
        )
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        bom = 0  # 3 when a UTF-8 BOM was removed (NUL offsets count it, as `decode` does)
        consumed = 0  # bytes after the BOM handed to the decoder so far
        lines = 0  # newlines in those bytes
        last_newline = -1  # offset (after the BOM) of the last newline in those bytes
        carry = ""  # decoded text after the last newline, not yet yielded
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", path=self.path) from None
        try:
            while True:
                try:
                    block = fh.read(size if consumed or bom else max(size, 4))
                except OSError as exc:
                    raise InputError(
                        f"cannot read file: {exc.strerror or exc}", path=self.path
                    ) from None
                if not consumed and not bom and strip_bom and block.startswith(codecs.BOM_UTF8):
                    block, bom = block[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
                if b"\0" in block:
                    at = block.index(b"\0")
                    raise InputError(
                        f"not a text file (NUL byte at byte offset {bom + consumed + at})",
                        path=self.path,
                        line=lines + block.count(b"\n", 0, at) + 1,
                        hint="remove binary files from the migrations directory",
                    )
                pending = len(decoder.getstate()[0])  # bytes held back from the block before
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:
                    self._decode_error(exc, consumed - pending, lines, last_newline)
                at = block.rfind(b"\n")
                if at >= 0:
                    last_newline = consumed + at
                lines += block.count(b"\n")
                consumed += len(block)
                text = carry + text
                if not block:
                    if text:
                        yield _normalise(text)
                    return
                cut = text.rfind("\n") + 1
                if not cut and len(text) > 4 * size:
                    cut = len(text) - (text[-1] == "\r")  # one endless line: cut it anyway
                carry = text[cut:]
                if cut:
                    yield _normalise(text[:cut])
        finally:
            fh.close()

    def _decode_error(self, exc: UnicodeDecodeError, base: int, lines: int, last_newline: int):
        """Raise what `decode` raises; `exc.object` starts at byte `base` of the file."""
        data = exc.object
        offset = base + exc.start
        before = data[max(0, -base) : exc.start] if base < 0 else data[: exc.start]
        nl = before.rfind(b"\n")
        line_start = (offset - len(before) + nl + 1) if nl >= 0 else last_newline + 1
        raise InputError(
            f"not valid {self.encoding or 'UTF-8'}: byte 0x{data[exc.start]:02x} at byte offset {offset}",
            path=self.path,
            line=lines + before.count(b"\n") + 1,
            column=offset - line_start + 1,
            hint="pass --encoding with the file's real encoding (for example --encoding latin-1), "
            "or re-save the file as UTF-8",
        ) from None


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def text_chunks(text: str | TextFile, size: int = CHUNK) -> Iterator[str]:
    """The pieces of a text held in memory or of a `TextFile`, ending at line ends."""
    if isinstance(text, TextFile):
        yield from text.chunks(size)
        return
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start + size)
        end = n if end < 0 else end + 1
        yield text[start:end]
        start = end


def script_source(script) -> str | TextFile:
    """What to split for `script`: its `text`, or the `TextFile` it is read from lazily
    (a Script carrying one as `file`: how a reader hands over a file over LARGE_FILE)."""
    lazy = getattr(script, "file", None)
    return lazy if isinstance(lazy, TextFile) else script.text
