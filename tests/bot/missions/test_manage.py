"""/mission ID for organizers: edit a field (everyone told, old buttons stale), cancel
(everyone told, buttons stale afterwards), record no-shows after the end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Terrain
from bot.i18n import load_catalog
from models.clock import ManualClock
from sandbox import Sandbox, User
from tests.bot.missions.kit import ONE_LINE, answer_data, assignments, person, statuses, zone
from tests.conftest import ADMIN_ID

FR = load_catalog("fr")


async def crew(sandbox: Sandbox, app: Terrain, capacity: int) -> tuple[User, list[User]]:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=capacity))
    await admin.expect("créée")
    people = [
        sandbox.user(n, username=n.lower(), language_code="fr") for n in ("Anna", "Bob", "Cleo")
    ]
    for user in people:
        await person(app, user)
    await admin.send("/assign 1 @anna @bob @cleo")
    await admin.expect("3 invitation(s)")
    await app.outbox.drain()
    return admin, people


async def test_cancel_tells_everyone_and_stales_buttons(sandbox: Sandbox, app: Terrain) -> None:
    admin, (anna, bob, cleo) = await crew(sandbox, app, capacity=1)
    await anna.press("J'accepte")
    await bob.press("J'accepte")  # waitlisted
    card = await cleo.expect("Une mission pour vous")  # still invited
    await admin.send("/mission 1")
    await admin.expect("Liste d'attente: Bob")
    await admin.press("Annuler la mission")
    await admin.expect("Annuler la mission #1 ?")
    await admin.press("Oui, annuler")
    await admin.expect("3 personne(s) prévenue(s)")
    await app.outbox.drain()
    for user in (anna, bob, cleo):
        await user.expect("Mission annulée")
    await cleo.press("J'accepte", message_id=card.message_id)
    assert cleo.callback_answers[-1].text == FR["assign.outcome.closed"]
    assert statuses(await assignments(app, 1)) == {"cancelled": 3}
    await admin.send("/mission 1")
    shown = await admin.expect("Annulée")
    assert shown.buttons == []


async def test_edit_tells_everyone_with_fresh_buttons(sandbox: Sandbox, app: Terrain) -> None:
    admin, (anna, bob, cleo) = await crew(sandbox, app, capacity=1)
    old_card = await bob.expect("Une mission pour vous")
    await anna.press("J'accepte")
    await admin.send("/mission 1")
    await admin.press("Modifier")
    await admin.press("Nombre de places")
    await admin.expect("Nouvelle valeur")
    await admin.send("0")
    await admin.expect(FR["mission.invalid.capacity_zero"])
    await admin.send("2")
    await admin.expect("C'est fait")
    await app.outbox.drain()
    await anna.expect("Mission modifiée")
    new_card = await bob.expect("Mission modifiée")
    assert new_card.buttons == [["✅ J'accepte", "✖ Je décline"]]
    # The old card's button names version 1: refused with a clear message.
    await bob.press(callback_data=answer_data(2, version=1), message_id=old_card.message_id)
    assert bob.callback_answers[-1].text == FR["assign.outcome.outdated"]
    await bob.press("J'accepte")
    await bob.expect("vous êtes inscrit·e")
    assert statuses(await assignments(app, 1)) == {"accepted": 2, "invited": 1}


async def test_no_shows_after_the_end(sandbox: Sandbox, app: Terrain, clock: ManualClock) -> None:
    admin, (anna, bob, _cleo) = await crew(sandbox, app, capacity=3)
    await anna.press("J'accepte")
    await bob.press("J'accepte")
    await admin.send("/mission 1")
    before = await admin.expect("#1 · Tractage")
    assert "Noter les absent·es" not in str(before.buttons)
    clock._now = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    await admin.send("/mission 1")
    await admin.press("Noter les absent·es")
    await admin.expect("touchez un nom")
    await admin.press("✅ Bob")
    await admin.wait_for(lambda: ["❌ Bob"] in admin.last.buttons)
    rows = {row.person_id: row.status for row in await assignments(app, 1)}
    assert sorted(rows.values()) == ["accepted", "invited", "no_show"]
