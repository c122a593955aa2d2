"""Every kind of mission, one flow each, through the sandbox: keypads, typed numbers, the
tail (topics, note, photo, location), the summary, and what the database then holds."""

from __future__ import annotations

import pytest

from bot.app import Terrain
from sandbox import Sandbox
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission, reports, skip_tail


async def test_door_knocking_by_keypad_and_typing(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    who = await person(app, anna)
    await mission(app, "door_knocking", (who,))
    await anna.send("/debrief")
    first = await anna.expect("À combien de portes")
    assert "1/12" in first.text
    await anna.press("50")  # a common number: one tap
    await anna.expect("Combien de portes se sont ouvertes")
    await anna.press("+10")
    await anna.press("+1")
    await anna.press("+1")
    edited = await anna.expect("Actuellement : 12")
    assert edited.message_id == first.message_id  # one message, edited in place
    await anna.press("✓ 12")
    await anna.expect("vraies conversations")
    await anna.send("9")  # typed
    await anna.expect("favorables")
    # The question answered by typing keeps its text but loses its keypad.
    above = next(m for m in anna.transcript if m.message_id == first.message_id)
    assert "vraies conversations" in above.text and not above.buttons
    for answer in ("4", "2", "1", "2"):
        await anna.send(answer)
    await anna.expect("recontactés")
    await anna.send("1")
    await anna.expect("sujets")
    await anna.press("Logement")
    await anna.press("Vie chère")
    await anna.press("Terminé")
    await anna.expect("remarque")
    await anna.send("Beaucoup de questions sur le tram")
    await anna.expect("photo")
    await anna.press("Passer")
    await anna.expect("position")
    await anna.send_location(48.39, -4.48)
    summary = await anna.expect("Tout est juste")
    for line in ("Portes frappées : 50", "Portes ouvertes : 12", "Favorables : 4", "Logement"):
        assert line in summary.text
    await anna.press("Envoyer")
    await anna.expect("Compte rendu enregistré")
    [report] = await reports(app)
    assert (report.doors_knocked, report.doors_opened, report.conversations) == (50, 12, 9)
    assert (report.supportive, report.undecided, report.opposed) == (4, 2, 1)
    assert (report.not_interested, report.follow_ups) == (2, 1)
    assert report.topics == ["housing", "cost_of_living"]
    assert report.note == "Beaucoup de questions sur le tram"
    assert report.location_shared is True and report.photo_file_id is None
    assert report.people == 1 and report.version == 1 and report.flags == []


async def test_nobody_home_ends_the_flow(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "door_knocking", (await person(app, anna),))
    await anna.send("/debrief")
    await anna.send("12")
    await anna.press("Personne nulle part")
    summary = await anna.expect("Tout est juste")
    assert "Personne nulle part" in summary.text and "Sujets" not in summary.text
    await anna.press("Envoyer")
    await anna.expect("enregistré")
    [report] = await reports(app)
    assert report.nobody_home and report.doors_knocked == 12 and report.doors_opened == 0
    assert report.conversations == 0 and report.supportive == 0


async def test_leafleting_in_english_with_a_photo(sandbox: Sandbox, app: Terrain) -> None:
    bob = sandbox.user("Bob", username="bob", language_code="en")
    await mission(app, "leafleting", (await person(app, bob),))
    await bob.send("/debrief")
    await bob.expect("How many leaflets")
    await bob.press("300")
    await bob.expect("Mostly where")
    await bob.press("Market")
    await bob.expect("from 1 (cold) to 5 (warm)")
    await bob.press("4")
    await bob.expect("Which topics")
    await bob.press("Skip")
    await bob.press("Skip")
    await bob.expect("A photo")
    stored = sandbox.new_file("stall.jpg", "image/jpeg", b"\xff\xd8jpeg", (640, 480))
    bob._message(bob._chat(None), photo=stored)
    await bob.expect("Share your location")
    await bob.press("Skip")
    summary = await bob.expect("Is everything right")
    assert "Photo: attached" in summary.text and "Place: Market" in summary.text
    await bob.press("Send")
    await bob.expect("Report recorded")
    [report] = await reports(app)
    assert (report.leaflets, report.place, report.reception) == (300, "market", 4)
    assert report.photo_file_id == stored.file_id and report.topics == []


FLOWS = {
    # kind: (typed answers, columns expected)
    "posters": (["40", "25"], {"posters": 40, "spots": 25}),
    "market_stall": (["30", "4"], {"conversations": 30, "signups": 4}),
    "event": (["60", "7"], {"conversations": 60, "signups": 7}),
    "phone_bank": (
        ["80", "30", "20", "8", "6", "3", "3"],
        {"calls": 80, "answered": 30, "conversations": 20, "supportive": 8, "opposed": 3},
    ),
}


@pytest.mark.parametrize("kind", sorted(FLOWS))
async def test_every_other_kind(sandbox: Sandbox, app: Terrain, kind: str) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, kind, (await person(app, anna),))
    await anna.send("/debrief")
    answers, expected = FLOWS[kind]
    for answer in answers:
        await anna.expect("📝")
        await anna.send(answer)
    await anna.expect("sujets")
    await skip_tail(anna)
    await anna.press("Envoyer")
    await anna.expect("enregistré")
    [report] = await reports(app)
    assert report.kind == kind
    assert {key: getattr(report, key) for key in expected} == expected


async def test_typed_place_is_kept_and_checked(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "leafleting", (await person(app, anna),))
    await anna.send("/debrief")
    await anna.send("120")
    await anna.expect("Où surtout")
    await anna.send("devant chez Paul, 06 12 34 56 78")
    await anna.expect("numéro de téléphone")
    await anna.send("Sortie du lycée Kerichen")
    await anna.expect("de 1 (froid)")
    await anna.send("7")
    await anna.expect("de 1 à 5")
    await anna.send("3")
    await skip_tail(anna)
    await anna.press("Envoyer")
    await anna.expect("enregistré")
    [report] = await reports(app)
    assert report.place == "Sortie du lycée Kerichen" and report.reception == 3
