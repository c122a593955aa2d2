"""Teams: an organizer creates one, volunteers join by its invite link, an admin names a lead."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Terrain
from models.people import AuditEvent, Role
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up
from tests.conftest import ADMIN_ID


async def test_admin_names_a_team_lead(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(admin)
    await admin.send("/newteam Quimper")
    await admin.expect("t.me/")
    tom = sandbox.user("Tom", username="tom_b", language_code="fr")
    await sign_up(tom)

    await admin.send("/promote @tom_b responsable")
    await admin.expect("besoin d'une équipe")
    await admin.send("/promote @tom_b responsable Brest")
    await admin.expect("Aucune équipe nommée Brest")
    assert (await person_of(terrain, tom.id)).role == Role.VOLUNTEER

    await admin.send("/promote @TOM_B responsable quimper")
    await admin.expect("Tom est maintenant : responsable d'équipe")
    lead = await person_of(terrain, tom.id)
    assert lead.role == Role.TEAM_LEAD and lead.team is not None and lead.team.name == "Quimper"
    async with terrain.db() as session:
        changes = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "role.changed"))
        )
    assert [(c.subject_id, c.detail) for c in changes] == [
        (lead.id, {"from": "volunteer", "to": "team_lead"})
    ]


async def test_team_names_are_unique_and_validated(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(admin)
    await admin.send("/newteam Brest")
    await admin.expect("t.me/")
    await admin.send("/newteam brest")
    await admin.expect("existe déjà")
    await admin.send("/newteam")
    await admin.expect("Usage")
    await admin.send("/newteam " + "x" * 300)
    await admin.expect("Usage")
