"""The per-mission sums the dashboards read (models/mission_totals.py) always equal a fresh
GROUP BY over field_reports: after reports filed, edited and deleted, group reports, reports
written straight through the ORM, a mission cancelled and one deleted; and the migration
fills them the same from reports written before it. On a real SQLite file."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update

from models.database import Database, create_database, create_engine, upgrade
from models.mission_totals import MissionTopic, MissionTotals, rebuild, topic_set
from models.missions import Assignment, Mission
from models.report_ops import Submission, submit
from models.reports import DASHBOARD_COUNTS, FieldReport
from tests.bot.reports.test_dashboard import Writer

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def no_notices(*_args: Any, **_extra: Any) -> list[Any]:
    return []


async def maintained(db: Database) -> tuple[dict[int, tuple[int, ...]], dict[tuple[int, str], int]]:
    """The rows kept up to date, rows at zero left out (a report edited or deleted away)."""
    async with db() as session:
        totals = {
            row[0]: tuple(row[1:])
            for row in await session.execute(
                select(
                    MissionTotals.mission_id,
                    MissionTotals.reports,
                    *(getattr(MissionTotals, n) for n in DASHBOARD_COUNTS),
                ).where(MissionTotals.reports != 0)
            )
        }
        topics = {
            (m, t): n
            for m, t, n in await session.execute(
                select(MissionTopic.mission_id, MissionTopic.topic, MissionTopic.reports)
            )
            if n
        }
    return totals, topics


async def from_reports(
    db: Database,
) -> tuple[dict[int, tuple[int, ...]], dict[tuple[int, str], int]]:
    """The same, summed afresh from field_reports."""
    async with db() as session:
        totals = {
            row[0]: tuple(int(v) for v in row[1:])
            for row in await session.execute(
                select(
                    FieldReport.mission_id,
                    func.count(),
                    *(
                        func.coalesce(func.sum(getattr(FieldReport, n)), 0)
                        for n in DASHBOARD_COUNTS
                    ),
                ).group_by(FieldReport.mission_id)
            )
        }
        topics: Counter[tuple[int, str]] = Counter()
        for mission_id, raw in await session.execute(
            select(FieldReport.mission_id, FieldReport.topics)
        ):
            for topic in topic_set(raw):
                topics[(mission_id, topic)] += 1
    return totals, dict(topics)


async def test_totals_follow_every_report_write(database_url: str) -> None:
    engine = create_engine(database_url)
    db = create_database(engine)
    try:
        w = Writer(db)
        brest = await w.zone("29019", "Brest")
        people = [await w.person(name) for name in ("Anna", "Bruno", "Chloé", "Driss", "Emma")]
        anna, bruno, chloe, driss, emma = people
        starts = NOW - timedelta(hours=5)
        everyone = {p: "accepted" for p in people}
        first = await w.mission(brest, starts, people=everyone)
        second = await w.mission(brest, starts, kind="leafleting", people=everyone)
        doomed = await w.mission(brest, starts, people=everyone)

        async def file(
            mission: Mission, author: Any, base: int = 0, members: tuple[Any, ...] = (), **a: Any
        ) -> None:
            submission = Submission(mission.id, author.id, a, base, [m.id for m in members])
            report, changed = await submit(db, submission, NOW, no_notices)
            assert report is not None and changed

        await file(first, anna, doors_knocked=40, doors_opened=12, supportive=3, topics=["housing"])
        await file(
            first,
            bruno,
            members=(chloe,),
            doors_knocked=70,
            conversations=9,
            topics=["housing", "transport", "housing"],
        )
        await file(second, anna, leaflets=300, posters=4, topics=["schools"])
        await file(doomed, driss, doors_knocked=10, topics=["security"])
        assert await maintained(db) == await from_reports(db)

        # An edit, a new version: the old counts and topics leave, the new ones come.
        await file(first, anna, base=1, doors_knocked=55, opposed=2, topics=["transport"])
        # The same draft confirmed twice changes nothing.
        report, changed = await submit(
            db, Submission(first.id, anna.id, {"doors_knocked": 1}, 1), NOW, no_notices
        )
        assert not changed
        # A report written straight through the ORM, then changed and deleted the same way.
        async with db.begin() as session:
            row = FieldReport(
                mission_id=second.id,
                author_id=emma.id,
                zone_id=brest.id,
                kind="leafleting",
                leaflets=120,
                topics=["schools", "cost_of_living"],
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(row)
        assert await maintained(db) == await from_reports(db)
        async with db.begin() as session:
            found = await session.get_one(FieldReport, row.id)
            found.leaflets = 150
            found.topics = ["environment"]
        assert await maintained(db) == await from_reports(db)
        async with db.begin() as session:
            await session.delete(await session.get_one(FieldReport, row.id))
        assert await maintained(db) == await from_reports(db)

        # Cancelling keeps what was reported; deleting a mission takes its reports and sums.
        async with db.begin() as session:
            await session.execute(
                update(Mission).where(Mission.id == second.id).values(status="cancelled")
            )
        async with db.begin() as session:
            await session.execute(delete(Assignment).where(Assignment.mission_id == doomed.id))
            await session.execute(delete(Mission).where(Mission.id == doomed.id))
        totals, topics = await maintained(db)
        assert (totals, topics) == await from_reports(db)
        assert doomed.id not in totals and second.id in totals
        field = 1 + DASHBOARD_COUNTS.index("doors_knocked")
        assert totals[first.id][0] == 2 and totals[first.id][field] == 55 + 70
        assert topics == {(first.id, "transport"): 2, (first.id, "housing"): 1,
                          (second.id, "schools"): 1}  # fmt: skip

        # Summing afresh (what a bulk load needs) gives the same rows.
        async with engine.begin() as connection:
            await connection.run_sync(rebuild)
        assert await maintained(db) == (totals, topics)
    finally:
        await engine.dispose()


async def test_the_migration_sums_the_reports_already_written(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    upgrade(url, "0006")
    engine = create_engine(url)
    db = create_database(engine)
    try:
        w = Writer(db)
        brest = await w.zone("29019", "Brest")
        anna, bruno = await w.person("Anna"), await w.person("Bruno")
        one = await w.mission(brest, NOW)
        two = await w.mission(brest, NOW, kind="leafleting")
        # Written as plain SQL: before 0007 no sums were kept.
        async with engine.begin() as connection:
            for mission, author, counts, topics in (
                (one, anna, "40, NULL", '["housing", "housing", "schools"]'),
                (one, bruno, "25, NULL", "[]"),
                (two, anna, "NULL, 300", '["schools"]'),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO field_reports (mission_id, author_id, zone_id, kind, people,"
                        " version, doors_knocked, leaflets, topics, location_shared,"
                        " nobody_home, flags, created_at, updated_at) VALUES"
                        f" ({mission.id}, {author.id}, {brest.id}, 'k', 1, 1, {counts},"
                        f" '{topics}', 0, 0, '[]', '2026-03-10 18:00:00', '2026-03-10 18:00:00')"
                    )
                )
        upgrade(url)
        totals, topics = await maintained(db)
        assert (totals, topics) == await from_reports(db)
        assert topics == {(one.id, "housing"): 1, (one.id, "schools"): 1, (two.id, "schools"): 1}
        assert totals[one.id][:2] == (2, 65)
    finally:
        await engine.dispose()
