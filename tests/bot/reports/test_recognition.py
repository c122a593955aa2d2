"""Badges and the ladder end to end: a congratulation through the outbox when one is reached,
once; several at once in one message; /badges in French and English; promotions and recruits;
/mydata and /forget. Then the rules themselves, without a database."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import Terrain
from handlers.recognition import Congratulations, recognize
from models import volunteers
from models.clock import ManualClock
from models.people import Role, Status
from models.recognition import Recognition
from reports.recognition import BADGES, Figures, standing_of
from sandbox import Sandbox, User
from tests.bot.helpers import sign_up
from tests.bot.missions.kit import outbox, person
from tests.bot.reports.kit import mission, skip_tail
from tests.bot.reports.test_mystats import file_report
from tests.conftest import ADMIN_ID


async def codes_of(app: Terrain, person_id: int) -> list[str]:
    async with app.db() as session:
        rows = await session.scalars(
            select(Recognition.code)
            .where(Recognition.person_id == person_id)
            .order_by(Recognition.id)
        )
        return list(rows)


async def report_posters(user: User, mission_id: int) -> None:
    """A posters report through the conversation (started by the nudge's button)."""
    await user.send("/mystats")  # any bot message to press the nudge's button on
    await user.expect("chiffres")
    await user.press(callback_data=f"rs:{mission_id}")
    await user.expect("affiches")
    await user.send("30")
    await user.send("12")
    await skip_tail(user)
    await user.press("Envoyer")
    await user.expect("enregistré")


def congratulate(app: Terrain) -> Congratulations:
    return Congratulations(app.catalogs, app.campaign)


def congratulations(user: User) -> list[str]:
    return [text for text in user.texts() if "Bravo" in text or "Congratulations" in text]


async def test_a_first_mission_is_congratulated_once_through_the_outbox(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    who = await person(app, anna)
    first = await mission(app, "posters", (who,))
    await report_posters(anna, first.id)
    # The congratulation goes out through the outbox, after the report's own reply.
    await anna.wait_for(lambda: congratulations(anna))
    [queued] = await outbox(app, "recognition:")
    assert queued.idempotency_key == f"recognition:{who.id}:rung.volunteer"
    [text] = congratulations(anna)
    # One message for all that the first report brought: the rung, and two badges.
    assert "Vous êtes maintenant Bénévole" in text
    assert "Première mission" in text and "Ponctuel" in text and "/badges" in text
    assert await codes_of(app, who.id) == ["rung.volunteer", "badge.first_mission", "badge.on_time"]

    clock.advance(timedelta(days=1))
    second = await mission(app, "posters", (who,))
    await report_posters(anna, second.id)
    # Her updates are handled one at a time: once this is answered, the report's are done.
    await anna.send("/badges")
    await anna.expect("Vos badges")
    await app.outbox.drain()
    assert len(await outbox(app, "recognition:")) == 1
    assert len(congratulations(anna)) == 1  # nothing new: no second message


async def test_a_veteran_reaching_many_at_once_gets_one_message(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    bob = sandbox.user("Bob", username="bob", language_code="en")
    who = await person(app, bob)
    for week in range(5):
        done = await mission(app, "door_knocking", (who,), ended_ago=timedelta(days=7 * week))
        await file_report(app, done.id, who, doors_knocked=250)
    # What a first deploy finds: all of it already true, nothing congratulated yet.
    assert await recognize(app.db, congratulate(app), [who.id, who.id], clock.now()) == 1
    assert await recognize(app.db, congratulate(app), [who.id], clock.now()) == 0
    await app.outbox.drain()
    await bob.wait_for(lambda: congratulations(bob))
    [text] = congratulations(bob)
    assert text.count("New badge") == 5  # first mission, 5 missions, 100 and 1,000 doors, on time
    assert "You are now Volunteer" in text and "You are now Regular" in text
    assert "1,000 doors knocked" in text


async def test_paused_people_are_congratulated_when_back(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    cleo = sandbox.user("Cléo", language_code="fr")
    who = await person(app, cleo)
    done = await mission(app, "posters", (who,))
    await file_report(app, done.id, who, posters=10)
    await volunteers.set_status(app.db, who.id, Status.PAUSED, clock.now())
    assert await recognize(app.db, congratulate(app), [who.id], clock.now()) == 0
    assert await codes_of(app, who.id) == []
    await volunteers.set_status(app.db, who.id, Status.ACTIVE, clock.now())
    assert await recognize(app.db, congratulate(app), [who.id], clock.now()) == 1


async def test_badges_page_in_french_and_english(sandbox: Sandbox, app: Terrain) -> None:
    zoe = sandbox.user("Zoé", language_code="fr")
    await person(app, zoe)
    await zoe.send("/badges")
    page = await zoe.expect("Vos badges")
    assert "Vous êtes : <b>Sympathisant</b>." in page.html
    assert "Prochain échelon, <b>Bénévole</b> : faites une première mission" in page.html
    assert "Habitué : 5 missions faites, ou des missions sur 3 semaines différentes" in page.text
    assert "Responsable d'équipe : anime une équipe locale" in page.text
    assert "(0 sur 9)" in page.text and "Pas encore" in page.text
    assert "Première mission : 0/1" in page.text and "Rue après rue" not in page.text

    ben = sandbox.user("Ben", language_code="en")
    who = await person(app, ben)
    for hours in (1, 4):  # both on Monday morning: one week
        done = await mission(app, "door_knocking", (who,), ended_ago=timedelta(hours=hours))
        await file_report(app, done.id, who, doors_knocked=75)
    await ben.send("/badges")
    page = await ben.expect("Your badges")
    assert "You are: <b>Volunteer</b>." in page.html
    assert "Next rung, <b>Regular</b>: 2/5 missions done, or missions in 1/3 different" in page.html
    assert "Knock knock</b>: 100 doors knocked" in page.html and "(3 of 9)" in page.text
    assert "Faithful: 2/5" in page.text and "Street by street: 150/1,000" in page.text
    await ben.send("/mystats")
    assert "/badges" in (await ben.expect("Your figures")).text


async def test_promotion_and_recruits_are_congratulated(sandbox: Sandbox, app: Terrain) -> None:
    admin = sandbox.user("Admin", id=ADMIN_ID, language_code="en")
    admin.started = True
    lena = sandbox.user("Léna", username="lena", language_code="fr")
    await person(app, lena, team="Brest centre")
    await admin.send("/promote @lena lead")
    await admin.expect("Léna")
    await app.outbox.drain()
    await lena.wait_for(lambda: congratulations(lena))
    assert "Vous êtes maintenant Responsable d'équipe" in congratulations(lena)[0]

    await lena.send("/invite")
    link = re.search(r"start=(r_[A-Za-z0-9_-]+)", (await lena.expect("lien")).text)
    assert link is not None
    await sign_up(sandbox.user("Max", language_code="fr"), start=f"/start {link.group(1)}")
    await app.outbox.drain()
    await lena.wait_for(lambda: len(congratulations(lena)) == 2)
    assert "Recruteur" in congratulations(lena)[1]
    await lena.send("/badges")
    page = await lena.expect("Vos badges")
    assert "Vous êtes : <b>Responsable d'équipe</b>." in page.html and "plus haut" in page.text


async def test_mydata_lists_recognitions_and_forget_erases_them(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    who = await person(app, anna)
    done = await mission(app, "posters", (who,))
    await file_report(app, done.id, who, posters=10)
    await recognize(app.db, congratulate(app), [who.id], clock.now())
    await anna.send("/mydata")
    sent = await anna.wait_for(lambda: next((m for m in anna.replies() if m.document), None))
    data = json.loads(sent.document.data)
    assert [r["code"] for r in data["recognitions"]] == [
        "rung.volunteer",
        "badge.first_mission",
        "badge.on_time",
    ]
    assert data["person"]["on_leaderboard"] is False
    await anna.send("/forget")
    await anna.press("Oui, tout effacer")
    await anna.expect("effacées")
    assert await codes_of(app, who.id) == []


def test_the_ladder_and_the_next_badges() -> None:
    nobody = standing_of(Figures())
    assert (nobody.rung, nobody.next_rung, nobody.codes) == ("supporter", "volunteer", [])
    assert [(b.code, v) for b, v in nobody.next_badges][:2] == [
        ("first_mission", 0),
        ("doors_100", 0),
    ]
    # Missions in three different weeks make a regular before five missions do.
    weekly = standing_of(Figures(missions=3, weeks=3))
    assert (weekly.rung, weekly.next_rung) == ("regular", "team_lead")
    assert weekly.codes == ["rung.volunteer", "rung.regular", "badge.first_mission"]
    # A team lead is on the top rung before any mission.
    lead = standing_of(Figures(leads=True))
    assert (lead.rung, lead.next_rung, lead.codes) == ("team_lead", None, ["rung.team_lead"])
    everything = standing_of(Figures(10**4, 50, 10**4, 10**4, 10, 5, True))
    assert len(everything.badges) == len(BADGES) and everything.next_badges == []


def test_each_badge_and_rung_has_words_in_both_languages() -> None:
    from bot.i18n import load_catalog
    from reports.recognition import RUNGS

    for locale in ("fr", "en"):
        catalog = load_catalog(locale)
        keys = [f"badge.{b.code}.{part}" for b in BADGES for part in ("name", "what")]
        keys += [f"ladder.{r}.{part}" for r in RUNGS for part in ("name", "what")]
        keys += [f"ladder.{r}.how" for r in RUNGS[1:]]
        assert [key for key in keys if key not in catalog] == []
    assert len({b.code for b in BADGES}) == len(BADGES)
    assert Role.TEAM_LEAD.rank < Role.ORGANIZER.rank  # organizers are on the lead's rung too
