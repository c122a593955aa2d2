"""/assign in its four forms; each assignee gets the card with Accept / Decline and a .ics
through the outbox; answers, the waitlist, forged buttons, team leads kept to their team."""

from __future__ import annotations

from bot.app import Terrain
from bot.i18n import load_catalog
from models.people import Role
from sandbox import Sandbox, User
from tests.bot.missions.kit import (
    ONE_LINE,
    answer_data,
    assignments,
    outbox,
    person,
    statuses,
    zone,
)
from tests.conftest import ADMIN_ID

FR = load_catalog("fr")


async def organizer(sandbox: Sandbox, app: Terrain, capacity: int = 6) -> User:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, username="camille", language_code="fr")
    await person(app, admin, availability=("sundays",))  # so never proposed for a Saturday
    await admin.send("/newmission " + ONE_LINE.format(cap=capacity))
    await admin.expect("créée")
    return admin


async def test_assign_by_username_sends_card_and_calendar(sandbox: Sandbox, app: Terrain) -> None:
    admin = await organizer(sandbox, app)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    bob = sandbox.user("Bob <b>", username="bob", language_code="en")
    await person(app, anna)
    await person(app, bob)
    await admin.send("/assign 1 @anna @BOB @nobody")
    reply = await admin.expect("2 invitation(s)")
    assert "Anna" in reply.text and "Bob <b>" in reply.text and "@nobody" in reply.text
    rows = await outbox(app, "invited:")
    assert sorted(r.kind for r in rows) == ["document", "document", "text", "text"]
    await app.outbox.drain()
    card = await anna.expect("Une mission pour vous")
    assert "Place de la Liberté" in card.text and card.buttons == [["✅ J'accepte", "✖ Je décline"]]
    calendar = next(m for m in anna.transcript if m.document is not None)
    assert calendar.document.file_name == "mission-1.ics"
    assert calendar.document.mime_type == "text/calendar"
    ics = calendar.document.data.decode()
    assert "BEGIN:VEVENT" in ics and "DTSTART:20260314T090000Z" in ics
    assert "LOCATION:Place de la Liberté" in ics
    await bob.expect("A mission for you")  # in Bob's language
    # Assigning again says so and sends nothing new.
    await admin.send("/assign 1 @anna")
    await admin.expect("Déjà sur la mission : Anna")
    assert len(await outbox(app, "invited:")) == 4


async def test_accept_decline_and_waitlist_promotion(sandbox: Sandbox, app: Terrain) -> None:
    admin = await organizer(sandbox, app, capacity=1)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    bob = sandbox.user("Bob", username="bob", language_code="fr")
    await person(app, anna)
    await person(app, bob)
    await admin.send("/assign 1 @anna @bob")
    await admin.expect("2 invitation(s)")
    await app.outbox.drain()
    card = await anna.expect("Une mission pour vous")
    await anna.press("J'accepte")
    await anna.expect("vous êtes inscrit·e à la mission #1")
    await bob.press("J'accepte")
    await bob.expect("liste d'attente")
    assert statuses(await assignments(app, 1)) == {"accepted": 1, "waitlisted": 1}
    # Anna declines after all: her place goes to Bob, who is told.
    # (a replay of her card's Decline: the buttons were removed once she answered)
    await anna.press(callback_data=answer_data(1, yes=False), message_id=card.message_id)
    assert anna.callback_answers[-1].text == FR["assign.outcome.declined"].format(id=1)
    await app.outbox.drain()
    await bob.expect("Une place s'est libérée")
    rows = await assignments(app, 1)
    assert {r.person_id: r.status for r in rows}[rows[1].person_id] == "accepted"
    assert statuses(rows) == {"declined": 1, "accepted": 1}


