"""What goes wrong in real life: updates delivered twice, forged buttons, people who block
the bot, Telegram refusing a message, group chats, other languages, HTML in names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import Terrain
from bot.i18n import load_catalog
from models.clock import ManualClock
from sandbox import Sandbox
from tests.bot.helpers import all_rows, person_of, sign_up
from tests.conftest import ADMIN_ID

FR, EN = load_catalog("fr"), load_catalog("en")


async def db_state(terrain: Terrain) -> dict[str, list[dict[str, Any]]]:
    """Every row that means something (the ids of updates handled excepted)."""
    rows = await all_rows(terrain)
    del rows["processed_updates"]
    return rows


async def test_a_duplicated_update_is_answered_once(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/stop", duplicate=True)
    await anna.expect("En pause")
    await sandbox.settle()
    assert [m.text for m in anna.replies()] == [FR["rights.paused"]]
    rows = await all_rows(terrain)
    assert [e["action"] for e in rows["audit_events"]].count("person.paused") == 1


async def test_forged_or_stale_buttons_change_nothing(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    await sign_up(anna)
    stranger = sandbox.user("Zoé", language_code="fr")
    await stranger.send("/help")
    await stranger.expect("/start")
    await sandbox.settle()
    before = await db_state(terrain)
    forged = ("fg:1", "su:join:", "su:toggle:volunteering", "av:saturdays", "x" * 64, "🙂")
    for user in (anna, stranger):
        for data in forged:
            await user.press(callback_data=data, message_id=user.last.message_id)
            answer = user.callback_answers[-1]
            assert (answer.data, answer.text, answer.show_alert) == (data, FR["button.stale"], True)
    await sandbox.settle()
    assert await db_state(terrain) == before
    person = await person_of(terrain, anna.id)
    assert person is not None and person.status == "active"
    assert await person_of(terrain, stranger.id) is None


async def test_someone_who_blocked_the_bot_is_marked_unreachable(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    bob = sandbox.user("Bob", language_code="fr")
    await sign_up(anna)
    await sign_up(bob)
    anna.block()
    await anna.send("/help")  # the bot tries to answer: 403
    await sandbox.settle()
    assert (await person_of(terrain, anna.id)).reachable is False
    tries = [r for r in sandbox.calls("sendMessage") if r.params.get("chat_id") == anna.id]
    assert [r.error_code for r in tries if r.error_code] == [403]  # no apology attempt either

    await bob.send("/help")
    await bob.expect("/mydata")
    assert (await person_of(terrain, bob.id)).reachable is True

    anna.unblock()
    await anna.send("/help")
    await anna.expect("/mydata")
    assert (await person_of(terrain, anna.id)).reachable is True


async def test_a_failing_reply_gets_an_apology_and_the_bot_goes_on(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    sandbox.inject_error("sendMessage", 400, count=1, chat_id=anna.id)
    await anna.send("/help")
    apology = await anna.expect("Désolé")
    assert apology.text == FR["error.generic"]
    await sandbox.settle()
    assert [m.text for m in anna.replies()] == [FR["error.generic"]]
    await anna.send("/help")
    await anna.expect("/mydata")
    await anna.send("/stop")
    await anna.expect("En pause")


async def test_a_failing_button_press_is_answered_and_apologized_for(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/consent")
    await anna.expect("Vos choix actuels")
    sandbox.inject_error("editMessageText", 400, count=1, chat_id=anna.id)
    await anna.press("Accepter : actualités de la campagne")  # fails unless answered
    await anna.expect(FR["error.generic"])
    await anna.send("/consent")
    await anna.expect("actualités de la campagne : oui")  # the choice itself was saved


async def test_language_switches_what_follows(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    await anna.send("/language")
    await anna.expect("Choisissez votre langue")
    await anna.press("English")
    await anna.expect("Language set: English.")
    assert (await person_of(terrain, anna.id)).locale == "en"
    await anna.send("/help")
    await anna.expect("I am the field assistant")
    await anna.send("/consent")
    shown = await anna.expect("Your current choices")
    assert "Accept: campaign news" in shown.all_buttons
    await anna.send("/language")
    await anna.press("Français")
    await anna.expect("Langue choisie : français.")
    await anna.send("/help")
    await anna.expect("assistant de terrain")


async def test_language_chosen_before_joining(sandbox: Sandbox, terrain: Terrain) -> None:
    emma = sandbox.user("Emma", language_code="fr")
    await emma.send("/start")
    await emma.expect("Rejoindre")
    await emma.send("/language")
    await emma.press("English")
    await emma.expect("Join")  # the notice and choices again, in English
    await emma.press("Coordinate")
    await emma.press("Join")
    await emma.expect("What name")
    assert (await person_of(terrain, emma.id)).locale == "en"


async def test_commands_in_a_group_are_answered_in_private_only(
    sandbox: Sandbox, terrain: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    emma = sandbox.user("Emma", language_code="en")
    group = sandbox.group("Militants Brest").add(anna, emma)
    for user, expected in ((anna, FR), (emma, EN)):
        for command in ("/start", "/mydata", "/promote @anna organizer"):
            sent = await user.send(command, chat=group)
            reply = await user.expect(expected["fallback.private_only"], chat=group)
            assert reply.reply_to_message_id == sent.message_id
    await sandbox.settle()
    assert anna.transcript == [] and emma.transcript == []  # nothing in private either
    rows = await db_state(terrain)
    assert rows["people"] == [] and rows["conversation_states"] == []


async def test_help_shows_the_sections_of_ones_role(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    anna = sandbox.user("Anna", username="anna_k", language_code="fr")
    olivier = sandbox.user("Olivier", username="olivier_o", language_code="fr")
    await sign_up(anna)
    await sign_up(olivier)
    await admin.send("/promote @olivier_o organizer")
    await admin.expect("est maintenant")

    sections = ("assistant de terrain de Brest en commun", "Organisateurs", "Administrateurs")
    for user, shown in ((anna, 1), (olivier, 2), (admin, 3)):
        await user.send("/help")
        text = (await user.expect("assistant de terrain")).text
        assert [part in text for part in sections] == [i < shown for i in range(3)], user
    await olivier.send("/stop")  # a paused organizer has no organizer powers
    await olivier.expect("En pause")
    await olivier.send("/help")
    assert "Organisateurs" not in (await olivier.expect("assistant de terrain")).text


async def test_html_in_names_is_shown_as_typed(sandbox: Sandbox, terrain: Terrain) -> None:
    admin = sandbox.user("Camille", id=ADMIN_ID, language_code="fr")
    tricky = sandbox.user("<i>Zoé</i> & co", username="zoe_x", language_code="fr")
    await tricky.send("/start")
    await tricky.press("Coordonner")
    await tricky.press("Rejoindre")
    asked = await tricky.expect("Quel nom")
    assert "garder <i>Zoé</i> & co, ou" in asked.text
    await tricky.send("<b>&")
    await tricky.expect("Merci, <b>&.")
    await tricky.send("29200")
    await tricky.press("Samedis")
    await tricky.press("Terminé")
    await tricky.send("Passer")
    await tricky.expect("Bienvenue")
    await tricky.send("/start")
    await tricky.expect("Bonjour <b>&, vous êtes déjà")

    await admin.send("/promote @zoe_x organizer")
    await admin.expect("<b>& est maintenant : organisateur·rice.")
    await tricky.send("/newteam <Quimper> & co")
    await tricky.expect("Équipe <Quimper> & co créée.")
    await admin.send("/newteam <Quimper> & CO")
    await admin.expect("Une équipe nommée <Quimper> & CO existe déjà.")
    assert (await person_of(terrain, tricky.id)).display_name == "<b>&"
    # The autouse check (tests/bot/conftest.py) also asserts no message was refused with 400.


async def test_blocking_is_noticed_at_once_and_is_not_contact(
    sandbox: Sandbox, terrain: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await sign_up(anna)
    joined = (await person_of(terrain, anna.id)).last_seen_at
    clock.advance(timedelta(days=30))
    anna.block()  # Telegram tells the bot with a my_chat_member update; nothing to answer
    await sandbox.settle()
    person = await person_of(terrain, anna.id)
    assert person.reachable is False
    assert person.last_seen_at == joined  # retention still counts from her last real contact


async def test_cancel_leaves_any_conversation(sandbox: Sandbox, terrain: Terrain) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/cancel")
    await anna.expect(FR["cancel.nothing"])
    await anna.send("/start")
    await anna.press("Coordonner")
    await anna.press("Rejoindre")
    await anna.expect("Quel nom")
    await anna.send("/cancel")
    await anna.expect(FR["cancel.done"])
    await anna.send("Anna")  # no longer an answer to "what name?"
    await anna.expect(FR["fallback.unknown"])
    rows = await all_rows(terrain)
    assert rows["conversation_states"] == []
    await anna.send("/start")  # the profile is resumed where it was left
    await anna.expect("Quel nom")
