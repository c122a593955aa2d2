"""The dashboard charts: PNG images a phone can show, in both languages, or nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.i18n import Catalogs
from reports import drawing
from reports.charts import activity_chart, shorten, targets_chart
from reports.dashboard import Dashboard, DayActivity, Period, Progress, Scope

PNG = b"\x89PNG\r\n\x1a\n"
LONG = "Quartier de la Rive Droite, Recouvrance et Saint-Pierre <b>&</b> " * 3


def dimensions(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def dashboard(days: tuple[DayActivity, ...] = (), progress: tuple[Progress, ...] = ()) -> Dashboard:
    period = Period(None, datetime(2026, 12, 1, tzinfo=UTC))
    return Dashboard(scope=Scope(), period=period, days=days, progress=progress)


def day(offset: int, doors: int = 100) -> DayActivity:
    return DayActivity(
        day=date(2026, 10, 1) + timedelta(days=offset),
        doors_knocked=doors,
        supportive=doors // 10,
        undecided=doors // 12,
        opposed=doors // 20,
        not_interested=doors // 15,
    )


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs("fr")


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_activity_chart_is_a_square_png_for_a_phone(catalogs: Catalogs, locale: str) -> None:
    data = activity_chart(dashboard(days=(day(0), day(1, 40), day(4))), catalogs.translator(locale))
    assert data is not None
    assert dimensions(data) == (1080, 1080)
    assert len(data) < 200_000


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_targets_chart_is_a_square_png_for_a_phone(catalogs: Catalogs, locale: str) -> None:
    bars = (
        Progress("Team North", "doors", 350, 1000),
        Progress("Team South", "leaflets", 1200, 800),
    )
    data = targets_chart(dashboard(progress=bars), catalogs.translator(locale))
    assert data is not None
    assert dimensions(data) == (1080, 1080)
    assert len(data) < 200_000


def test_nothing_to_draw_gives_none(catalogs: Catalogs) -> None:
    t = catalogs.translator("fr")
    assert activity_chart(dashboard(), t) is None
    assert activity_chart(dashboard(days=(day(0, doors=0), day(3, doors=0))), t) is None
    assert targets_chart(dashboard(), t) is None
    # No target and no work done: nothing to draw either.
    assert targets_chart(dashboard(progress=(Progress("Team", "doors", 0, 0),)), t) is None


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_teams_without_targets_get_the_work_they_did(catalogs: Catalogs, locale: str) -> None:
    # A campaign-wide dashboard's progress is by team, and teams have no targets.
    teams = tuple(
        Progress(f"{name} {LONG}" if name == "Nord" else name, measure, done, 0)
        for name, done in (("Nord", 300), ("Sud", 120), ("Centre", 0))
        for measure in ("doors", "leaflets")
    )
    data = targets_chart(dashboard(progress=teams), catalogs.translator(locale))
    assert data is not None and dimensions(data) == (1080, 1080)
    many = tuple(Progress(f"Team {i}", "doors", 10 + i, 0) for i in range(30))
    data = targets_chart(dashboard(progress=many), catalogs.translator(locale))
    assert data is not None and len(data) < 200_000


def test_sixty_days_and_long_names_stay_small_and_quick(catalogs: Catalogs) -> None:
    t = catalogs.translator("fr")
    days = tuple(day(i, doors=20 + (i * 37) % 180) for i in range(60))
    bars = tuple(Progress(f"{i} {LONG}", "doors", i * 90, 1000 + i) for i in range(40))
    activity_chart(dashboard(days=days), t)  # the first chart pays for matplotlib's import
    started = time.perf_counter()
    activity = activity_chart(dashboard(days=days), t)
    targets = targets_chart(dashboard(progress=bars), t)
    elapsed = time.perf_counter() - started
    assert activity is not None and targets is not None
    assert dimensions(activity) == dimensions(targets) == (1080, 1080)
    assert len(activity) < 200_000 and len(targets) < 200_000
    assert elapsed < 10  # generous for a loaded machine; about 0.6 s here


def test_french_and_english_charts_differ(catalogs: Catalogs) -> None:
    d = dashboard(days=(day(0), day(1)), progress=(Progress("Nord", "doors", 3, 10),))
    assert activity_chart(d, catalogs.translator("fr")) != activity_chart(
        d, catalogs.translator("en")
    )
    assert targets_chart(d, catalogs.translator("fr")) != targets_chart(
        d, catalogs.translator("en")
    )


def test_long_names_end_with_an_ellipsis() -> None:
    assert shorten("Brest") == "Brest"
    short = shorten(LONG)
    assert len(short) == 22 and short.endswith("…")
    assert shorten("a  b\n c") == "a b c"


def test_dates_follow_each_language(catalogs: Catalogs) -> None:
    assert catalogs.translator("fr")("chart.day", day=date(2026, 11, 5)) == "05/11"
    assert catalogs.translator("en")("chart.day", day=date(2026, 11, 5)) == "05 Nov"


async def test_the_chart_worker_draws_what_the_bot_would_and_outlives_a_kill(
    catalogs: Catalogs,
) -> None:
    # /report and the digests draw in a worker process (reports/drawing.py): the same PNG as
    # drawn here, in either language, two organizers asking at once included.
    d = dashboard(
        days=tuple(day(i, doors=30 + 7 * i) for i in range(10)),
        progress=(Progress("Nord", "doors", 300, 1000), Progress("Sud", "leaflets", 90, 500)),
    )
    here = {
        (name, locale): chart(d, catalogs.translator(locale))
        for name, chart in (("activity", activity_chart), ("targets", targets_chart))
        for locale in ("fr", "en")
    }
    drawn = await asyncio.gather(*(drawing.draw(name, d, locale) for name, locale in here))
    assert drawn == list(here.values())
    # A worker killed (out of memory, say) is replaced: the next chart is still drawn.
    [pid] = drawing.worker_pids()
    os.kill(pid, signal.SIGKILL)
    assert await drawing.draw("activity", d, "fr") == here[("activity", "fr")]
    assert drawing.worker_pids() != [pid]
    # A chart that fails is reported, and the worker draws the next one.
    with pytest.raises(drawing.ChartFailed, match="KeyError"):
        await drawing.draw("pie", d, "fr")
    assert await drawing.draw("targets", d, "en") == here[("targets", "en")]


async def test_a_stuck_chart_worker_is_killed_and_replaced(
    catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = dashboard(days=(day(0), day(1, 40)))
    expected = activity_chart(d, catalogs.translator("fr"))
    assert await drawing.draw("activity", d, "fr") == expected
    [pid] = drawing.worker_pids()
    monkeypatch.setattr(drawing, "CHART_TIMEOUT_S", 1.0)  # the new worker has STARTUP_S more
    os.kill(pid, signal.SIGSTOP)  # alive, answering nothing
    assert await drawing.draw("activity", d, "fr") == expected
    assert drawing.worker_pids() not in ([], [pid])
