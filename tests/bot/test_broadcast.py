"""/broadcast end to end: audience and purpose, preview with the recipient count, sending
through the outbox to those who consented, the one-tap stop, progress edited in place, cancel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from bot.i18n import load_catalog
from models.outbox import OutboxMessage
from models.people import AuditEvent, Purpose, Status, Team
from models.volunteers import consents
from sandbox import Sandbox
from tests.bot.helpers import person_of, sign_up
from tests.conftest import ADMIN_ID

FR = load_catalog("fr")


async def team_start(app: Terrain, name: str) -> str:
    async with app.db() as session:
        team = await session.scalar(select(Team).where(Team.name == name))
    return f"/start t_{team.invite_token}"


async def write(user: Any, text: str, *, topic: str, audience: str | None) -> None:
    """Walk /broadcast up to the preview."""
    await user.send("/broadcast")
    if audience is not None:
        await user.expect("À qui écrire")
        await user.press(audience)
    await user.expect("De quoi s'agit-il")
    await user.press(topic)
    await user.expect("Écrivez votre message")
    await user.send(text)


def got(user: Any, fragment: str) -> list[Any]:
    return [m for m in user.transcript if m.from_bot and fragment in m.text]


async def test_organizer_news_reaches_only_those_who_accepted_news(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    chloe = sandbox.user("Chloé", language_code="fr")
    await sign_up(camille)
    await sign_up(anna, news=True)
    await sign_up(bob)  # said no to campaign news
    await sign_up(chloe, news=True)
    await chloe.send("/language")
    await chloe.press("English")

    await write(camille, "Réunion <b>ce soir</b> & apéro", topic="Actualités", audience="Tout")
    preview = await camille.expect("Destinataires : 2")
    assert "Rien n'est envoyé" in preview.text
    assert got(anna, "Réunion") == []  # nothing before confirmation
    await camille.press("Envoyer")
    await terrain.outbox.drain()
    final = await camille.expect("Terminé")
    assert final.message_id == preview.message_id  # the preview became the progress message
    assert "Envoyés : 2" in final.text and "Échecs : 0" in final.text
    assert final.buttons == []

    [received] = got(anna, "Réunion")
    assert received.text.startswith("📣 Message de Camille")
    # What the organizer typed is shown as typed: escaped, never taken for markup.
    assert "Réunion <b>ce soir</b> & apéro" in received.text
    assert "&lt;b&gt;ce soir&lt;/b&gt; &amp; apéro" in received.html
    assert received.buttons == [[FR["broadcast.stop_news_button"]]]
    [in_english] = got(chloe, "Réunion")
    assert in_english.text.startswith("📣 Message from Camille")
    assert got(bob, "Réunion") == []
    async with terrain.db() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert "broadcast.sent" in actions


async def test_news_stop_button_withdraws_news_consent_only(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(camille)
    await sign_up(anna, news=True)
    await write(camille, "Première", topic="Actualités", audience="Tout")
    await camille.expect("Destinataires : 1")
    await camille.press("Envoyer")
    await terrain.outbox.drain()
    await anna.wait_for(lambda: got(anna, "Première"))

    await anna.press(FR["broadcast.stop_news_button"])
    await anna.expect("ne recevrez plus")
    person = await person_of(terrain, anna.id)
    assert await consents(terrain.db, person.id) == {
        Purpose.VOLUNTEERING: True,
        Purpose.NEWS: False,
        Purpose.LEADERBOARD: False,
    }
    assert person.status == Status.ACTIVE

    await write(camille, "Deuxième", topic="Actualités", audience="Tout")
    await camille.expect("Destinataires : 0")


async def test_team_lead_writes_to_their_team_only(sandbox: Sandbox, terrain: Terrain) -> None:
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(camille)
    await camille.send("/newteam Quimper")
    await camille.expect("t.me/")
    start = await team_start(terrain, "Quimper")
    tom = sandbox.user("Tom", username="tom_b", language_code="fr")
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    await sign_up(tom, start=start)
    await sign_up(anna, start=start)
    await sign_up(bob)  # not in the team
    await camille.send("/promote @tom_b responsable")
    await camille.expect("responsable d'équipe")

    await write(tom, "RDV 9h au local", topic="Logistique", audience=None)
    await tom.expect("Destinataires : 2")  # Tom and Anna
    await tom.press(callback_data="bca:0")  # a forged "everyone": not for a lead
    assert tom.callback_answers[-1].text == FR["button.stale"]
    await tom.press("Envoyer")
    await terrain.outbox.drain()
    await tom.expect("Envoyés : 2")
    [received] = got(anna, "RDV 9h")
    assert received.text.startswith("📣 Message de Tom")
    assert received.buttons == [[FR["broadcast.stop_all_button"]]]
    assert got(bob, "RDV 9h") == []

    # The logistics stop button pauses everything, for the presser only.
    await anna.press(FR["broadcast.stop_all_button"])
    await anna.expect("En pause")
    assert (await person_of(terrain, anna.id)).status == Status.PAUSED
    assert (await person_of(terrain, tom.id)).status == Status.ACTIVE


async def test_volunteers_are_refused_politely(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/broadcast")
    await anna.expect("réservé")
    await anna.press(callback_data="bcd:1:1")
    await sandbox.settle()
    async with terrain.db() as session:
        refused = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "command.refused"))
        )
        assert list(await session.scalars(select(OutboxMessage))) == []
    assert [e.detail for e in refused] == [{"command": "broadcast"}]


async def test_text_is_validated(sandbox: Sandbox, terrain: Terrain) -> None:
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(camille)
    await write(camille, "x" * 3501, topic="Actualités", audience="Tout")
    await camille.expect("3501 caractères")
    await camille.send("Court")
    await camille.expect("Destinataires")
    await camille.press("Annuler")
    await camille.expect("rien n'a été envoyé")


async def test_cancel_what_has_not_gone_out(sandbox: Sandbox, terrain: Terrain) -> None:
    camille = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    await sign_up(camille)
    people = [sandbox.user(name, language_code="fr") for name in ("Anna", "Bob", "Chloé")]
    for user in people:
        await sign_up(user, news=True)
    await write(camille, "Annulez-moi", topic="Actualités", audience="Tout")
    await camille.expect("Destinataires : 3")
    await sandbox.settle()
    # Telegram asks the sender to wait: the organizer cancels meanwhile.
    sandbox.inject_error("sendMessage", 429, retry_after=2, count=10)
    await camille.press("Envoyer")
    await camille.press(FR["broadcast.cancel_button"])
    await camille.expect("Annulés : 3")
    await terrain.outbox.drain()
    await sandbox.settle()
    assert all(got(user, "Annulez-moi") == [] for user in people)
    progress = got(camille, "Envoyés")
    assert len(progress) == 1 and "Envoyés : 0" in progress[0].text
