"""Every validation message, in French and in English; back, skip and cancel at every kind
of step; the phone / e-mail refusal; a number beyond the plausible asks instead of refusing."""

from __future__ import annotations

import pytest

from bot.app import Terrain
from sandbox import Sandbox
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission, reports, skip_tail

WORDS = {
    "fr": {
        "skip": "Passer",
        "back": "Retour",
        "cancel": "Annuler",
        "send": "Envoyer",
        "yes": "Oui, c'est juste",
        "no": "Non, je corrige",
        "done": "Terminé",
    },
    "en": {
        "skip": "Skip",
        "back": "Back",
        "cancel": "Cancel",
        "send": "Send",
        "yes": "Yes, that's right",
        "no": "No, let me fix it",
        "done": "Done",
    },
}


def says(app: Terrain, locale: str, key: str, **fields: object) -> str:
    """The visible text of a catalog message (tags removed)."""
    text = app.catalogs.translator(locale)(key, **fields)
    return text.replace("<b>", "").replace("</b>", "")


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_every_validation_message(sandbox: Sandbox, app: Terrain, locale: str) -> None:
    user = sandbox.user("Anna", username="anna", language_code=locale)
    await mission(app, "door_knocking", (await person(app, user),), hours=2)
    w = WORDS[locale]

    async def refused(answer: str, key: str) -> None:
        await user.send(answer)
        await user.expect(says(app, locale, f"report.invalid.{key}"))

    await user.send("/debrief")
    await refused("douze", "not_number")
    await refused("-3", "negative")
    await user.send("300")  # 2 hours, alone: 120 doors is already a lot
    await user.expect(says(app, locale, "report.high", value=300, hours=2.0, people=1))
    await user.press(w["no"])
    await user.send("300")
    await user.press(w["yes"])  # confirmed: kept, never blocked
    await refused("301", "opened_more")
    await user.send("30")
    await refused("31", "conversations_more")
    await user.send("10")
    for answer in ("5", "3", "2"):
        await user.send(answer)
    await refused("1", "outcomes_more")
    await user.send("0")
    await refused("11", "follow_ups_more")
    await user.send("2")
    await user.expect(says(app, locale, "report.q.topics"))
    await refused("transport", "expect_topics")
    await user.press(w["done"])
    await refused("Rappeler Mme X au 06 12 34 56 78", "personal")
    await refused("écrire à jean.dupont@example.org", "personal")
    await refused("x" * 600, "too_long")
    await user.send("Des questions sur le tram")
    await refused("une photo ?", "expect_photo")
    await user.press(w["skip"])
    await refused("ici", "expect_location")
    await user.press(w["skip"])
    await user.press(w["send"])
    [report] = await reports(app)
    assert (report.doors_knocked, report.doors_opened, report.conversations) == (300, 30, 10)
    assert report.note == "Des questions sur le tram"
    # 300 doors for one person in 2 hours, a 10% contact rate: flagged for the organizer only.
    assert report.flags == ["doors_implausible"]


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_answered_more_than_calls_and_scale(
    sandbox: Sandbox, app: Terrain, locale: str
) -> None:
    bob = sandbox.user("Bob", username="bob", language_code=locale)
    who = await person(app, bob)
    await mission(app, "phone_bank", (who,))
    await mission(app, "leafleting", (who,))
    await bob.send("/debrief")
    await bob.press("#1")
    await bob.send("20")
    await bob.send("21")
    await bob.expect(says(app, locale, "report.invalid.answered_more"))
    await bob.send("/debrief")
    await bob.press("#2")
    await bob.send("100")
    await bob.expect(says(app, locale, "report.q.place"))
    await bob.send("rue de Siam")
    await bob.send("6")
    await bob.expect(says(app, locale, "report.invalid.scale"))
    await bob.expect(says(app, locale, "report.q.reception"))
    await bob.press("5")
    await bob.expect(says(app, locale, "report.q.topics"))
    await bob.send("ok")
    await bob.expect(says(app, locale, "report.invalid.expect_topics"))


async def test_back_skip_and_cancel(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "posters", (await person(app, anna),))
    await anna.send("/debrief")
    await anna.send("40")
    await anna.expect("emplacements")
    await anna.press("Retour")  # back to the posters, the answer kept
    back = await anna.expect("affiches posées")
    assert "Actuellement : 40" in back.text
    await anna.press("✓ 40")
    await anna.send("20")
    await anna.expect("sujets")
    await anna.press("Passer")  # topics
    await anna.expect("remarque")
    await anna.press("Retour")
    await anna.expect("sujets")
    await skip_tail(anna)
    summary = await anna.expect("Tout est juste")
    assert "Affiches : 40" in summary.text and "Emplacements : 20" in summary.text
    await anna.press("Retour")  # from the summary: the last question
    await anna.expect("position")
    await anna.press("Passer")
    await anna.expect("Tout est juste")
    await anna.press("Annuler")
    await anna.expect("rien n'a été enregistré")
    assert await reports(app) == []
    # Cancelled in the middle of a question too, and /cancel works as everywhere.
    await anna.send("/debrief")
    await anna.expect("affiches posées")
    await anna.press("Annuler")
    await anna.expect("rien n'a été enregistré")
    await anna.send("/debrief")
    await anna.send("12")
    await anna.send("/cancel")
    await anna.expect("Arrêté")
    await anna.send("5")
    await anna.expect("pas compris")
    assert await reports(app) == []
