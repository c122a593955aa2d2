"""The data bench/dashboard.py measures on: a big campaign's teams, zones (communes and their
polling stations), volunteers (one in ten on the leaderboard), missions over 60 days, their
assignments and field reports, deterministic (seeded), loaded by each driver's fastest path,
then summed per mission as the bot keeps them. Run in a child process (`generate`)."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from models.database import create_engine, upgrade  # noqa: E402
from models.mission_totals import rebuild  # noqa: E402

NOW = datetime(2026, 6, 14, 18, 0, tzinfo=UTC)  # a Sunday evening, end of the data
DAYS = 60
TEAMS = 50
COMMUNES = 8
BUREAUX_PER_COMMUNE = 24
REPORTS_PER_MISSION = 25
TOPICS = ("transport", "housing", "security", "schools", "cost_of_living", "environment")
CHUNK = 20_000


def _rows(people: int, reports: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every table's rows, in chunks, in insertion order; deterministic (seeded)."""
    rng = random.Random(5)
    start = NOW - timedelta(days=DAYS)
    yield (
        "teams",
        [
            {"id": i, "name": f"Équipe {i}", "invite_token": f"t{i}", "created_at": start}
            for i in range(1, TEAMS + 1)
        ],
    )
    zones: list[dict[str, Any]] = []
    for c in range(1, COMMUNES + 1):
        zones.append(
            {
                "id": c,
                "code": f"29{c:03d}",
                "name": f"Commune {c}",
                "kind": "commune",
                "parent_id": None,
                "target_doors": 60_000,
                "target_leaflets": 200_000,
            }
        )
    for c in range(1, COMMUNES + 1):
        for b in range(1, BUREAUX_PER_COMMUNE + 1):
            zones.append(
                {
                    "id": COMMUNES + (c - 1) * BUREAUX_PER_COMMUNE + b,
                    "code": f"29{c:03d}_{b:04d}",
                    "name": f"Commune {c} bureau {b}",
                    "kind": "polling_station",
                    "parent_id": c,
                    "target_doors": rng.choice((None, 2_000, 3_000)),
                    "target_leaflets": None,
                }
            )
    yield "zones", zones
    bureaux = [z["id"] for z in zones if z["parent_id"] is not None]
    team_of = [None] + [
        rng.randint(1, TEAMS) if rng.random() < 0.7 else None for _ in range(people)
    ]
    for first in range(1, people + 1, CHUNK):
        yield (
            "people",
            [
                {
                    "id": i,
                    "telegram_id": 10**9 + i,
                    "display_name": f"P{i}",
                    "availability": "[]",
                    "locale": "fr",
                    "role": "volunteer",
                    "status": "active",
                    "reachable": True,
                    "team_id": team_of[i],
                    "on_leaderboard": i % 10 == 0,  # one in ten opted in
                    "created_at": start,
                    "last_seen_at": start,
                }
                for i in range(first, min(first + CHUNK, people + 1))
            ],
        )
    # Every worked mission has its reports (the last one what is left), so there are exactly
    # `reports`; about one in 33 more is cancelled beside them, with none.
    worked = max(1, -(-reports // REPORTS_PER_MISSION))
    report_id = mission_id = 0
    step = CHUNK // REPORTS_PER_MISSION
    for first in range(0, worked, step):
        mission_rows, assignments, report_rows, members = [], [], [], []
        for w in range(first, min(first + step, worked)):
            day = w * DAYS // worked
            starts = start + timedelta(days=day, hours=rng.randint(7, 17))
            kind = "door_knocking" if rng.random() < 0.6 else "leafleting"
            zone = rng.choice(bureaux) if rng.random() < 0.9 else rng.randint(1, COMMUNES)
            team = rng.randint(1, TEAMS) if rng.random() < 0.4 else None
            crew = rng.sample(range(1, people + 1), min(people, REPORTS_PER_MISSION + 3))
            for status in ("cancelled", "open") if rng.random() < 0.03 else ("open",):
                mission_id += 1
                m = mission_id
                mission_rows.append(
                    {
                        "id": m,
                        "kind": kind,
                        "zone_id": zone,
                        "team_id": team,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=2),
                        "meeting_point": "Place",
                        "capacity": 30,
                        "briefing": "",
                        "materials": "",
                        "status": status,
                        "created_at": start,
                        "updated_at": start,
                        "version": 1,
                    }
                )
                for who in crew[REPORTS_PER_MISSION : REPORTS_PER_MISSION + 1]:
                    assignments.append(
                        {
                            "mission_id": m,
                            "person_id": who,
                            "status": "no_show",
                            "invited_at": start,
                        }
                    )
            authors = crew[: min(REPORTS_PER_MISSION, reports - report_id)]
            for n, author in enumerate(authors):
                report_id += 1
                assignments.append(
                    {
                        "mission_id": m,
                        "person_id": author,
                        "status": "done" if n % 3 == 0 else "accepted",
                        "invited_at": start,
                    }
                )
                group = crew[REPORTS_PER_MISSION + 1 :] if n == 0 and m % 10 == 0 else []
                row = _report(rng, report_id, m, author, zone, kind, starts, 1 + len(group))
                report_rows.append(row)
                members += [
                    {"report_id": report_id, "mission_id": m, "person_id": p} for p in group
                ]
        yield "missions", mission_rows
        yield "assignments", assignments
        yield "field_reports", report_rows
        yield "field_report_members", members


def _report(
    rng: random.Random,
    id_: int,
    mission: int,
    author: int,
    zone: int,
    kind: str,
    at: datetime,
    people: int,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": id_,
        "mission_id": mission,
        "author_id": author,
        "zone_id": zone,
        "kind": kind,
        "people": people,
        "version": 1,
        "location_shared": False,
        "nobody_home": False,
        "flags": "[]",
        "created_at": at,
        "updated_at": at,
        "topics": json.dumps(rng.sample(TOPICS, rng.choice((0, 0, 1, 1, 2)))),
    }
    if kind == "door_knocking":
        knocked = rng.randint(10, 80)
        opened = rng.randint(0, knocked // 2)
        talks = rng.randint(0, opened)
        outcomes = [rng.randint(0, talks // 3) for _ in range(3)]
        row.update(
            doors_knocked=knocked,
            doors_opened=opened,
            conversations=talks,
            supportive=outcomes[0],
            undecided=outcomes[1],
            opposed=outcomes[2],
            not_interested=talks - sum(outcomes),
            follow_ups=rng.randint(0, 2),
        )
    else:
        row.update(leaflets=rng.randint(100, 600))
    return row


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLAlchemy's own SQLite format, naive UTC
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _fill_sqlite(path: str, people: int, reports: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    for table, rows in _rows(people, reports):
        if rows:
            columns = list(rows[0])
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [tuple(_sqlite_value(row.get(c)) for c in columns) for row in rows],
            )
    connection.commit()
    connection.close()


async def _fill_postgres(url: str, people: int, reports: int) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for table, rows in _rows(people, reports):
            if rows:
                columns = list(rows[0])
                await connection.copy_records_to_table(
                    table,
                    records=[tuple(r.get(c) for c in columns) for r in rows],
                    columns=columns,
                )
        for table in (
            "teams",
            "zones",
            "people",
            "missions",
            "assignments",
            "field_reports",
            "field_report_members",
        ):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    finally:
        await connection.close()


async def _sum_missions(url: str) -> None:
    """The per-mission sums the bot keeps as it writes reports, for the rows loaded around
    it; then, on PostgreSQL, what autovacuum does soon after a bulk load: statistics, and the
    visibility map that lets it answer from an index alone, and a checkpoint."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(rebuild)
    if not url.startswith("sqlite"):
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
            # The load's dirty pages written out before the timings, not during them.
            await autocommit.execute(text("CHECKPOINT"))
    await engine.dispose()


def generate(url: str, people: int, reports: int) -> None:
    """In a child process: the schema, then the rows by the driver's fastest path."""
    upgrade(url)
    if url.startswith("sqlite"):
        _fill_sqlite(url.split("///", 1)[1], people, reports)
    else:
        asyncio.run(_fill_postgres(url, people, reports))
    asyncio.run(_sum_missions(url))
