"""Liquibase's tracking table, DATABASECHANGELOG, read for `stamp`.

The reader of the interface in `converter.formats.tracking`; the format names it
(`LiquibaseFormat.tracking_reader`) with its tables (`databasechangelog`, and the lock table
`databasechangeloglock` beside it).
"""

from __future__ import annotations

import sqlalchemy as sa

from converter.formats.tracking import (
    VERSIONED,
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    select_rows,
)


class LiquibaseTrackingReader(TrackingReader):
    """`DATABASECHANGELOG`: identity (ID, AUTHOR, FILENAME), ordered by ORDEREXECUTED; a
    `FAILED` row is refused, a `SKIPPED` one was not applied."""

    required = ("id", "author", "filename")

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(
            conn,
            loc,
            ["id", "author", "filename", "dateexecuted", "orderexecuted", "exectype", "md5sum"],
            order=["orderexecuted", "dateexecuted"],
        )
        state = self.state(loc)
        for row in rows:
            ident = (str(row["id"]), str(row["author"]), str(row["filename"]))
            exectype = str(row.get("exectype") or "EXECUTED").upper()
            if exectype == "FAILED":
                state.refusals.append(
                    (
                        f"{loc.qualified} records changeset {ident[1]}:{ident[0]} ({ident[2]}) as FAILED",
                        "finish or undo that changeset by hand, fix its row (or run it again with "
                        "Liquibase), then stamp again",
                    )
                )
                continue
            if exectype == "SKIPPED":
                continue  # not applied
            state.applied.append(
                Applied(
                    ident[0],
                    ident[2],
                    None if row.get("md5sum") is None else str(row["md5sum"]),
                    VERSIONED,
                    row.get("orderexecuted"),
                    ident,
                )
            )
        return state
