"""Reading legacy files the way they are found in the wild.

UTF-8 by default, with the BOM removed and CRLF (or a lone CR) turned into LF. Bytes that
are not valid in the encoding are a clear error naming the file, line and byte offset, never
a silent replacement. A file holding NUL bytes is not text.
"""

from __future__ import annotations

import codecs
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
    if data.startswith(codecs.BOM_UTF8) and (encoding is None or encoding.lower().replace("-", "") in ("utf8", "utf8sig")):
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
