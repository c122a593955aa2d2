"""/link and /unlink end to end: groups linked by an organizer or a team lead who administers
them (the bot an administrator that may pin), channels linked with a one-time code, unlinking,
and the bot removed from a chat."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from models.chat_links import ChatLink
from models.clock import ManualClock
from models.people import AuditEvent, Role
from sandbox import Group, Sandbox
from tests.bot.missions.kit import person


async def links(app: Terrain) -> list[ChatLink]:
    async with app.db() as session:
        return list(await session.scalars(select(ChatLink).order_by(ChatLink.id)))


async def pinned_text(sandbox: Sandbox, group: Group) -> str:
    await sandbox.wait_until(lambda: group.pinned, 5, lambda: f"nothing pinned in {group!r}")
    message = sandbox.chat(group).find(group.pinned or 0)
    assert message is not None and message.text is not None
    return message.text


async def organizer(app: Terrain, sandbox: Sandbox, name: str = "Camille") -> Any:
    user = sandbox.user(name, language_code="fr")
    await person(app, user, role=Role.ORGANIZER)
    return user


async def test_an_organizer_links_a_group_to_the_campaign(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    camille = await organizer(terrain, sandbox)
    group = sandbox.group("Orga <Brest>").add(camille, status="administrator")
    await camille.send("/link@terrain_test_bot", chat=group)
    reply = await camille.expect("relié à toute la campagne", chat=group)
    assert "« Orga <Brest> »" in reply.text  # the title, escaped on the way out
    live = await pinned_text(sandbox, group)
    assert "En direct, Brest en commun" in live
    [link] = await links(terrain)
    assert (link.chat_id, link.chat_type, link.team_id) == (group.id, "supergroup", None)
    assert link.live_message_id == group.pinned and link.live_hash
    pin = sandbox.calls("pinChatMessage")[-1]
    assert pin.params["disable_notification"] is True
    async with terrain.db() as session:
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.linked"))
    assert audit is not None and "Orga" not in str(audit.detail)

    # Linking again to a team moves the link and starts a new dashboard.
    await camille.send("/link Brest Nord", chat=group)
    await camille.expect("Je ne connais pas d'équipe « Brest Nord »", chat=group)
    await person(terrain, sandbox.user("Lou"), team="Brest Nord")
    first_live = group.pinned
    await camille.send("/link brest nord", chat=group)
    await camille.expect("relié à l'équipe Brest Nord", chat=group)
    await sandbox.wait_until(
        lambda: group.pinned not in (None, first_live), 5, lambda: "no new pin"
    )
    assert "équipe Brest Nord" in await pinned_text(sandbox, group)
    [link] = await links(terrain)
    assert link.team_id is not None and link.live_message_id == group.pinned


async def test_linking_is_refused_without_the_rights(sandbox: Sandbox, terrain: Terrain) -> None:
    camille = await organizer(terrain, sandbox)
    vera = sandbox.user("Vera", language_code="fr")
    await person(terrain, vera)  # a volunteer
    stranger = sandbox.user("Sam", language_code="fr")  # never joined
    group = sandbox.group("Orga Brest", kind="group")
    group.add(camille, status="member").add(vera, stranger, status="administrator")

    await camille.send("/link", chat=group)
    await camille.expect("Seul un administrateur de ce groupe", chat=group)
    await camille.send("/link <b>Équipe</b> " + "x" * 5000, chat=group)
    said = await camille.expect("Je ne connais pas d'équipe", chat=group)
    assert "« <b>Équipe</b> xxx" in said.text and len(said.text) < 120  # escaped, cut
    for user in (vera, stranger):
        await user.send("/link", chat=group)
        await user.expect("Seuls les organisateurs et les responsables", chat=group)

    group.add(camille, status="administrator")
    group.bot_status = "member"
    await camille.send("/link", chat=group)
    await camille.expect("Faites de moi un administrateur", chat=group)
    await sandbox.settle()
    assert await links(terrain) == []
    assert group.pinned is None
    assert not sandbox.calls("pinChatMessage")


async def test_a_team_lead_links_their_own_team_only(sandbox: Sandbox, terrain: Terrain) -> None:
    lea = sandbox.user("Léa", language_code="fr")
    await person(terrain, lea, role=Role.TEAM_LEAD, team="Brest Nord")
    await person(terrain, sandbox.user("Lou"), team="Brest Sud")
    group = sandbox.group("Équipe Nord").add(lea, status="creator")
    await lea.send("/link Brest Sud", chat=group)
    await lea.expect("ne peut relier que sa propre équipe", chat=group)
    await sandbox.settle()
    assert await links(terrain) == []
    await lea.send("/link", chat=group)  # a lead's /link: their team
    await lea.expect("relié à l'équipe Brest Nord", chat=group)
    assert "équipe Brest Nord" in await pinned_text(sandbox, group)

    # The lead of another team may not unlink it; the linking lead may.
    other = sandbox.user("Oscar", language_code="fr")
    await person(terrain, other, role=Role.TEAM_LEAD, team="Brest Sud")
    group.add(other, status="administrator")
    await other.send("/unlink", chat=group)
    await other.expect("Seuls les organisateurs, ou le responsable", chat=group)
    assert len(await links(terrain)) == 1
    await lea.send("/unlink", chat=group)
    await lea.expect("C'est délié", chat=group)
    assert await links(terrain) == []
    assert group.pinned is None  # the live dashboard is unpinned
    await lea.send("/unlink", chat=group)
    await lea.expect("n'est relié à rien", chat=group)


async def test_a_channel_is_linked_with_a_one_time_code(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    camille = await organizer(terrain, sandbox)
    await person(terrain, sandbox.user("Lou"), team="Brest Nord")
    channel = sandbox.group("Canal Brest", kind="channel").add(camille, status="administrator")

    async def code() -> tuple[str, int]:
        before = len(sandbox.transcript(channel))
        await channel.post("/link")
        said = await sandbox.wait_until(
            lambda: [m for m in sandbox.transcript(channel)[before:] if m.from_bot],
            5,
            lambda: "no code in the channel",
        )
        found = re.search(r"/link ([A-Z2-9]{8})", said[0].text)
        assert found is not None, said[0].text
        return found[1], said[0].message_id

    first, code_message = await code()
    await camille.send("/link")
    await camille.expect("publiez /link dans le canal")
    await camille.send("/link NOPE1234")
    await camille.expect("Ce code est inconnu")

    # An organizer who does not administer the channel cannot use the code.
    dominique = await organizer(terrain, sandbox, "Dominique")
    await dominique.send(f"/link {first}")
    await dominique.expect("Seul un administrateur")
    # A volunteer cannot either, whatever the code.
    vera = sandbox.user("Vera", language_code="fr")
    await person(terrain, vera)
    channel.add(vera, status="administrator")
    await vera.send(f"/link {first}")
    await vera.expect("Seuls les organisateurs")

    await camille.send(f"/link {first.lower()} Brest Nord")
    await camille.expect("relié à l'équipe Brest Nord")
    assert "équipe Brest Nord" in await pinned_text(sandbox, channel)
    assert sandbox.chat(channel).find(code_message) is None  # the spent code is deleted
    [link] = await links(terrain)
    assert (link.chat_id, link.chat_type) == (channel.id, "channel")
    await camille.send(f"/link {first}")  # once only
    await camille.expect("Ce code est inconnu")
    await camille.send("/unlink")  # in private: where to do it
    await camille.expect("publiez /unlink dans le canal")

    second, _ = await code()
    clock.advance(timedelta(minutes=11))
    await camille.send(f"/link {second}")
    await camille.expect("Ce code est inconnu")

    # Only the channel's administrators can post in it: /unlink there is their word.
    await channel.post("/unlink")
    await sandbox.wait_until(
        lambda: any("C'est délié" in m.text for m in sandbox.transcript(channel)),
        5,
        lambda: "no unlink answer",
    )
    assert await links(terrain) == []
    assert channel.pinned is None


async def test_removing_the_bot_unlinks_the_chat(sandbox: Sandbox, terrain: Terrain) -> None:
    camille = await organizer(terrain, sandbox)
    group = sandbox.group("Orga Brest").add(camille, status="creator")
    await camille.send("/link", chat=group)
    await camille.expect("relié à toute la campagne", chat=group)
    await pinned_text(sandbox, group)
    group.kick_bot(by=camille)
    await sandbox.wait_until(lambda: not sandbox.updates.pending, 5, lambda: "update stuck")
    await sandbox.settle()
    assert await links(terrain) == []
    async with terrain.db() as session:
        reasons = [
            e.detail.get("reason")
            for e in await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "chat.unlinked")
            )
        ]
    assert reasons == ["bot_removed"]


async def test_a_linked_group_speaks_its_linkers_language_and_ignores_other_bots(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    emma = sandbox.user("Emma", language_code="en")
    await person(terrain, emma, role=Role.ORGANIZER)
    group = sandbox.group("Field team").add(emma, status="administrator")
    await emma.send("/link", chat=group)
    await emma.expect("linked to the whole campaign", chat=group)
    assert "Live, Brest en commun" in await pinned_text(sandbox, group)
    before = len(sandbox.transcript(group))
    await emma.send("/poll@other_bot Saturday?", chat=group)
    await emma.send("/link@other_bot", chat=group)
    await sandbox.settle()
    assert len(sandbox.transcript(group)) == before + 2  # her two messages, no answer
    await emma.send("/mydata@terrain_test_bot", chat=group)
    await emma.expect("private", chat=group)


async def test_the_link_follows_a_group_upgraded_to_a_supergroup(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    camille = await organizer(terrain, sandbox)
    group = sandbox.group("Orga Brest", kind="group").add(camille, status="creator")
    await camille.send("/link", chat=group)
    await camille.expect("relié à toute la campagne", chat=group)
    await pinned_text(sandbox, group)
    upgraded = sandbox.group("Orga Brest", kind="supergroup").add(camille, status="creator")
    sandbox.push_update(
        "message",
        {
            "message_id": 99,
            "from": camille.api(),
            "chat": sandbox.chat(group).api(),
            "date": 1772442000,
            "migrate_to_chat_id": upgraded.id,
        },
    )
    await sandbox.settle()
    [link] = await links(terrain)
    assert (link.chat_id, link.chat_type, link.live_message_id) == (upgraded.id, "supergroup", None)
    clock.advance(timedelta(seconds=1))
    assert await terrain.dashboards.refresh_live() == 1
    assert "En direct" in await pinned_text(sandbox, upgraded)