async def test_forged_buttons_are_refused(sandbox: Sandbox, app: Terrain) -> None:
    admin = await organizer(sandbox, app)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    mallory = sandbox.user("Mallory", username="mallory", language_code="fr")
    await person(app, anna)
    await person(app, mallory, team="Quimper")
    await admin.send("/assign 1 @anna")
    await admin.expect("1 invitation(s)")
    await app.outbox.drain()
    await anna.expect("Une mission")
    # Mallory replays Anna's button (her assignment id) on a message of her own chat.
    await mallory.send("/help")
    await mallory.expect("/missions")
    await mallory.press(callback_data=answer_data(1))
    assert mallory.callback_answers[-1].text == FR["assign.outcome.not_yours"]
    assert statuses(await assignments(app, 1)) == {"invited": 1}
    # A join button for another team's private mission is refused too.
    lead = sandbox.user("Lea", username="lea", language_code="fr")
    await person(app, lead, role=Role.TEAM_LEAD, team="Brest")
    await lead.send("/newmission " + ONE_LINE.format(cap=3))
    await lead.expect("créée")
    await mallory.press(callback_data="mj:2:1")
    assert mallory.callback_answers[-1].text == FR["assign.outcome.not_yours"]
    assert await assignments(app, 2) == []
    # A stale version of Anna's own card is refused with a clear message.
    await anna.press(callback_data=answer_data(1, version=7))
    assert anna.callback_answers[-1].text == FR["assign.outcome.outdated"]


async def test_assign_team_and_reply_forms(sandbox: Sandbox, app: Terrain) -> None:
    admin = await organizer(sandbox, app)
    members = [sandbox.user(f"Q{i}", username=f"q{i}", language_code="fr") for i in range(3)]
    for member in members:
        await person(app, member, team="Quimper")
    outsider = sandbox.user("Otto", username="otto", language_code="fr")
    await person(app, outsider)
    await admin.send("/assign 1 team Atlantis")
    await admin.expect("Aucune équipe nommée Atlantis")
    await admin.send("/assign 1 team quimper")
    await admin.expect("3 invitation(s)")
    # In a group, a reply to a volunteer's message assigns them (no names in the group).
    group = sandbox.group("Brest terrain", kind="supergroup")
    group.add(admin, outsider)
    said = await outsider.send("Je suis dispo samedi", chat=group)
    await admin.reply_to(said.message_id, "/assign 1", chat=group)
    reply = await admin.expect("1 invitation(s)", chat=group)
    assert "Otto" not in reply.text
    rows = await assignments(app, 1)
    assert statuses(rows) == {"invited": 4}


async def test_assign_auto_proposes_who_fits(sandbox: Sandbox, app: Terrain) -> None:
    admin = await organizer(sandbox, app)  # a Saturday morning in zone 29019_0076
    fits = sandbox.user("Fanny", username="fanny", language_code="fr")
    also = sandbox.user("Alex", username="alex", language_code="fr")
    busy = sandbox.user("Basile", username="basile", language_code="fr")  # Sundays only
    far = sandbox.user("Lucie", username="lucie", language_code="fr")  # Lyon
    await person(app, fits, postal_code="29200")
    await person(app, also, postal_code="29000")
    await person(app, busy, availability=("sundays",))
    await person(app, far, postal_code="69001")
    # Alex was assigned recently (another mission): Fanny comes first.
    await admin.send("/newmission " + ONE_LINE.format(cap=2))
    await admin.expect("#2")
    await admin.send("/assign 2 @alex")
    await admin.expect("1 invitation(s)")
    await admin.send("/assign 1 auto 5")
    proposal = await admin.expect("Proposition pour la mission #1")
    assert proposal.text.index("Fanny") < proposal.text.index("Alex")
    assert "Basile" not in proposal.text and "Lucie" not in proposal.text
    await admin.press("Inviter")
    await admin.expect("2 invitation(s)")
    await admin.send("/assign 1 auto 5")
    await admin.expect("Personne de disponible")


async def test_team_lead_limited_to_own_team(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    lead = sandbox.user("Lea", username="lea", language_code="fr")
    await person(app, lead, role=Role.TEAM_LEAD, team="Quimper")
    mate = sandbox.user("Mae", username="mae", language_code="fr")
    await person(app, mate, team="Quimper")
    other = sandbox.user("Oscar", username="oscar", language_code="fr")
    await person(app, other, team="Brest")
    await lead.send("/newmission " + ONE_LINE.format(cap=3))
    await lead.expect("créée")
    await lead.send("/assign 1 @mae @oscar")
    reply = await lead.expect("1 invitation(s)")
    assert "Hors de votre équipe : Oscar" in reply.text
    await lead.send("/assign 1 team Brest")
    await lead.expect(FR["assign.other_team"])
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=3))
    await admin.expect("créée")
    await lead.send("/assign 2 @mae")
    await lead.expect("Pas de mission #2")
    assert await assignments(app, 2) == []
