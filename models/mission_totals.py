"""Each mission's field reports, summed: what wide dashboards add up (tens of thousands of
missions) instead of every report (a million for a big campaign).

Kept up to date by the ORM, in the transaction that writes the report: every insert, update
or delete of a FieldReport row through a session adds its delta (new minus old) with one
atomic upsert per table, so concurrent reports on one mission never lose an update. Rows
written around the ORM (bulk loads) are summed again by `rebuild`. A mission's deletion
cascades to its rows. The invariant, which tests/test_mission_totals.py checks: these rows
equal a GROUP BY over field_reports (rows at zero aside)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Integer,
    Text,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.reports import DASHBOARD_COUNTS, FieldReport


class MissionTotals(Base):
    """The mission's reports and their summed counts (a count left empty adds nothing)."""

    __tablename__ = "mission_totals"

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True
    )
    reports: Mapped[int] = mapped_column(Integer, default=0)
    doors_knocked: Mapped[int] = mapped_column(Integer, default=0)
    doors_opened: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    supportive: Mapped[int] = mapped_column(Integer, default=0)
    undecided: Mapped[int] = mapped_column(Integer, default=0)
    opposed: Mapped[int] = mapped_column(Integer, default=0)
    not_interested: Mapped[int] = mapped_column(Integer, default=0)
    follow_ups: Mapped[int] = mapped_column(Integer, default=0)
    leaflets: Mapped[int] = mapped_column(Integer, default=0)
    posters: Mapped[int] = mapped_column(Integer, default=0)
    signups: Mapped[int] = mapped_column(Integer, default=0)


class MissionTopic(Base):
    """How many of the mission's reports heard this topic. A row per (mission, topic) rather
    than a JSON object, so a report adds to it with one atomic upsert."""

    __tablename__ = "mission_topics"
    # A wide dashboard reads the topics in topic order, without a sort.
    __table_args__ = (Index("ix_mission_topics_topic", "topic", "mission_id", "reports"),)

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(Text, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)


def topic_set(raw: Any) -> set[str]:
    """A report's topics, each once (JSON text or a list, whatever the driver hands back)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return set()
    return {str(item) for item in raw} if isinstance(raw, list) else set()


# (dialect, table, conflict keys, columns) -> the upsert's SQL and its parameters' order.
_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], tuple[str, Any]] = {}


def _upsert(connection: Connection, table: Any, keys: list[str], row: dict[str, Any]) -> None:
    """INSERT the row, or add its values to the one already there: one atomic statement.
    Compiled once per shape: SQLAlchemy gives an ON CONFLICT statement no cache key, so it
    compiled this one anew for every report (~1 ms each), twice or more per report."""
    shape = (connection.dialect.name, table.name, tuple(keys), tuple(row))
    compiled = _UPSERTS.get(shape)
    if compiled is None:
        make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = make(table).values({name: bindparam(name) for name in row})
        added = {c: table.c[c] + statement.excluded[c] for c in row if c not in keys}
        done = statement.on_conflict_do_update(index_elements=keys, set_=added)
        sql = done.compile(dialect=connection.dialect)
        compiled = _UPSERTS[shape] = (sql.string, sql.positiontup)
    text, order = compiled
    # Integers and text only: no type of these columns processes its values on the way in.
    connection.exec_driver_sql(text, tuple(row[name] for name in order) if order else row)


def _add(connection: Connection, mission_id: int, counts: dict[str, Any], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) one report's counts and topics."""
    row = {name: sign * int(counts.get(name) or 0) for name in DASHBOARD_COUNTS}
    _upsert(
        connection,
        MissionTotals.__table__,
        ["mission_id"],
        {"mission_id": mission_id, "reports": sign, **row},
    )
    for topic in sorted(topic_set(counts.get("topics"))):
        _upsert(
            connection,
            MissionTopic.__table__,
            ["mission_id", "topic"],
            {"mission_id": mission_id, "topic": topic, "reports": sign},
        )


SUMMED = ("mission_id", *DASHBOARD_COUNTS, "topics")


def _values(report: FieldReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in SUMMED}


def _stored(connection: Connection, report_id: int) -> dict[str, Any] | None:
    """The report as the database holds it now (before this flush changes it)."""
    table = FieldReport.__table__
    row = connection.execute(
        select(*(table.c[name] for name in SUMMED)).where(table.c.id == report_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return all(
        (old[n] or 0) == (new[n] or 0) for n in ("mission_id", *DASHBOARD_COUNTS)
    ) and topic_set(old["topics"]) == topic_set(new["topics"])


@event.listens_for(FieldReport, "after_insert")
def _inserted(_mapper: Any, connection: Connection, report: FieldReport) -> None:
    _add(connection, report.mission_id, _values(report), 1)


@event.listens_for(FieldReport, "before_update")
def _updating(_mapper: Any, connection: Connection, report: FieldReport) -> None:
    # The old values are read from the row itself: attribute history misses what was never
    # loaded, and an edit is rare enough for one more SELECT.
    old, new = _stored(connection, report.id), _values(report)
    if old is not None and not _same(old, new):
        _add(connection, old["mission_id"], old, -1)
        _add(connection, new["mission_id"], new, 1)


@event.listens_for(FieldReport, "before_delete")
def _deleting(_mapper: Any, connection: Connection, report: FieldReport) -> None:
    old = _stored(connection, report.id)
    if old is not None:
        _add(connection, old["mission_id"], old, -1)


def rebuild(connection: Connection) -> None:
    """Sum every mission's reports again from field_reports: after a bulk load that went
    around the ORM (bench/dashboard.py), or to check the maintained rows."""
    connection.execute(delete(MissionTopic))
    connection.execute(delete(MissionTotals))
    reports = FieldReport.__table__
    connection.execute(
        insert(MissionTotals).from_select(
            ["mission_id", "reports", *DASHBOARD_COUNTS],
            select(
                reports.c.mission_id,
                func.count(),
                *(func.coalesce(func.sum(reports.c[n]), 0) for n in DASHBOARD_COUNTS),
            ).group_by(reports.c.mission_id),
        )
    )
    heard: dict[tuple[int, str], int] = {}
    rows = connection.execute(select(reports.c.mission_id, reports.c.topics))
    for mission_id, topics in rows:
        for topic in topic_set(topics):
            heard[(mission_id, topic)] = heard.get((mission_id, topic), 0) + 1
    found = [{"mission_id": m, "topic": t, "reports": n} for (m, t), n in heard.items()]
    for first in range(0, len(found), 5000):
        connection.execute(insert(MissionTopic), found[first : first + 5000])
