"""/newmission, in one line and guided: every field checked with a clear message, times in
the campaign's zone stored in UTC; volunteers refused (audited); leads create for their team."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app import Terrain
from bot.i18n import load_catalog
from models.people import AuditEvent, Role
from sandbox import Sandbox
from tests.bot.missions.kit import ONE_LINE, missions, person, zone
from tests.conftest import ADMIN_ID

FR = load_catalog("fr")


async def test_one_line_creates_a_mission_in_utc(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=6))
    reply = await admin.expect("créée")
    assert "#1" in reply.text and "Place de la Liberté" in reply.text
    assert "10:00–12:00" in reply.text and "500 tracts" in reply.text
    [mission] = await missions(app)
    # 10:00 in Paris in March (UTC+1) is 09:00 UTC.
    assert mission.starts_at == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    assert mission.ends_at == datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    assert (mission.kind, mission.capacity, mission.team_id) == ("leafleting", 6, None)
    assert mission.briefing == "Parler du tram"


async def test_english_words_and_iso_dates(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="en")
    await person(app, admin)
    await admin.send(
        "/newmission door-knocking | Brest bureau 76 | 2026-03-14 14h | 17h30 | Square | 4"
    )
    await admin.expect("created")
    [mission] = await missions(app)
    assert mission.kind == "door_knocking" and mission.materials == ""
    assert mission.ends_at == datetime(2026, 3, 14, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("tractage | 29019_0076 | 01/03/2026 10:00 | 12:00 | Place | 6", "in_past"),
        ("tractage | 29019_0076 | 14/03/2026 10:00 | 09:00 | Place | 6", "end_before_start"),
        ("tractage | 99999_0001 | 14/03/2026 10:00 | 12:00 | Place | 6", "zone"),
        ("tractage | 29019_0076 | 14/03/2026 10:00 | 12:00 | Place | 0", "capacity_zero"),
        ("tractage | 29019_0076 | 14/03/2026 10:00 | 12:00 | Place | six", "capacity"),
        ("pique-nique | 29019_0076 | 14/03/2026 10:00 | 12:00 | Place | 6", "kind"),
        ("tractage | 29019_0076 | 31/02/2026 10:00 | 12:00 | Place | 6", "date"),
        ("tractage | 29019_0076 | 14/03/2026 25:00 | 12:00 | Place | 6", "time"),
        ("tractage | 29019_0076 | 14/03/2026 10:00 | 12:00 |  | 6", "point_empty"),
        ("tractage | 29019_0076 | 14/03/2026", "fields"),
    ],
)
async def test_one_line_refusals(sandbox: Sandbox, app: Terrain, line: str, reason: str) -> None:
    await zone(app)
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + line)
    reply = await admin.expect(FR[f"mission.invalid.{reason}"][:30])
    assert "/newmission type | zone" in reply.text  # the syntax, with the message
    assert await missions(app) == []


async def test_guided_conversation(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    await zone(app, "29019_0077", "Brest bureau 77")
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission")
    await admin.expect("Quel type")
    await admin.press("Affichage")
    await admin.expect("Quelle zone")
    await admin.send("Lorient")
    await admin.expect(FR["mission.invalid.zone"])
    await admin.send("brest bureau")
    await admin.expect("Plusieurs zones")
    await admin.press("Brest bureau 77 (29019_0077)")
    await admin.expect("Quand")
    await admin.send("14/03/2026 10:00 09:00")
    await admin.expect(FR["mission.invalid.end_before_start"])
    await admin.send("01/03/2026 10:00 12:00")
    await admin.expect("déjà passée")
    await admin.send("14/03/2026 18h 20h")
    await admin.expect("rendez-vous")
    await admin.send("Devant la <mairie>")
    await admin.expect("Combien")
    await admin.send("0")
    await admin.expect(FR["mission.invalid.capacity_zero"])
    await admin.send("3")
    await admin.expect("matériel")
    await admin.send("-")
    await admin.expect("briefing")
    await admin.send("Affiches A3 & colle")
    review = await admin.expect("Vérifiez")
    assert "Devant la <mairie>" in review.text  # escaped, shown as typed
    await admin.press("Créer")
    await admin.expect("créée")
    [mission] = await missions(app)
    assert (mission.kind, mission.capacity, mission.materials) == ("posters", 3, "")
    assert mission.meeting_point == "Devant la <mairie>"
    assert mission.starts_at == datetime(2026, 3, 14, 17, 0, tzinfo=UTC)


async def test_volunteers_are_refused_and_audited(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    vera = sandbox.user("Vera", language_code="fr")
    joined = await person(app, vera)
    await vera.send("/newmission " + ONE_LINE.format(cap=6))
    await vera.expect(FR["refused.team_lead"])
    await vera.send("/assign 1 @x")
    await vera.expect(FR["refused.team_lead"])
    await vera.send("/mission 1")
    await vera.expect(FR["refused.team_lead"])
    assert await missions(app) == []
    async with app.db() as session:
        refused = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "command.refused"))
        )
    assert [(e.actor_id, e.detail["command"]) for e in refused] == [
        (joined.id, "newmission"),
        (joined.id, "assign"),
        (joined.id, "mission"),
    ]


async def test_a_lead_creates_for_their_team_only(sandbox: Sandbox, app: Terrain) -> None:
    await zone(app)
    lead = sandbox.user("Lea", language_code="fr")
    me = await person(app, lead, role=Role.TEAM_LEAD, team="Quimper")
    await lead.send("/newmission " + ONE_LINE.format(cap=6))
    await lead.expect("créée")
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await person(app, admin)
    await admin.send("/newmission " + ONE_LINE.format(cap=3))
    await admin.expect("créée")
    team_mission, campaign_mission = await missions(app)
    assert team_mission.team_id == me.team_id and campaign_mission.team_id is None
    await lead.send(f"/mission {campaign_mission.id}")
    await lead.expect("Pas de mission #2")
    await lead.send(f"/mission {team_mission.id}")
    card = await lead.expect("#1 · Tractage")
    assert card.buttons[0][0] == "✏️ Modifier"
