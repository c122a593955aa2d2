"""Who may report what: refusals with a reason, the team lead's group report (the same doors
never counted twice), the organizer's quality flags, and the person's rights over reports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.app import Terrain
from models.missions import MissionStatus
from models.people import Role
from sandbox import Sandbox
from tests.bot.helpers import all_rows
from tests.bot.missions.kit import outbox, person
from tests.bot.reports.kit import file_counts, mission, organizer, reports, skip_tail


async def test_refusals_say_why(sandbox: Sandbox, app: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    bob = sandbox.user("Bob", username="bob", language_code="en")
    who, other = await person(app, anna), await person(app, bob)
    await mission(app, "posters", (who,), status=MissionStatus.CANCELLED.value)
    await mission(app, "posters", (other,))
    await anna.send("/debrief")
    await anna.expect("Aucune mission")
    await anna.press(callback_data="rs:1", message_id=None)
    await anna.expect("a été annulée")
    await anna.press(callback_data="rs:2")
    await anna.expect("Vous n'étiez pas sur la mission #2")
    await mission(app, "posters", (who,), ended_ago=timedelta(hours=-30))
    await anna.press(callback_data="rs:3")
    await anna.expect("n'a pas encore commencé")
    await anna.press(callback_data="rs:99")
    await anna.expect("n'existe pas")
    stranger = sandbox.user("Zoé", language_code="fr")
    await stranger.send("/debrief")
    await stranger.expect("/start")


async def _team(sandbox: Sandbox, app: Terrain, bob_speaks: str) -> tuple[Any, Any]:
    """Lena, a team lead, with Anna and Bob in her team: their chats, then their people."""
    users = (
        sandbox.user("Lena", username="lena", language_code="fr"),
        sandbox.user("Anna", username="anna", language_code="fr"),
        sandbox.user("Bob", username="bob", language_code=bob_speaks),
    )
    roles = (Role.TEAM_LEAD, Role.VOLUNTEER, Role.VOLUNTEER)
    people = [
        await person(app, user, role=role, team="Brest centre")
        for user, role in zip(users, roles, strict=True)
    ]
    return users, people


async def test_group_report_by_a_team_lead(sandbox: Sandbox, app: Terrain) -> None:
    (lead, anna, bob), (chief, a, b) = await _team(sandbox, app, "en")
    await mission(app, "door_knocking", (chief, a, b), hours=3)
    await anna.send("/debrief")  # Anna starts her own report, and leaves it at the summary
    await anna.send("0")
    await anna.press("Personne nulle part")
    await anna.expect("Tout est juste")
    await lead.send("/debrief")
    await lead.expect("Qui était avec vous")
    await lead.press("Annuler")
    await lead.expect("rien n'a été enregistré")
    await lead.send("/debrief")
    await lead.expect("Qui était avec vous")
    await lead.press("Anna")
    await lead.press("C'est tout")
    await lead.expect("À combien de portes")
    for answer in ("200", "40", "30", "10", "10", "5", "5", "3"):
        await lead.send(answer)
    await skip_tail(lead)
    summary = await lead.expect("pour 2 bénévoles")
    assert "Portes frappées : 200" in summary.text
    await lead.press("Envoyer")
    await lead.expect("enregistré")
    [report] = await reports(app)
    assert report.people == 2 and report.author_id == chief.id
    # Anna's doors are in Lena's report: she is not asked again, and can't count them twice.
    await anna.press("Envoyer")
    await anna.expect("déjà compté votre travail")
    await anna.send("/debrief")
    await anna.expect("Aucune mission")
    await anna.press(callback_data=f"rs:{report.mission_id}")
    await anna.expect("déjà compté votre travail")
    await bob.send("/debrief")
    await bob.expect("How many doors")
    await anna.send("/mydata")
    export = await anna.wait_for(lambda: next((m for m in anna.replies() if m.document), None))
    [counted] = json.loads(export.document.data)["field_reports"]
    assert counted["filed_by"] == "my team lead" and counted["answers"]["doors_knocked"] == 200


async def test_a_group_report_offers_only_those_not_yet_counted(
    sandbox: Sandbox, app: Terrain
) -> None:
    (lead, anna, bob), (chief, a, b) = await _team(sandbox, app, "fr")
    await mission(app, "posters", (chief, a, b))
    await anna.send("/debrief")  # Anna files her own report: her posters are counted
    await file_counts(anna, "30", "12")
    await lead.send("/debrief")
    choices = await lead.expect("Qui était avec vous")
    names = [text for text in choices.all_buttons if text.startswith("☐")]
    assert names == ["☐ Bob"]
    # Bob counted in Lena's report is not offered again, nor asked for his own.
    await lead.press("Bob")
    await lead.press("C'est tout")
    await file_counts(lead, "20", "5")
    await bob.send("/debrief")
    await bob.expect("Aucune mission")


async def test_a_teammate_who_reported_meanwhile_is_not_counted_twice(
    sandbox: Sandbox, app: Terrain
) -> None:
    (lead, anna, bob), (chief, a, b) = await _team(sandbox, app, "fr")
    await mission(app, "posters", (chief, a, b))
    await lead.send("/debrief")
    await lead.expect("Qui était avec vous")
    await lead.press("Bob")
    await lead.press("C'est tout")
    # While Lena answers, Bob files his own report: his posters are his, not hers as well.
    await bob.send("/debrief")
    await file_counts(bob, "30", "12")
    await file_counts(lead, "20", "5")
    theirs, hers = await reports(app)
    assert (theirs.author_id, theirs.people) == (b.id, 1)
    assert (hers.author_id, hers.people) == (chief.id, 1)
    assert (await all_rows(app))["field_report_members"] == []


async def test_flags_go_to_the_organizer_without_names(sandbox: Sandbox, app: Terrain) -> None:
    boss, creator = await organizer(app, sandbox)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    await mission(app, "door_knocking", (await person(app, anna),), created_by=creator)
    await anna.send("/debrief")
    await anna.send("100")
    await anna.send("90")  # 90% of doors opened: far outside the usual 10-30%
    for answer in ("10", "2", "2", "2", "2", "1"):
        await anna.send(answer)
    await skip_tail(anna)
    await anna.press("Envoyer")
    await anna.expect("enregistré")  # never blocked
    [flag] = await outbox(app, "report_flag:")
    assert "taux d'ouverture" in flag.text and "Anna" not in flag.text
    await app.outbox.drain()
    await boss.expect("Compte rendu de la mission #1")


async def test_mydata_lists_reports_and_forget_keeps_them_anonymous(
    sandbox: Sandbox, app: Terrain
) -> None:
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    who = await person(app, anna)
    await mission(app, "posters", (who,))
    await anna.send("/debrief")
    await file_counts(anna, "30", "12")
    await anna.send("/mydata")
    export = await anna.wait_for(lambda: next((m for m in anna.transcript if m.document), None))
    data = json.loads(export.document.data)
    [mine] = data["field_reports"]
    assert mine["answers"]["posters"] == 30 and mine["version"] == 1
    await anna.send("/forget")
    await anna.press("Oui, tout effacer")
    await anna.expect("effacées")
    [report] = await reports(app)
    assert report.posters == 30 and report.author_id == who.id
    rows = await all_rows(app)
    assert "Anna" not in json.dumps(rows["field_reports"], default=str)
