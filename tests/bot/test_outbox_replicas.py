"""Several senders on one outbox table (replicas): each message goes out exactly once, and a
dead sender's claimed rows come back only when its lease runs out."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.app import Terrain
from models import queue
from models.clock import ManualClock
from models.outbox import OutboxMessage
from sandbox import Sandbox
from tests.bot.missions.kit import person
from tests.conftest import make_settings


async def enqueue_for(app: Terrain, users: list, label: str) -> None:
    people = [await person(app, user) for user in users]
    async with app.db.begin() as session:
        for user, who in zip(users, people, strict=True):
            await queue.enqueue(
                session,
                key=f"{label}:{who.id}",
                chat_id=user.id,
                text=f"{label} pour {user.first_name}",
                now=app.clock.now(),
                person_id=who.id,
            )


async def drain_together(apps: list[Terrain]) -> None:
    """Every app's outbox sender at once, as replicas do, until nothing is due; then each
    app is shut down (its counts stay readable)."""
    for app in apps:
        app.outbox.start()
    try:
        for app in apps:
            await app.outbox.drain(timeout=60)
    finally:
        for app in apps:
            await app.close()


async def test_two_senders_share_the_work_and_never_send_twice(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    # A high global rate: the test is about sharing, not pacing.
    settings = make_settings(sandbox, database_url, global_per_second=500)
    first, second = Terrain(settings, clock), Terrain(settings, clock)
    users = [sandbox.user(f"V{n}", language_code="fr") for n in range(120)]
    await enqueue_for(first, users, "Tournée")
    await drain_together([first, second])
    sent = Counter(record.params["chat_id"] for record in sandbox.calls("sendMessage") if record.ok)
    assert sorted(sent) == sorted(user.id for user in users)
    assert set(sent.values()) == {1}
    assert first.outbox.sent + second.outbox.sent == len(users)
    assert first.outbox.sent > 0 and second.outbox.sent > 0


async def test_a_dead_senders_rows_wait_for_its_lease(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(sandbox, database_url, outbox_lease_s=8)
    app = Terrain(settings, clock)
    anna = sandbox.user("Anna", language_code="fr")
    await enqueue_for(app, [anna], "Rappel")
    # Another sender claimed it, then died: its lease runs 8 s from now.
    async with app.db.begin() as session:
        row = await session.scalar(select(OutboxMessage))
        assert row is not None
        row.status, row.not_before = "sending", clock.now() + timedelta(seconds=8)
    app.outbox.start()
    try:
        await app.outbox.drain()
        assert not [m for m in anna.transcript if m.from_bot]  # still the other sender's
        clock.advance(timedelta(seconds=9))
        app.outbox._wake.set()
        await anna.wait_for(lambda: [m for m in anna.transcript if m.from_bot], timeout=20)
        await app.outbox.drain()
    finally:
        await app.outbox.stop()
    assert [m.text for m in anna.transcript if m.from_bot] == ["Rappel pour Anna"]
    async with app.db() as session:
        assert (await session.scalar(select(OutboxMessage.status))) == "sent"
    await app.bot.session.close()
    await app.engine.dispose()
