"""Capacity holds under concurrency: 50 volunteers tap Accept at once on a mission for 6;
exactly 6 get a place, 44 are waitlisted, and each is told which (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from bot.app import Terrain
from bot.i18n import load_catalog
from sandbox import Sandbox
from tests.bot.missions.kit import ONE_LINE, assignments, person, statuses, zone
from tests.conftest import ADMIN_ID

FR = load_catalog("fr")
CROWD = 50


async def test_fifty_taps_for_six_places(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=6))
    await admin.expect("créée")
    crowd = [sandbox.user(f"V{i}", username=f"v{i}", language_code="fr") for i in range(CROWD)]
    for user in crowd:
        await person(app, user)
    await admin.send("/assign 1 " + " ".join(f"@v{i}" for i in range(CROWD)))
    await admin.expect(f"{CROWD} invitation(s)", timeout=20)
    await app.outbox.drain(timeout=60)
    for user in crowd:
        await user.expect("Une mission pour vous")

    await asyncio.gather(*(user.press("J'accepte", timeout=60) for user in crowd))
    # A press is answered first, its card edited after: wait until every tap is handled.
    await sandbox.settle(timeout=60)

    rows = await assignments(app, 1)
    assert statuses(rows) == {"accepted": 6, "waitlisted": CROWD - 6}
    accepted = FR["assign.outcome.accepted"].format(id=1)
    waitlisted = FR["assign.outcome.waitlisted"].format(id=1)
    told = [user.callback_answers[-1].text for user in crowd]
    assert told.count(accepted) == 6 and told.count(waitlisted) == CROWD - 6
    # Each card now says what happened, and has no buttons left to press.
    for user in crowd:
        card = next(m for m in user.transcript if "Une mission pour vous" in m.text)
        assert card.text.endswith((accepted, waitlisted)) and card.buttons == []
