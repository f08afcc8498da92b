"""The converter's errors: one small family under one root.

Each error carries the place it is about (file, line, column) and a hint saying what to do;
it builds its own message. The CLI turns them into exit codes at the edge, nowhere else.
"""

from __future__ import annotations

from pathlib import Path


class ConverterError(Exception):
    """Root of every error the converter raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(ConverterError):
    """The legacy input is unusable as it stands (bad bytes, bad names, broken scripts)."""


class UsageError(ConverterError):
    """The command was asked for something it cannot do (unknown format, bad option)."""

    exit_code = 2


class OutputError(ConverterError):
    """The output location cannot be written safely."""


class WriteError(OutputError):
    """The file system refused a write (read-only, full, no permission): the environment,
    not the input."""

    exit_code = 2


def write_error(exc: OSError, path: str | Path, what: str = "cannot write") -> WriteError:
    """A WriteError for `exc` naming `path`, with what to do for the usual causes."""
    import errno

    hint = {
        errno.ENOSPC: "the disk is full: free some space (or write elsewhere) and run again",
        errno.EROFS: "the file system is read-only: write to a writable location",
        errno.EACCES: "no permission: check the permissions, or write elsewhere",
        errno.EDQUOT: "the disk quota is exceeded: free some space and run again",
    }.get(exc.errno or 0)
    return WriteError(f"{what}: {exc.strerror or exc}", path=path, hint=hint)


class DatabaseError(ConverterError):
    """A database could not be reached or used; messages never carry passwords."""

    exit_code = 2


class ConnectFailed(DatabaseError):
    """A server could not be connected to (refused, unknown host, bad password, ...)."""

    reason = ""  # why, without the URL (the message has both)


class ConnectTimeout(ConnectFailed):
    """A server accepted the connection (or nothing answered) and did not reply in time."""
