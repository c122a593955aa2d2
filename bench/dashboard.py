"""How fast the dashboard answers at a big campaign's scale: 100,000 volunteers, 1,000,000
field reports over 60 days, ~200 zones (communes and their polling stations), 50 teams.

    uv run python bench/dashboard.py [--people 100000] [--reports 1000000] [--keep FILE]

Times what /report does (build_dashboard for the period and the one before, then the text)
for several scopes, and what a daily and a weekly digest compute (the weekly one adds the
leaderboard and the activity chart), against a bare `SELECT count(*) FROM field_reports`
timed in the same run, and prints the peak RSS of the process that ran them (the data is
generated in a child process, so its memory is not counted) and of the chart worker. Runs on
SQLite (a temporary file, or --keep FILE, reused when it exists), then on PostgreSQL when
TERRAIN_BENCH_DATABASE_URL is set (a database that may be emptied, e.g.
postgresql+asyncpg://postgres@127.0.0.1/bench; never the tests' database). Targets: under
300 ms per /report and digest, 300 MB peak; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard_data import COMMUNES, NOW, generate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot.i18n import Catalogs  # noqa: E402
from models.database import create_database, create_engine  # noqa: E402
from reports import drawing  # noqa: E402
from reports.dashboard import (  # noqa: E402
    Dashboard,
    DayActivity,
    Period,
    Scope,
    build_dashboard,
    build_dashboards,
)
from reports.dashboard_text import dashboard_text  # noqa: E402
from reports.leaderboard import leaderboard  # noqa: E402
from reports.periods import parse_period, previous_period  # noqa: E402

TIMEZONE = "Europe/Paris"
RUNS = 5
BOARD_SIZE = 5  # as bot/digests.py (not imported: it would bring the whole bot's memory)


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
    t = Catalogs("fr").translator("fr")
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
            charts: list[asyncio.Future[bytes | None]] = []

            def chart(days: tuple[DayActivity, ...]) -> None:
                d = Dashboard(scope, period, days=days)
                charts.append(asyncio.ensure_future(drawing.draw("activity", d, "fr")))

            async def figures() -> None:
                on_days = chart if weekly else None
                d, previous = await build_dashboards(
                    db, scope, period, before, TIMEZONE, NOW, on_days=on_days
                )
                dashboard_text(d, previous, t, "fr", "Bench")
                if weekly:  # drawn from the days while the rest was counted
                    await charts[0]

            parts = [figures()]
            if weekly:  # as bot/digests.py does: the leaderboard ranked beside the dashboards
                parts.append(leaderboard(db, scope.team_id, period.start, BOARD_SIZE))
            await asyncio.gather(*parts)

        print(f"  {name:38} {await _timed(digest):7.1f} ms")
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process: {peak_mb:.0f} MB ({after_imports:.0f} MB after imports)")
    for pid in drawing.worker_pids():
        print(f"  peak RSS of the chart worker: {_peak_mb(pid):.0f} MB")


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _prepare(url: str, people: int, reports: int) -> None:
    began = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=generate, args=(url, people, reports)
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
