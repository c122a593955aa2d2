"""The volunteer's side: /missions lists open missions for my team and area, page by page,
joinable in one tap; /mymissions shows what I signed up for, with cancel (which promotes
the waitlist)."""

from __future__ import annotations

import json

from bot.app import Terrain
from models.people import Role
from sandbox import Sandbox
from tests.bot.missions.kit import assignments, person, statuses, zone
from tests.conftest import ADMIN_ID


def line(day: int, capacity: int = 1) -> str:
    return (
        f"/newmission tractage | 29019_0076 | {day:02d}/03/2026 10:00 | 12:00 | Gare | {capacity}"
    )


async def test_missions_paginated_and_joinable(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    await zone(app, "69123_0001", "Lyon bureau 1")
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    for day in range(10, 17):  # seven campaign-wide missions in Brest
        await admin.send(line(day))
        await admin.expect("créée")
    await admin.send("/newmission tractage | 69123_0001 | 20/03/2026 10:00 | 12:00 | Lyon | 5")
    await admin.expect("#8")  # in another département: not listed for Brest volunteers
    lead = sandbox.user("Lea", language_code="fr")
    await person(app, lead, role=Role.TEAM_LEAD, team="Quimper")
    await lead.send(line(25))
    await lead.expect("#9")  # Quimper's own mission: only Quimper sees it

    vera = sandbox.user("Vera", language_code="fr")
    await person(app, vera, postal_code="29200")
    await vera.send("/missions")
    first = await vera.expect("page 1/2")
    assert "#1 ·" in first.text and "#5 ·" in first.text and "#6 ·" not in first.text
    await vera.press("Suivantes")
    second = await vera.expect("page 2/2")
    assert "#6 ·" in second.text and "#7 ·" in second.text
    assert "#8 ·" not in second.text and "#9 ·" not in second.text
    await vera.press("Je participe à #7")
    await vera.expect("vous êtes inscrit·e à la mission #7")
    assert statuses(await assignments(app, 7)) == {"accepted": 1}

    quentin = sandbox.user("Quentin", language_code="fr")
    await person(app, quentin, team="Quimper")
    await quentin.send("/missions")
    await quentin.expect("page 1/2")
    await quentin.press("Suivantes")
    page = await quentin.expect("page 2/2")
    assert "#9 ·" in page.text
    # Mission 7 is full (one place): Quentin joins its waitlist.
    await quentin.press("Je participe à #7")
    await quentin.expect("liste d'attente")


async def test_mymissions_cancel_promotes_the_waitlist(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send(line(14))
    await admin.expect("créée")
    vera, will = sandbox.user("Vera", language_code="fr"), sandbox.user("Will", language_code="fr")
    await person(app, vera)
    await person(app, will)
    await vera.send("/mymissions")
    await vera.expect("aucune mission")
    for user in (vera, will):
        await user.send("/missions")
        await user.press("Je participe à #1")
    await vera.send("/mymissions")
    mine = await vera.expect("Inscrit·e")
    assert "#1 · Tractage" in mine.text
    await vera.press("Je ne peux plus venir")
    await vera.expect("désinscrit·e de la mission #1")
    await app.outbox.drain()
    await will.expect("Une place s'est libérée")
    assert statuses(await assignments(app, 1)) == {"cancelled": 1, "accepted": 1}
    await vera.send("/mymissions")
    await vera.expect("aucune mission")


async def test_mydata_lists_my_missions(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send(line(12, capacity=3))
    await admin.expect("créée")
    vera = sandbox.user("Vera", language_code="fr")
    await person(app, vera, postal_code="29200")
    await vera.send("/missions")
    await vera.expect("page 1/1")
    await vera.press("Je participe à #1")
    await vera.expect("vous êtes inscrit·e à la mission #1")
    await vera.send("/mydata")
    document = (await vera.expect("JSON")).document
    assert document is not None
    held = json.loads(document.data)
    [mission] = held["missions"]
    assert (mission["mission"], mission["kind"], mission["status"]) == (1, "leafleting", "accepted")
    assert mission["zone"] == "Brest bureau 76"
