"""A report survives a restart halfway, records once however often it is confirmed, can be
fixed for 24 hours (versioned), and arrives late after the nudge."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.app import Terrain
from bot.jobs import send_reminders
from models import report_ops
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission, reports, skip_tail, versions
from tests.conftest import make_settings, wait_polling


async def _started(sandbox: Sandbox, database_url: str, clock: ManualClock) -> tuple[Terrain, Any]:
    settings = make_settings(sandbox, database_url, global_per_second=1000)
    app = Terrain(settings, clock)
    task = asyncio.create_task(app.run(handle_signals=False))
    return app, task


async def test_kill_and_restart_resumes_at_the_same_question(
    sandbox: Sandbox, database_url: str, clock: ManualClock
) -> None:
    first, task = await _started(sandbox, database_url, clock)
    await wait_polling(sandbox)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(first, "door_knocking", (await person(first, anna),))
    await anna.send("/debrief")
    await anna.send("40")
    await anna.send("8")
    await anna.expect("vraies conversations")
    await first.stop()  # the process stops between two answers; all it knew is gone
    await asyncio.wait_for(task, 10)

    polls = len(sandbox.calls("getUpdates"))
    second, task = await _started(sandbox, database_url, clock)
    try:
        await sandbox.wait_until(
            lambda: len(sandbox.calls("getUpdates")) > polls, 10, lambda: "no polling"
        )
        clock.advance(timedelta(hours=5))  # a late answer, hours later: still welcome
        await anna.send("6")
        following = await anna.expect("favorables")
        assert "4/12" in following.text
        for answer in ("3", "2", "1", "0", "1"):
            await anna.send(answer)
        await skip_tail(anna)
        summary = await anna.expect("Tout est juste")
        assert "Portes frappées : 40" in summary.text and "Portes ouvertes : 8" in summary.text
        await anna.press("Envoyer")
        await anna.expect("enregistré")
        [report] = await reports(second)
        assert (report.doors_knocked, report.doors_opened, report.conversations) == (40, 8, 6)
    finally:
        await second.stop()
        await asyncio.wait_for(task, 10)


async def test_confirming_twice_records_one_report(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    who = await person(app, anna)
    await mission(app, "market_stall", (who,))
    await anna.send("/debrief")
    await anna.send("25")
    await anna.send("3")
    await skip_tail(anna)
    summary = await anna.expect("Tout est juste")
    send = next(d for row in summary.button_data for d in row if d.startswith("rv:send"))
    await anna.press(callback_data=send, message_id=summary.message_id)
    await anna.press(callback_data=send, message_id=summary.message_id)  # a double tap
    assert len(await reports(app)) == 1 and len(await versions(app)) == 1
    # The same draft submitted again (a re-delivered update past the dedup): nothing new.
    [report] = await reports(app)
    again = report_ops.Submission(report.mission_id, who.id, {"conversations": 1}, 0)
    same, changed = await report_ops.submit(app.db, again, app.clock.now(), app.compose)
    assert same is not None and same.id == report.id and not changed
    assert [r.conversations for r in await reports(app)] == [25]


async def test_edit_within_24_hours_is_versioned(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "posters", (await person(app, anna),))
    await anna.send("/debrief")
    await anna.send("30")
    await anna.send("12")
    await skip_tail(anna)
    await anna.press("Envoyer")
    await anna.expect("enregistré")
    clock.advance(timedelta(hours=3))
    await anna.press("Corriger (24 h)")  # the button under the recorded report
    await anna.expect("Tout est juste")
    await anna.press("Corriger")
    await anna.press("Affiches")
    await anna.expect("affiches posées")
    await anna.send("35")  # a typo fixed: straight back to the summary
    summary = await anna.expect("Tout est juste")
    assert "Affiches : 35" in summary.text and "Emplacements : 12" in summary.text
    await anna.press("Envoyer")
    await anna.expect("version 2")
    [report] = await reports(app)
    assert (report.posters, report.spots, report.version) == (35, 12, 2)
    assert [(v.version, v.snapshot["posters"]) for v in await versions(app)] == [(1, 30), (2, 35)]
    # /debrief offers the fix while it is allowed, not after.
    await anna.send("/debrief")
    offer = await anna.expect("Quelle mission")
    assert offer.buttons == [["✏️ Corriger le compte rendu #1"]]
    clock.advance(timedelta(hours=22))
    await anna.send("/debrief")
    await anna.expect("Aucune mission")
    await anna.press(callback_data=f"re:{report.id}")
    await anna.expect("ne peut plus être corrigé")


async def test_the_nudge_button_starts_the_report(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "leafleting", (await person(app, anna),), ended_ago=timedelta(0))
    clock.advance(timedelta(hours=1))
    assert await send_reminders(app.db, app.clock, app.reminder_timing, app.compose) == 1
    await app.outbox.drain()
    await anna.expect("Merci pour la mission #1")
    clock.advance(timedelta(hours=30))  # a late report, long after the nudge
    await anna.press("Faire le compte rendu")
    await anna.expect("tracts distribués")


async def test_several_missions_ask_which(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    who = await person(app, anna)
    await mission(app, "leafleting", (who,), ended_ago=timedelta(days=1))
    await mission(app, "posters", (who,))
    await anna.send("/debrief")
    choice = await anna.expect("Quelle mission")
    assert len(choice.buttons) == 2
    await anna.press("#2")
    await anna.expect("affiches posées")
