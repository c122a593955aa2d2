"""/report end to end through the sandbox: an organizer and a team lead ask for periods and
scopes over figures written straight to the database; volunteers are refused; what is not a
period or a scope gets a short answer with the forms."""

from __future__ import annotations

from typing import Any

from bot.app import Terrain
from models.clock import ManualClock
from models.people import Role
from sandbox import Sandbox
from tests.bot.reports.test_dashboard import World, Writer, at, write_world


async def setup(app: Terrain, sandbox: Sandbox, clock: ManualClock) -> tuple[World, Any]:
    """The dashboard tests' world, on Sunday 8 March 2026 at 21:00 in Paris; returns it and
    the users: an organizer (English), Léa the Nord lead and Anna a volunteer (French)."""
    users = {
        "camille": sandbox.user("Camille", language_code="en"),
        "lea": sandbox.user("Léa", language_code="fr"),
        "anna": sandbox.user("Anna", language_code="fr"),
    }
    for user in users.values():
        user.started = True
    world = await write_world(app.db, {k: u.id for k, u in users.items() if k != "camille"})
    await Writer(app.db).person(
        "Camille", telegram_id=users["camille"].id, locale="en", role=Role.ORGANIZER.value
    )
    clock.advance(at(8, 20) - clock.now())
    return world, users


async def photos(sandbox: Sandbox, user: Any, count: int) -> list[bytes]:
    """The charts sent to `user`, once `count` have arrived and the bot has gone quiet."""

    def sent() -> list[bytes]:
        return [m.photo for m in user.transcript if m.from_bot and m.photo is not None]

    await sandbox.wait_until(lambda: len(sent()) >= count, 20, lambda: f"{count} charts")
    await sandbox.settle(quiet=0.5)
    return sent()


async def test_an_organizer_sees_the_campaign_a_zone_a_mission_and_past_dates(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    world, users = await setup(app, sandbox, clock)
    camille = users["camille"]
    await camille.send("/report")
    text = (await camille.expect("Dashboard: this week")).text
    assert "Doors knocked: 170 (+90)" in text
    assert "Contact rate: 32%" in text
    assert "supportive: 15 (39%)" in text
    assert "Missions done: 3 of 4 planned (+2)" in text
    assert "Active volunteers: 4 (+3)" in text and "No-shows: 1" in text
    assert "Doors: 170 of 1,000 (17%)" in text and "Leaflets: 300 of 500 (60%)" in text
    assert "Brest bureau 77 (29019_0077): 70 doors, 300 leaflets" in text
    assert "Transport: 2" in text
    # The charts follow the text.
    charts = await photos(sandbox, camille, 1)
    assert charts and all(chart[:4] == b"\x89PNG" for chart in charts)

    await camille.send("/report zone 29019 only")
    text = (await camille.expect("zone Brest only")).text
    assert "Missions done: 0 of 1 planned" in text and "No field report" in text

    await camille.send("/report week zone bureau 76")
    text = (await camille.expect("zone Brest bureau 76 and its subzones")).text
    assert "Doors knocked: 100 (+20)" in text

    await camille.send(f"/report campaign mission {world.missions['m2']}")
    text = (await camille.expect(f"the whole campaign, mission #{world.missions['m2']}")).text
    assert "Doors knocked: 70" in text and "(+" not in text  # nothing before the campaign

    await camille.send("/report 23/02 - 01/03 team nord")
    text = (await camille.expect("Feb 23, 2026 to Mar 1, 2026, team Nord")).text
    assert "Doors knocked: 80" in text

    await camille.send("/report today")
    text = (await camille.expect("Dashboard: today")).text
    assert "Missions done: 0 of 1 planned (=)" in text


async def test_a_team_lead_sees_their_team_only(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    world, users = await setup(app, sandbox, clock)
    lea = users["lea"]
    await lea.send("/report")
    text = (await lea.expect("Tableau de bord : cette semaine, équipe Nord")).text
    assert "Portes frappées : 120 (+40)" in text
    assert "Missions faites : 2 sur 2 prévues (+1)" in text
    assert "Bénévoles actifs : 2 (+1)" in text
    assert "Taux de contact : 38\u00a0%" in text

    await lea.send("/report semaine zone 29019_0077")
    text = (await lea.expect("zone Brest bureau 77")).text
    assert "Portes frappées : 20" in text  # Anna's own report there, not Bob's

    for other in ("/report equipe Sud", f"/report mission {world.missions['m4']}"):
        await lea.send(other)
        await lea.expect("Vous ne voyez que les chiffres de votre équipe.")
    await lea.send(f"/report mission {world.missions['m2']}")  # campaign-wide: her team's part
    text = (await lea.expect("mission n°")).text
    assert "Portes frappées : 20" in text


async def test_volunteers_are_refused_and_bad_arguments_answered(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    world, users = await setup(app, sandbox, clock)
    await users["anna"].send("/report")
    await users["anna"].expect("réservé aux responsables d'équipe")
    lea = users["lea"]
    answers = {
        "/report demain": "Je n'ai pas compris « demain ».",
        "/report 31/02": "« 31/02 » n'est pas une date valide",
        "/report 15/02-01/02": "La période commence après sa fin",
        "/report 01/01/2025-01/03/2026": "ne peut pas dépasser 366 jours",
        "/report mission 99999": "La mission n° 99999 n'existe pas.",
        "/report mission 99999999999999999999": "n'existe pas",
        "/report mission ²": "Je n'ai pas compris « mission ² »",
        "/report zone Atlantide": "Aucune zone ne correspond à « Atlantide ».",
        "/report equipe <b>Nord</b>": "Aucune équipe ne s'appelle « <b>Nord</b> ».",
        "/report " + "x" * 5000: "Je n'ai pas compris",
    }
    for command, expected in answers.items():
        await lea.send(command)
        reply = await lea.expect(expected)
        if "compris" in expected or "date" in expected or "période" in expected:
            assert "Utilisation : /report" in reply.text
        assert len(reply.text) < 1000
    camille = users["camille"]
    await camille.send("/report next month")
    reply = await camille.expect("I did not understand “next month”.")
    assert "Usage: /report" in reply.text


async def test_names_are_escaped_and_the_command_is_in_the_lead_menu(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    world, users = await setup(app, sandbox, clock)
    w = Writer(app.db)
    odd = await w.zone("29019_0099", "Rive <droite> & co", target_doors=10)
    bob = await w.person("Bobby")
    mission = await w.mission(odd, at(6))
    await w.report(mission, bob, topics=("parking_<lot>",), doors_knocked=500)
    camille = users["camille"]
    await camille.send("/report week zone 29019_0099")
    text = (await camille.expect("zone Rive <droite> & co")).text
    assert "Rive <droite> & co (29019_0099): 500 doors" in text
    assert "parking <lot>: 1" in text
    assert len(await photos(sandbox, camille, 2)) == 2  # activity, and the zone's target
    from handlers.menus import ORGANIZER, TEAM_LEAD, VOLUNTEER

    assert "report" in TEAM_LEAD and "report" in ORGANIZER and "report" not in VOLUNTEER
