"""How fast the dashboard answers at a big campaign's scale: 100,000 volunteers, 1,000,000
field reports over 60 days, ~200 zones (communes and their polling stations), 50 teams.

    uv run python bench/dashboard.py [--people 100000] [--reports 1000000] [--keep FILE]

Times what /report does (build_dashboard for the period and the one before, then the text)
for several scopes, and what a daily and a weekly digest compute (the weekly one adds the
leaderboard and the activity chart), against a bare `SELECT count(*) FROM field_reports`
timed in the same run, and prints the peak RSS of the process that ran them (the data is
generated in a child process, so its memory is not counted). Runs on SQLite (a temporary
file, or --keep FILE, reused when it exists), then on PostgreSQL when
TERRAIN_BENCH_DATABASE_URL is set (a database that may be emptied, e.g.
postgresql+asyncpg://postgres@127.0.0.1/bench; never the tests' database). Targets: under
300 ms per /report and digest, 300 MB peak; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from babel.messages.pofile import read_po  # noqa: E402
from sqlalchemy import text  # noqa: E402

from models.database import create_database, create_engine, upgrade  # noqa: E402
from models.mission_totals import rebuild  # noqa: E402
from reports.charts import activity_chart  # noqa: E402
from reports.dashboard import Period, Scope, build_dashboard, build_dashboards  # noqa: E402
from reports.dashboard_text import dashboard_text  # noqa: E402
from reports.leaderboard import leaderboard  # noqa: E402
from reports.periods import parse_period, previous_period  # noqa: E402

TIMEZONE = "Europe/Paris"
NOW = datetime(2026, 6, 14, 18, 0, tzinfo=UTC)  # a Sunday evening, end of the data
DAYS = 60
TEAMS = 50
COMMUNES = 8
BUREAUX_PER_COMMUNE = 24
REPORTS_PER_MISSION = 25
TOPICS = ("transport", "housing", "security", "schools", "cost_of_living", "environment")
CHUNK = 20_000
RUNS = 5
BOARD_SIZE = 5  # as bot/digests.py (not imported: it would bring the whole bot's memory)


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
    missions = max(1, reports // REPORTS_PER_MISSION)
    report_id = 0
    for first in range(1, missions + 1, CHUNK // REPORTS_PER_MISSION):
        batch = range(first, min(first + CHUNK // REPORTS_PER_MISSION, missions + 1))
        mission_rows, assignments, report_rows, members = [], [], [], []
        for m in batch:
            day = (m - 1) * DAYS // missions
            starts = start + timedelta(days=day, hours=rng.randint(7, 17))
            kind = "door_knocking" if rng.random() < 0.6 else "leafleting"
            zone = rng.choice(bureaux) if rng.random() < 0.9 else rng.randint(1, COMMUNES)
            cancelled = rng.random() < 0.03
            mission_rows.append(
                {
                    "id": m,
                    "kind": kind,
                    "zone_id": zone,
                    "team_id": rng.randint(1, TEAMS) if rng.random() < 0.4 else None,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "meeting_point": "Place",
                    "capacity": 30,
                    "briefing": "",
                    "materials": "",
                    "status": "cancelled" if cancelled else "open",
                    "created_at": start,
                    "updated_at": start,
                    "version": 1,
                }
            )
            crew = rng.sample(range(1, people + 1), min(people, REPORTS_PER_MISSION + 3))
            for who in crew[REPORTS_PER_MISSION : REPORTS_PER_MISSION + 1]:
                assignments.append(
                    {"mission_id": m, "person_id": who, "status": "no_show", "invited_at": start}
                )
            if cancelled:
                continue
            for n, author in enumerate(crew[:REPORTS_PER_MISSION]):
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
    visibility map that lets it answer from an index alone."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(rebuild)
    if not url.startswith("sqlite"):
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    await engine.dispose()


def _generate(url: str, people: int, reports: int) -> None:
    """In a child process: the schema, then the rows by the driver's fastest path."""
    upgrade(url)
    if url.startswith("sqlite"):
        _fill_sqlite(url.split("///", 1)[1], people, reports)
    else:
        asyncio.run(_fill_postgres(url, people, reports))
    asyncio.run(_sum_missions(url))


