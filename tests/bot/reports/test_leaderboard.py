"""Leaderboards: only people who opted in (a consent event of its own) and are active appear;
everyone sees their own place privately; one tap to appear or leave; forged buttons refused;
ranking, ties, periods and team scope on a real database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

import reports.leaderboard as lb
from bot.app import Terrain
from models import rights, volunteers
from models.clock import ManualClock
from models.consent import NoticeProof
from models.people import ConsentEvent, Person, Purpose, Status
from reports.leaderboard import _top, _top_since, leaderboard, place_of
from reports.mystats import week_start
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission
from tests.bot.reports.test_mystats import file_report

JOIN = "🏆 Apparaître dans le classement"
LEAVE = "Quitter le classement"


async def leaderboard_events(app: Terrain, person_id: int) -> list[bool]:
    async with app.db() as session:
        rows = await session.scalars(
            select(ConsentEvent.granted)
            .where(ConsentEvent.person_id == person_id, ConsentEvent.purpose == "leaderboard")
            .order_by(ConsentEvent.id)
        )
        return list(rows)


async def worked(app: Terrain, who: Person, missions: int, doors: int, **when: timedelta) -> None:
    for _ in range(missions):
        done = await mission(app, "door_knocking", (who,), **when)
        await file_report(app, done.id, who, doors_knocked=doors)


async def opt_in(app: Terrain, who: Person) -> None:
    await volunteers.set_consent(
        app.db, who.id, Purpose.LEADERBOARD, True, NoticeProof.of("notice"), app.clock.now()
    )


async def test_only_people_who_opted_in_and_are_active_are_listed(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna_user = sandbox.user("Anna", language_code="fr")
    anna = await person(app, anna_user)
    await worked(app, anna, 1, 50)
    await anna_user.send("/leaderboard")
    board = await anna_user.expect("Classement")
    assert board.text.count("Personne pour l'instant.") == 2
    assert "vous seul voyez ceci" in board.text
    assert "Cette semaine : n° 1 · 1 missions · 50 portes · 0 tracts" in board.text
    assert "Le classement est facultatif" in board.text and board.all_buttons == [JOIN]

    await anna_user.press(JOIN)
    board = await anna_user.expect("1. Anna : 1 missions · 50 portes")
    assert board.all_buttons == [LEAVE] and "vous seul" not in board.text
    assert anna_user.callback_answers[-1].text == "Vous apparaissez maintenant dans le classement."
    assert await leaderboard_events(app, anna.id) == [True]
    assert (await person_of(app, anna_user.id)).on_leaderboard is True

    # Bob did more but never agreed: absent, and he alone sees where he would be.
    bob_user = sandbox.user("Bob", language_code="fr")
    await worked(app, await person(app, bob_user), 2, 300)
    # Carol agreed in /consent, did more, then left with /forget.
    carol_user = sandbox.user("Carol", language_code="fr")
    carol = await person(app, carol_user)
    await worked(app, carol, 3, 10)
    await carol_user.send("/consent")
    await carol_user.press("Accepter : apparaître dans les classements")
    await carol_user.expect("apparaître dans les classements : oui")
    assert await leaderboard_events(app, carol.id) == [True]
    await rights.forget(app.db, carol.id, clock.now())
    # Dan agreed, did more, and paused every message.
    dan = await person(app, sandbox.user("Dan"))
    await worked(app, dan, 4, 10)
    await opt_in(app, dan)
    await volunteers.set_status(app.db, dan.id, Status.PAUSED, clock.now())
    # A name with HTML in it is shown as typed.
    eve = await person(app, sandbox.user("Eve <3 & co"))
    await worked(app, eve, 1, 10)
    await opt_in(app, eve)

    await bob_user.send("/leaderboard")
    board = await bob_user.expect("Classement")
    assert "1. Anna : 1 missions · 50 portes" in board.text
    assert "2. Eve &lt;3 &amp; co" in board.html and "2. Eve <3 & co : 1 missions" in board.text
    for absent in ("Bob :", "Carol", "Dan"):
        assert absent not in board.text
    assert "Cette semaine : n° 1 · 2 missions · 600 portes" in board.text
    await anna_user.send("/leaderboard")
    board = await anna_user.expect("Classement")
    assert "Bob" not in board.text and "Cette semaine : n° 1" in board.text

    # The person's data says what they chose.
    await anna_user.send("/mydata")
    sent = await anna_user.wait_for(
        lambda: next((m for m in anna_user.replies() if m.document), None)
    )
    data = json.loads(sent.document.data)
    assert data["person"]["on_leaderboard"] is True
    assert ("leaderboard", True) in [(e["purpose"], e["granted"]) for e in data["consent_events"]]
    carol_row = await person_of(app, carol_user.id)
    assert carol_row is None  # erased: no Telegram id any more
    async with app.db() as session:
        erased = await session.get_one(Person, carol.id)
    assert erased.on_leaderboard is False


async def test_leaving_is_one_tap_and_forged_buttons_are_refused(
    sandbox: Sandbox, app: Terrain
) -> None:
    anna_user = sandbox.user("Anna", language_code="en")
    anna = await person(app, anna_user)
    await opt_in(app, anna)
    await anna_user.send("/leaderboard")
    board = await anna_user.expect("Leaderboard")
    assert board.all_buttons == ["Leave the leaderboard"]
    await anna_user.press("Leave the leaderboard")
    await anna_user.expect("You (only you see this")
    assert await leaderboard_events(app, anna.id) == [True, False]
    assert (await person_of(app, anna_user.id)).on_leaderboard is False
    # The same choice again (an old message's button, a double tap) records nothing more.
    await anna_user.press(callback_data="lb:0")
    assert anna_user.callback_answers[-1].text == "You no longer appear on the leaderboard."
    await anna_user.press(callback_data="lb:maybe")
    assert anna_user.callback_answers[-1].show_alert
    assert await leaderboard_events(app, anna.id) == [True, False]

    stranger = sandbox.user("Zoé", language_code="fr")
    await stranger.send("/leaderboard")
    await stranger.expect("aucune donnée")
    await stranger.press(callback_data="lb:1")
    assert stranger.callback_answers[-1].show_alert
    async with app.db() as session:
        assert await session.scalar(select(Person).where(Person.display_name == "Zoé")) is None

    # Sign-up offers two choices and records those two only.
    newcomer = sandbox.user("Noé", language_code="fr")
    await sign_up(newcomer, news=True)
    joined = await person_of(app, newcomer.id)
    async with app.db() as session:
        purposes = await session.scalars(
            select(ConsentEvent.purpose).where(ConsentEvent.person_id == joined.id)
        )
        assert sorted(purposes) == ["news", "volunteering"]
    assert joined.on_leaderboard is False


async def test_ranking_ties_periods_and_team_scope(
    sandbox: Sandbox, app: Terrain, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ("Ana", "Ben", "Cy", "Di", "Ed")
    people = {
        n: await person(app, sandbox.user(n), team="Nord" if n != "Ed" else "Sud") for n in names
    }
    old = {"ended_ago": timedelta(days=20)}
    await worked(app, people["Ana"], 2, 100)
    await worked(app, people["Ben"], 2, 100)  # tied with Ana
    await worked(app, people["Cy"], 1, 500)
    await worked(app, people["Cy"], 3, 10, **old)  # the most all along, none this week
    await worked(app, people["Ed"], 1, 10)
    for who in people.values():
        if who.display_name != "Di":
            await opt_in(app, who)
    since = week_start(clock.now(), "Europe/Paris")

    week = await leaderboard(app.db, None, since)
    assert [(r.name, r.rank, r.missions, r.doors) for r in week] == [
        ("Ana", 1, 2, 200),
        ("Ben", 1, 2, 200),
        ("Cy", 3, 1, 500),
        ("Ed", 4, 1, 10),
    ]
    total = await leaderboard(app.db, None, None, limit=2)
    assert [(r.name, r.rank, r.missions) for r in total] == [("Cy", 1, 4), ("Ana", 2, 2)]
    nord = await leaderboard(app.db, people["Ana"].team_id, since)
    assert "Ed" not in [r.name for r in nord]
    # Di never opted in: her place is counted against those listed only.
    await worked(app, people["Di"], 1, 600)
    place = await place_of(app.db, people["Di"].id, None, since)
    assert (place.rank, place.missions, place.doors) == (3, 1, 600)
    assert "Di" not in [r.name for r in await leaderboard(app.db, None, since)]
    # A group report counts for each member it names: taking part, as for badges.
    group = await mission(app, "door_knocking", (people["Ed"], people["Di"]))
    await file_report(app, group.id, people["Ed"], (people["Di"],), doors_knocked=40)
    place = await place_of(app.db, people["Di"].id, None, since)
    assert (place.missions, place.doors) == (2, 640)
    # Once Di opts in, the campaign's week (summed from the week's missions) counts her group
    # report too, and agrees with the same board summed person by person.
    await opt_in(app, people["Di"])
    week = await leaderboard(app.db, None, since)
    assert [(r.name, r.rank, r.missions, r.doors) for r in week][:3] == [
        ("Di", 1, 2, 640),
        ("Ana", 2, 2, 200),
        ("Ben", 2, 2, 200),
    ]
    await worked(app, people["Ana"], 1, 5)  # ahead alone, the others tied behind her
    for limit in (1, 2, 3, 10):
        async with app.db() as session:
            by_people = await _top(session, None, since, limit)
        # Only those tied for the last place's missions summed in full, or everyone listed.
        assert await _top_since(app.db, since, limit) == by_people
        monkeypatch.setattr(lb, "MAX_CONTENDERS", 0)
        assert await _top_since(app.db, since, limit) == by_people
        monkeypatch.undo()
