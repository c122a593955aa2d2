"""Roles end to end: who may /promote, /demote and /newteam, checked in the database at each
call and audited without personal data; each role's command menu."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Terrain
from bot.i18n import load_catalog
from handlers import menus
from models.people import AuditEvent, Team
from sandbox import Sandbox, User
from tests.bot.helpers import person_of, sign_up
from tests.conftest import ADMIN_ID

FR, EN = load_catalog("fr"), load_catalog("en")
ADMINS_ONLY, ORGANIZERS_ONLY = FR["refused.admin"], FR["refused.organizer"]
# Which commands each role has is the menus module's decision; these tests check that each
# chat gets the right one, in each language.
VOLUNTEER, ORGANIZER, ADMIN = list(menus.VOLUNTEER), list(menus.ORGANIZER), list(menus.ADMIN)


def menu_of(catalog: dict[str, str], names: list[str]) -> list[dict[str, str]]:
    return [{"command": name, "description": catalog[f"command.{name}"]} for name in names]


async def audits(terrain: Terrain, action: str) -> list[AuditEvent]:
    async with terrain.db() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows)


async def team_names(terrain: Terrain) -> list[str]:
    async with terrain.db() as session:
        return list(await session.scalars(select(Team.name).order_by(Team.id)))


async def admin_user(sandbox: Sandbox, *, joined: bool) -> User:
    admin = sandbox.user("Camille", username="camille_adm", language_code="fr", id=ADMIN_ID)
    if joined:
        await sign_up(admin)
    return admin


async def test_startup_installs_the_volunteer_menu_in_each_language(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    private = {"type": "all_private_chats"}
    assert sandbox.commands(scope=private, language_code="fr") == menu_of(FR, VOLUNTEER)
    assert sandbox.commands(scope=private, language_code="en") == menu_of(EN, VOLUNTEER)
    assert sandbox.commands(scope=private) == menu_of(FR, VOLUNTEER)  # the campaign's default
    emma = sandbox.user("Emma", language_code="en")
    assert sandbox.menu(emma) == menu_of(EN, VOLUNTEER)


async def test_a_volunteer_is_refused_and_the_refusal_audited(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna, name="Anna K")
    person = await person_of(terrain, anna.id)
    for command, refusal in (
        ("/promote @anna_k organizer", ADMINS_ONLY),
        ("/demote @anna_k", ADMINS_ONLY),
        ("/newteam Quimper nord", ORGANIZERS_ONLY),
    ):
        await anna.send(command)
        reply = await anna.expect("réservé")
        assert reply.text == refusal
    refusals = await audits(terrain, "command.refused")
    assert [(e.actor_id, e.detail) for e in refusals] == [
        (person.id, {"command": "promote"}),
        (person.id, {"command": "demote"}),
        (person.id, {"command": "newteam"}),
    ]
    for secret in ("anna", "Anna", str(anna.id), "Quimper", "organizer"):
        assert all(secret not in repr(e.detail) for e in refusals)
    assert (await person_of(terrain, anna.id)).role == "volunteer"
    assert await team_names(terrain) == []
    assert await audits(terrain, "role.changed") == []


async def test_a_stranger_is_refused_too(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna)
    zoe = sandbox.user("Zoé", username="zoe_x", language_code="en")
    await zoe.send("/promote @anna_k organizer")
    reply = await zoe.expect("reserved")
    assert reply.text == EN["refused.admin"]
    [refusal] = await audits(terrain, "command.refused")
    assert (refusal.actor_id, refusal.detail) == (None, {"command": "promote"})
    assert (await person_of(terrain, anna.id)).role == "volunteer"
    assert await person_of(terrain, zoe.id) is None


async def test_promotion_gives_the_organizer_powers_and_menu_demotion_takes_them(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    admin = await admin_user(sandbox, joined=True)
    anna = sandbox.user("Anna", username="Anna_K", language_code="fr")
    await sign_up(anna, name="Anna K")
    boss, target = await person_of(terrain, admin.id), await person_of(terrain, anna.id)
    assert sandbox.menu(anna) == menu_of(FR, VOLUNTEER)

    await admin.send("/promote @anna_k organisateur")  # any case, French role words
    await admin.expect("Anna K est maintenant : organisateur·rice.")
    assert (await person_of(terrain, anna.id)).role == "organizer"
    [changed] = await audits(terrain, "role.changed")
    assert (changed.actor_id, changed.subject_id) == (boss.id, target.id)
    assert changed.detail == {"from": "volunteer", "to": "organizer"}
    chat = {"type": "chat", "chat_id": anna.id}
    assert sandbox.menu(anna) == menu_of(FR, ORGANIZER)
    assert sandbox.commands(scope=chat, language_code="en") == menu_of(EN, ORGANIZER)

    await anna.send("/newteam Quimper nord")
    created = await anna.expect("t.me/terrain_test_bot?start=t_")
    assert "Quimper nord" in created.text
    assert await team_names(terrain) == ["Quimper nord"]

    await admin.send("/demote @anna_k")
    await admin.expect("Anna K est maintenant : bénévole.")
    assert (await person_of(terrain, anna.id)).role == "volunteer"
    await anna.send("/newteam Brest centre")
    assert (await anna.expect("réservé")).text == ORGANIZERS_ONLY
    assert await team_names(terrain) == ["Quimper nord"]
    assert sandbox.menu(anna) == menu_of(FR, VOLUNTEER)
    assert sandbox.commands(scope=chat, language_code="fr") == []
    assert [e.detail for e in await audits(terrain, "role.changed")] == [
        {"from": "volunteer", "to": "organizer"},
        {"from": "organizer", "to": "volunteer"},
    ]
    assert [e.detail for e in await audits(terrain, "command.refused")] == [{"command": "newteam"}]


async def test_an_admin_who_never_joined_can_still_manage_roles(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    admin = await admin_user(sandbox, joined=False)
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna, name="Anna K")
    await admin.send("/newteam Landerneau")
    await admin.expect("t.me/")
    assert await team_names(terrain) == ["Landerneau"]
    await admin.send(f"/promote {anna.id} organizer")  # a Telegram id works as well as a @name
    await admin.expect("Anna K est maintenant : organisateur·rice.")
    assert (await person_of(terrain, anna.id)).role == "organizer"
    assert sandbox.menu(anna) == menu_of(FR, ORGANIZER)
    [changed] = await audits(terrain, "role.changed")
    assert changed.actor_id is None  # the admin has no Person row: nothing about them is kept
    assert changed.detail == {"from": "volunteer", "to": "organizer"}
    assert await person_of(terrain, admin.id) is None


async def test_an_admin_gets_the_admin_menu(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = await admin_user(sandbox, joined=True)
    assert sandbox.menu(admin) == menu_of(FR, ADMIN)


async def test_bad_arguments_give_the_usage(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = await admin_user(sandbox, joined=False)
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna)
    for command in ("/promote", "/promote @anna_k", "/promote @anna_k king"):
        await admin.send(command)
        assert (await admin.expect("Usage")).text == FR["roles.usage_promote"]
    await admin.send("/demote")
    assert (await admin.expect("Usage")).text == FR["roles.usage_demote"]
    await admin.send("/promote @nobody organizer")
    await admin.expect("Aucun bénévole connu sous le nom @nobody.")
    await admin.send("/promote <b>&amp; organizer")
    await admin.expect("Aucun bénévole connu sous le nom <b>&amp;.")
    assert (await person_of(terrain, anna.id)).role == "volunteer"
    assert await audits(terrain, "role.changed") == []
    assert await audits(terrain, "command.refused") == []


async def test_an_erased_organizer_loses_the_organizer_menu(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    admin = await admin_user(sandbox, joined=False)
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna)
    await admin.send("/promote @anna_k organizer")
    await admin.expect("est maintenant")
    assert sandbox.menu(anna) == menu_of(FR, ORGANIZER)
    await anna.send("/forget")
    await anna.press("Oui, tout effacer")
    await anna.expect("C'est fait")
    # Telegram would otherwise keep showing the role she had, even if she joins again.
    assert sandbox.menu(anna) == menu_of(FR, VOLUNTEER)
    await sign_up(anna)
    assert (await person_of(terrain, anna.id)).role == "volunteer"
    await anna.send("/newteam Brest")
    assert (await anna.expect("réservé")).text == ORGANIZERS_ONLY