async def _timed(work: Callable[[], Awaitable[Any]]) -> float:
    """The median of RUNS runs, in milliseconds (the first one warms the caches)."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        await work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


async def measure(url: str) -> None:
    engine = create_engine(url)
    db = create_database(engine)
    t = _translator()
    after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    async with db() as session:
        team = await session.scalar(
            text(
                "SELECT team_id FROM missions WHERE team_id IS NOT NULL "
                "GROUP BY team_id ORDER BY count(*) DESC LIMIT 1"
            )
        )
        mission = await session.scalar(
            text("SELECT mission_id FROM field_reports ORDER BY id DESC LIMIT 1")
        )
        counts = [
            await session.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in ("people", "zones", "missions", "field_reports")
        ]
    print(
        f"  data: {counts[0]:,} people, {counts[1]} zones, {counts[2]:,} missions, "
        f"{counts[3]:,} field reports"
    )

    async def baseline() -> None:
        async with db() as session:
            await session.scalar(text("SELECT count(*) FROM field_reports"))

    base = await _timed(baseline)
    print(f"  baseline SELECT count(*) FROM field_reports: {base:7.1f} ms")
    week = parse_period("week", NOW, TIMEZONE).period
    campaign = parse_period("campaign", NOW, TIMEZONE).period
    cases = [
        ("campaign, this week", Scope(), week),
        ("one team, this week", Scope(team_id=team), week),
        ("a commune and its bureaux, this week", Scope(zone_id=1), week),
        ("one bureau only, this week", Scope(zone_id=COMMUNES + 1, with_subzones=False), week),
        ("one mission, the campaign", Scope(mission_id=mission), campaign),
        ("the whole campaign", Scope(), campaign),
        ("one team, the whole campaign", Scope(team_id=team), campaign),
    ]
    for name, scope, period in cases:

        async def one(scope: Scope = scope, period: Period = period) -> None:
            await build_dashboard(db, scope, period, TIMEZONE, now=NOW)

        async def report(scope: Scope = scope, period: Period = period) -> None:
            """What /report does: this period, the one before, the text."""
            before = previous_period(period, TIMEZONE)
            d, previous = await build_dashboards(db, scope, period, before, TIMEZONE, NOW)
            dashboard_text(d, previous, t, "fr", "Bench")

        alone, whole = await _timed(one), await _timed(report)
        print(
            f"  {name:38} dashboard {alone:7.1f} ms ({alone / base:5.1f}x baseline)   "
            f"/report {whole:7.1f} ms"
        )
    today = parse_period("today", NOW, TIMEZONE).period
    digests = [
        ("daily digest, the campaign", Scope(), today, False),
        ("daily digest, one team", Scope(team_id=team), today, False),
        ("weekly digest, the campaign", Scope(), week, True),
        ("weekly digest, one team", Scope(team_id=team), week, True),
    ]
    for name, scope, period, weekly in digests:

        async def digest(
            scope: Scope = scope, period: Period = period, weekly: bool = weekly
        ) -> None:
            """What the digest tick computes for one linked chat (bot/digests.py), short of
            queueing it: the period and the one before, the text, and for the weekly one
            the leaderboard of opted-in volunteers and the activity chart."""
            before = previous_period(period, TIMEZONE)
            d, previous = await build_dashboards(db, scope, period, before, TIMEZONE, NOW)
            dashboard_text(d, previous, t, "fr", "Bench")
            if weekly:  # side by side, as bot/digests.py does
                await asyncio.gather(
                    leaderboard(db, scope.team_id, period.start, BOARD_SIZE),
                    asyncio.to_thread(activity_chart, d, t),
                )

        print(f"  {name:38} {await _timed(digest):7.1f} ms")
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process: {peak_mb:.0f} MB ({after_imports:.0f} MB after imports)")


def _translator() -> Callable[..., str]:
    """The French catalog, read directly: bot.i18n would import every handler (and their
    libraries), which is the bot's memory, not the dashboard's."""
    path = Path(__file__).resolve().parents[1] / "bot/locales/fr/LC_MESSAGES/terrain.po"
    with path.open("rb") as handle:
        messages = {str(m.id): str(m.string) for m in read_po(handle, locale="fr") if m.id}

    def t(key: str, **fields: object) -> str:
        return messages.get(key, key).format(**fields)

    return t


def _prepare(url: str, people: int, reports: int) -> None:
    began = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=_generate, args=(url, people, reports)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"data generation failed (exit code {child.exitcode})")
    print(f"  generated in {time.perf_counter() - began:.0f} s")


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="SQLite file to keep (reused if present)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            path = args.keep or Path(folder) / "bench.db"
            url = f"sqlite+aiosqlite:///{path}"
            print(f"SQLite ({path})")
            if not path.exists():
                _prepare(url, args.people, args.reports)
            asyncio.run(measure(url))
    pg = os.environ.get("TERRAIN_BENCH_DATABASE_URL")
    if pg:
        if pg.rstrip("/").endswith("/test"):
            raise SystemExit("TERRAIN_BENCH_DATABASE_URL names the tests' database: use 'bench'")
        print("PostgreSQL")
        asyncio.run(_reset_postgres(pg))
        _prepare(pg, args.people, args.reports)
        asyncio.run(measure(pg))


if __name__ == "__main__":
    main()
