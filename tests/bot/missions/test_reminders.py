"""Reminders: the day-before confirmation request, the reminder 2 hours before, the debrief
nudge 1 hour after the end; whoever never confirmed is flagged to the organizer. What is due
lives in the database: the job run twice, or by a second Terrain, sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Terrain
from bot.jobs import send_reminders
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.missions.kit import ONE_LINE, outbox, person, zone
from tests.conftest import ADMIN_ID, make_settings


async def run_job(app: Terrain) -> int:
    return await send_reminders(app.db, app.clock, app.reminder_timing, app.compose)


async def test_reminders_at_the_right_times_never_twice(
    sandbox: Sandbox, app: Terrain, clock: ManualClock, database_url: str
) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=6))  # Sat 14 March, 09:00-11:00 UTC
    await admin.expect("créée")
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    bob = sandbox.user("Bob", username="bob", language_code="en")
    await person(app, anna)
    await person(app, bob)
    await admin.send("/assign 1 @anna @bob")
    await admin.expect("2 invitation(s)")
    await app.outbox.drain()
    await anna.press("J'accepte")
    await bob.press("Accept")
    assert await run_job(app) == 0  # twelve days ahead: nothing due

    clock._now = datetime(2026, 3, 13, 8, 59, tzinfo=UTC)
    assert await run_job(app) == 0
    clock._now = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)  # 24 hours before
    assert await run_job(app) == 2
    assert await run_job(app) == 0
    await app.outbox.drain()
    await anna.expect("vous venez toujours")
    await bob.expect("still coming")
    await anna.press("Je viens")
    await anna.expect("à bientôt")

    clock._now = datetime(2026, 3, 14, 7, 0, tzinfo=UTC)  # 2 hours before
    assert await run_job(app) == 3  # two reminders, one flag
    await app.outbox.drain()
    await anna.expect("Rappel")
    await bob.expect("Reminder")
    flag = await admin.expect("pas de confirmation")
    assert "Bob" in flag.text and "Anna" not in flag.text

    # A restart, or a second replica on the same database: the job finds nothing new.
    second = Terrain(make_settings(sandbox, database_url), clock)
    try:
        assert await run_job(second) == 0
    finally:
        await second.engine.dispose()

    clock._now = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)  # 1 hour after the end
    assert await run_job(app) == 2
    assert await run_job(app) == 0
    await app.outbox.drain()
    await anna.expect("Merci pour la mission #1")
    keys = [row.idempotency_key for row in await outbox(app)]
    assert len(keys) == len(set(keys))
    assert sum(k.startswith(("confirm:", "remind:", "debrief:", "flag:")) for k in keys) == 7
    assert all(row.status == "sent" for row in await outbox(app))


async def test_rescheduling_resets_confirmation_and_reminders(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=6))
    await admin.expect("créée")
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await person(app, anna)
    await admin.send("/assign 1 @anna")
    await admin.expect("1 invitation(s)")
    await app.outbox.drain()
    await anna.press("J'accepte")
    clock._now = datetime(2026, 3, 13, 10, 0, tzinfo=UTC)
    assert await run_job(app) == 1
    await app.outbox.drain()
    await anna.press("Je viens")
    await anna.expect("à bientôt")
    # Moved to Sunday afternoon: told with a new calendar file, and asked again.
    await admin.send("/mission 1")
    await admin.press("Déplacer")
    await admin.expect("Nouveau créneau")
    await admin.send("15/03/2026 14:00 16:00")
    await admin.expect("C'est fait")
    await app.outbox.drain()
    await anna.expect("Mission déplacée")
    calendars = [m.document for m in anna.transcript if m.document is not None]
    assert len(calendars) == 2 and b"SEQUENCE:2" in calendars[-1].data
    assert b"DTSTART:20260315T130000Z" in calendars[-1].data
    clock._now = datetime(2026, 3, 14, 13, 0, tzinfo=UTC)
    assert await run_job(app) == 1  # the confirmation request for the new time
