"""The MD5SUM Liquibase records in DATABASECHANGELOG for a formatted SQL changeset.

`checksum_v9` reproduces Liquibase 4.24+'s `9:<hex>` from the changeset's SQL, so that `stamp`
can tell a changeset edited after it ran; `java_trim` is Java's `String.trim()` it stands on.
"""

from __future__ import annotations

import hashlib


def java_trim(text: str) -> str:
    """Java's String.trim(): strips every char <= U+0020 from both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def checksum_v9(sql: str) -> str:
    """The MD5SUM Liquibase 4.24+ records for a formatted SQL changeset holding `sql`.

    AbstractSQLChange.generateCheckSum (v9): MD5 over the trimmed SQL's UTF-8 bytes with every
    space, tab, CR and LF removed -> `9:<hex>`; ChangeSet.generateCheckSum then takes the MD5 of
    `"9:<hex>:"` (one entry per change, each followed by `:`) -> `9:<hex>`.
    """
    data = java_trim(sql).encode("utf-8")
    normalised = data.translate(None, b" \t\r\n")
    change = "9:" + hashlib.md5(normalised).hexdigest()
    return "9:" + hashlib.md5((change + ":").encode("utf-8")).hexdigest()
