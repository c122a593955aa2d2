"""Digests and the live dashboard of linked chats, end to end: the daily digest at the set time
(once, however often the tick runs; late the same day if missed), the weekly one on its day,
the pinned dashboard edited when figures change and no more often than the interval, and no
volunteer's name anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.app import Terrain
from bot.settings import Settings
from models.chat_links import ChatLink
from models.clock import ManualClock
from models.missions import Mission
from models.outbox import OutboxMessage
from models.people import Person, Role
from models.reports import FieldReport
from reports import drawing
from sandbox import Group, Sandbox
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission
from tests.conftest import make_settings, wait_polling

# The clock fixture starts Monday 2 March 2026, 09:00 UTC (10:00 in Paris); digests at 21:00
# Paris time, 20:00 UTC in March.
MONDAY_2100 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
NAMES = ("Anouk Zéphyr", "Basile Quentin")


@pytest.fixture
async def terrain(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> AsyncIterator[Terrain]:
    """Telegram's 20 messages a minute per group would make a digest of several messages take
    seconds to drain: the limit is raised here (the outbox has its own tests of pacing)."""
    app = Terrain(make_settings(sandbox, database_url, group_per_minute=600), clock)
    task = asyncio.create_task(app.run(handle_signals=False))
    await wait_polling(sandbox)
    yield app
    await app.stop()
    await asyncio.wait_for(task, 10)


async def file_report(app: Terrain, author: Person, **counts: int) -> None:
    """A confirmed report on a mission that ended an hour ago (flows have their own tests)."""
    found = await mission(app, "door_knocking", (author,))
    now = app.clock.now()
    async with app.db.begin() as session:
        row = await session.get_one(Mission, found.id)
        session.add(
            FieldReport(
                mission_id=row.id, author_id=author.id, zone_id=row.zone_id, kind=row.kind,
                people=1, version=1, created_at=now, updated_at=now, **counts,
            )
        )  # fmt: skip


async def linked_group(sandbox: Sandbox, app: Terrain) -> tuple[Any, Group]:
    camille = sandbox.user("Camille", language_code="fr")
    await person(app, camille, role=Role.ORGANIZER)
    group = sandbox.group("Orga Brest").add(camille, status="administrator")
    await camille.send("/link", chat=group)
    await camille.expect("relié à toute la campagne", chat=group)
    await sandbox.wait_until(lambda: group.pinned, 5, lambda: "nothing pinned")
    return camille, group


async def volunteers(sandbox: Sandbox, app: Terrain) -> list[Person]:
    return [await person(app, sandbox.user(name, language_code="fr")) for name in NAMES]


def bot_texts(sandbox: Sandbox, group: Group) -> list[str]:
    return [m.text for m in sandbox.transcript(group) if m.from_bot]


def live(sandbox: Sandbox, group: Group) -> str:
    message = sandbox.chat(group).find(group.pinned or 0)
    assert message is not None and message.text is not None
    return message.text


async def digest_rows(app: Terrain) -> list[str]:
    async with app.db() as session:
        keys = await session.scalars(
            select(OutboxMessage.idempotency_key)
            .where(OutboxMessage.idempotency_key.startswith("digest:"))
            .order_by(OutboxMessage.id)
        )
        return list(keys)


async def test_daily_digest_at_the_set_time_once(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock, database_url: str
) -> None:
    _, group = await linked_group(sandbox, terrain)
    anouk, basile = await volunteers(sandbox, terrain)
    await file_report(terrain, anouk, doors_knocked=40, doors_opened=12, conversations=9)
    await file_report(terrain, basile, leaflets=250)

    clock._now = MONDAY_2100 - timedelta(minutes=1)
    assert await terrain.dashboards.queue_digests() == 0
    clock._now = MONDAY_2100
    assert await terrain.dashboards.queue_digests() == 1
    assert await terrain.dashboards.queue_digests() == 0  # a second tick
    second = Terrain(make_settings(sandbox, database_url), clock)  # a second replica
    try:
        assert await second.dashboards.queue_digests() == 0
    finally:
        await second.engine.dispose()
    assert await digest_rows(terrain) == [f"digest:daily:{group.id}:2026-03-02"]
    await terrain.outbox.drain()
    [digest] = [text for text in bot_texts(sandbox, group) if "Bilan du jour" in text]
    assert "Brest en commun" in digest and "lundi 2 mars" in digest
    assert "Portes frappées : 40" in digest and "Tracts distribués : 250" in digest
    assert "Bénévoles actifs : 2" in digest
    everything = "\n".join(bot_texts(sandbox, group))
    for name in (*NAMES, "Anouk", "Basile"):
        assert name not in everything  # aggregates only

    # Tuesday: the bot was down at 21:00; the digest goes out late, the same evening.
    clock._now = datetime(2026, 3, 3, 22, 45, tzinfo=UTC)  # 23:45 in Paris
    assert await terrain.dashboards.queue_digests() == 1
    # Wednesday morning: Tuesday's is not sent (the tick never saw Tuesday evening again).
    clock._now = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert await terrain.dashboards.queue_digests() == 0
    await terrain.outbox.drain()
    tuesday = [text for text in bot_texts(sandbox, group) if "mardi 3 mars" in text]
    assert len(tuesday) == 1 and "Portes frappées : 0 (−40)" in tuesday[0]  # against Monday


async def test_weekly_digest_on_its_day(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    _, group = await linked_group(sandbox, terrain)
    anouk, basile = await volunteers(sandbox, terrain)
    async with terrain.db.begin() as session:  # Anouk chose to appear on leaderboards
        (await session.get_one(Person, anouk.id)).on_leaderboard = True
    await file_report(terrain, anouk, doors_knocked=40)
    await file_report(terrain, basile, doors_knocked=70)
    clock._now = datetime(2026, 3, 7, 20, 30, tzinfo=UTC)  # Saturday 21:30 in Paris
    await terrain.dashboards.queue_digests()
    assert not [k for k in await digest_rows(terrain) if k.startswith("digest:weekly")]
    clock._now = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # Sunday 21:00 in Paris
    # The day's, the week's, its leaderboard and its chart.
    assert await terrain.dashboards.queue_digests() == 4
    assert await terrain.dashboards.queue_digests() == 0
    week = f"digest:weekly:{group.id}:2026-03-02"
    assert {week, f"{week}:board", f"{week}:chart"} <= set(await digest_rows(terrain))
    await terrain.outbox.drain()
    [weekly] = [text for text in bot_texts(sandbox, group) if "Bilan de la semaine" in text]
    assert "du 2 mars au 8 mars" in weekly and "Portes frappées : 110" in weekly
    assert "Anouk" not in weekly
    # Named only on the leaderboard, and only who opted in.
    [board] = [text for text in bot_texts(sandbox, group) if "Tableau d'honneur" in text]
    assert "1. Anouk Zéphyr : 1 mission(s), 40 portes" in board and "Basile" not in board
    everything = "\n".join(bot_texts(sandbox, group))
    assert everything.count("Anouk") == 1 and "Basile" not in everything
    [chart] = [m.photo for m in sandbox.transcript(group) if m.photo is not None]
    assert chart.startswith(b"\x89PNG")


async def test_a_weekly_digest_whose_chart_fails_goes_out_without_it(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, group = await linked_group(sandbox, terrain)
    anouk, _ = await volunteers(sandbox, terrain)
    await file_report(terrain, anouk, doors_knocked=40)
    # Every chart worker is killed before it can answer: the chart fails, twice.
    monkeypatch.setattr(drawing, "CHART_TIMEOUT_S", 0.0)
    monkeypatch.setattr(drawing, "STARTUP_S", 0.0)
    clock._now = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # Sunday 21:00 in Paris
    assert await terrain.dashboards.queue_digests() == 2  # the day's and the week's, no chart
    week = f"digest:weekly:{group.id}:2026-03-02"
    assert f"{week}:chart" not in await digest_rows(terrain)
    await terrain.outbox.drain()
    [weekly] = [text for text in bot_texts(sandbox, group) if "Bilan de la semaine" in text]
    assert "Portes frappées : 40" in weekly
    assert not [m for m in sandbox.transcript(group) if m.photo is not None]


async def test_live_dashboard_follows_the_reports(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    _, group = await linked_group(sandbox, terrain)
    anouk, basile = await volunteers(sandbox, terrain)
    pinned = group.pinned
    assert "Aucun compte rendu" in live(sandbox, group)
    refresh = terrain.dashboards.refresh_live

    clock.advance(timedelta(seconds=61))
    assert await refresh() == 0  # nothing changed: no call at all
    assert not sandbox.calls("editMessageText")

    await file_report(terrain, anouk, doors_knocked=40)
    clock.advance(timedelta(seconds=1))
    assert await refresh() == 1
    assert "Portes frappées : 40" in live(sandbox, group) and group.pinned == pinned

    await file_report(terrain, basile, doors_knocked=10)
    clock.advance(timedelta(seconds=30))
    assert await refresh() == 0  # too soon after the last edit
    clock.advance(timedelta(seconds=31))
    assert await refresh() == 1
    assert "Portes frappées : 50" in live(sandbox, group)
    assert len(sandbox.calls("editMessageText")) == 2
    for name in (*NAMES, "Anouk", "Basile"):
        assert name not in live(sandbox, group)

    # Someone deleted the dashboard: a new one is sent and pinned.
    sandbox.inject_error(
        "editMessageText", 400, "Bad Request: message to edit not found (injected)"
    )
    await file_report(terrain, anouk, leaflets=100)
    clock.advance(timedelta(seconds=61))
    assert await refresh() == 1
    assert group.pinned not in (None, pinned) and "Tracts distribués : 100" in live(sandbox, group)

    # At midnight the same message starts the new day.
    clock._now = datetime(2026, 3, 2, 23, 1, tzinfo=UTC)  # 00:01 on Tuesday in Paris
    assert await refresh() == 1
    assert "mardi 3 mars" in live(sandbox, group) and "Aucun compte rendu" in live(sandbox, group)


async def test_a_chat_that_refuses_the_bot_is_unlinked(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    _, group = await linked_group(sandbox, terrain)
    [anouk, _] = await volunteers(sandbox, terrain)
    group.kick_bot()  # no my_chat_member: the 403 tells
    await file_report(terrain, anouk, doors_knocked=40)
    clock.advance(timedelta(seconds=61))
    assert await terrain.dashboards.refresh_live() == 0
    async with terrain.db() as session:
        assert list(await session.scalars(select(ChatLink))) == []

    # A digest refused with 403 unlinks too.
    _, second = await linked_group(sandbox, terrain)
    clock._now = MONDAY_2100
    assert await terrain.dashboards.queue_digests() == 1
    second.kick_bot()
    await terrain.outbox.drain()
    await terrain.dashboards.queue_digests()
    async with terrain.db() as session:
        assert list(await session.scalars(select(ChatLink))) == []


def test_digest_settings_are_checked() -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    chosen = settings(digest_time="7h05", digest_weekday=" Friday ")
    assert chosen.digest_time == "07:05" and chosen.digest_weekday_index == 4
    assert settings().digest_at.hour == 21 and settings().digest_weekday_index == 6
    for bad in ({"digest_time": "25:00"}, {"digest_time": "soon"}, {"digest_weekday": "dimanche"},
                {"live_dashboard_s": 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            settings(**bad)
