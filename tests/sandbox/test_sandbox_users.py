"""The test-facing API end to end: a real aiogram Dispatcher polls the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import Sandbox

Polling = Callable[[Dispatcher, Bot], contextlib.AbstractAsyncContextManager[None]]


def demo_router(seen: list[int]) -> Router:
    """A small bot: consent buttons, edits, contacts, locations, duplicate detection."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="✅ Accept", callback_data="consent:yes"),
                    InlineKeyboardButton(text="Decline", callback_data="consent:no"),
                ]
            ]
        )
        payload = f" (invite {command.args})" if command.args else ""
        await message.answer(f"<b>Welcome</b>{payload}. Do you agree?", reply_markup=markup)

    @router.callback_query(F.data.startswith("consent:"))
    async def consent(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        choice = "accepted" if query.data == "consent:yes" else "declined"
        await query.message.edit_text(f"You {choice}.")
        await query.answer("Saved", show_alert=choice == "declined")

    @router.callback_query()
    async def unknown(query: CallbackQuery) -> None:
        await query.answer("Unknown action")

    @router.message(Command("help"))
    async def help_(message: Message, event_update_id: int = 0) -> None:
        await message.answer("Help text")

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None and message.from_user is not None
        own = message.contact.user_id == message.from_user.id
        await message.answer("Your number is saved." if own else "Please share your own contact.")

    @router.message(F.location)
    async def location(message: Message) -> None:
        assert message.location is not None
        await message.answer(f"At {message.location.latitude:.2f}")

    @router.message(Command("report"), F.chat.type == "supergroup")
    async def report(message: Message) -> None:
        await message.reply("Report received")

    @router.message(Command("flood"))
    async def flood(message: Message, bot: Bot) -> None:
        try:
            await message.answer("first")
        except TelegramRetryAfter as error:
            await asyncio.sleep(0)
            await message.answer(f"retry after {error.retry_after}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"Echo: {message.text}")

    return router


@pytest.fixture
async def running(sb: Sandbox, polling: Polling) -> AsyncIterator[list[int]]:
    seen: list[int] = []
    dp = Dispatcher()

    @dp.update.outer_middleware()
    async def record(handler: Any, update: Any, data: dict[str, Any]) -> Any:
        seen.append(update.update_id)
        if seen.count(update.update_id) > 1:
            return None  # handled already: drop the duplicate
        return await handler(update, data)

    dp.include_router(demo_router(seen))
    session = AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url))
    bot = Bot(sb.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    async with polling(dp, bot):
        yield seen
    await session.close()


async def test_start_press_and_edit_in_place(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice", username="alice", language_code="fr")
    await alice.send("/start t_abc")
    welcome = await alice.expect("Welcome (invite t_abc)")
    assert welcome.html == "<b>Welcome</b> (invite t_abc). Do you agree?"
    assert welcome.buttons == [["✅ Accept", "Decline"]]
    await alice.press("Accept")  # unique substring of "✅ Accept"
    edited = await alice.expect("You accepted.")
    assert edited.message_id == welcome.message_id and edited.edited
    assert edited.buttons == []  # edit_text without markup removes the keyboard
    await alice.wait_for(lambda: alice.callback_answers)
    assert (alice.callback_answers[0].text, alice.callback_answers[0].show_alert) == (
        "Saved",
        False,
    )
    assert alice.texts() == ["You accepted."]
    assert [m.from_bot for m in alice.transcript] == [False, True]


async def test_forged_callback_data(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("/start")
    welcome = await alice.expect("Welcome")
    await alice.press(callback_data="admin:drop_tables", message_id=welcome.message_id)
    # press() returned once the bot answered the query
    assert alice.callback_answers[-1].text == "Unknown action"
    assert alice.callback_answers[-1].data == "admin:drop_tables"


async def test_press_unknown_button_lists_what_exists(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("/start")
    await alice.expect("Welcome")
    with pytest.raises(AssertionError, match="no inline button 'Maybe'.*Decline"):
        await alice.press("Maybe", timeout=0.3)


async def test_contact_and_location_updates(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    bob = sb.user("Bob", last_name="Le Gall")
    await alice.send_contact("+33612345678")
    await alice.expect("Your number is saved.")
    await alice.send_contact("+33698765432", user_id=bob.id)
    await alice.expect("Please share your own contact.")
    assert alice.transcript[-2].contact == {
        "phone_number": "+33698765432",
        "first_name": "Bob",
        "last_name": "Le Gall",
        "user_id": bob.id,
    }
    await alice.send_location(48.39, -4.48)
    await alice.expect("At 48.39")


async def test_reply_to_and_expect_timeout_report(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("hello")
    reply = await alice.expect("Echo: hello")
    sent = await alice.reply_to(reply.message_id, "quoted")
    assert sent.reply_to_message_id == reply.message_id
    await alice.expect("Echo: quoted")
    with pytest.raises(AssertionError, match=r"(?s)waited 0.3s.*Echo: quoted"):
        await alice.expect("never said", timeout=0.3)


async def test_blocked_user_gets_nothing(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("/help")
    await alice.expect("Help text")
    alice.block()
    await alice.send("/help")
    await sb.settle()
    assert alice.texts() == ["Help text"]
    forbidden = [r for r in sb.errors() if r.error_code == 403]
    assert forbidden and forbidden[-1].description == "Forbidden: bot was blocked by the user"


async def test_injected_429_reaches_the_handler(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("hi")
    await alice.expect("Echo: hi")
    sb.inject_error("sendMessage", 429, retry_after=3, chat_id=alice.id)
    await alice.send("/flood")
    await alice.expect("retry after 3")
    assert "first" not in alice.texts()


async def test_duplicate_update_is_delivered_twice(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    await alice.send("/help", duplicate=True)
    await alice.expect("Help text")
    await sb.settle()
    assert alice.texts() == ["Help text"]  # the bot's middleware dropped the repeat
    assert len(running) == 2 and running[0] == running[1]


async def test_settle_waits_for_confirmation(sb: Sandbox, running: list[int]) -> None:
    users = [sb.user(f"User {i}") for i in range(5)]
    for user in users:
        await user.send("ping")
    await sb.settle()
    assert not sb.updates.pending
    assert all(user.texts() == ["Echo: ping"] for user in users)


async def test_group_commands_and_channel_posts(sb: Sandbox, running: list[int]) -> None:
    alice = sb.user("Alice")
    group = sb.group("Organizers").add(alice)
    await alice.send("/report@terrain_test_bot", chat=group)
    reply = await alice.expect("Report received")
    assert reply.chat_id == group.id and reply.reply_to_message_id == 1
    assert group.texts() == ["Report received"]
    channel = sb.group("Dashboard", kind="channel")
    post = await sb.post_to_channel(channel, "Hello channel")
    assert post.raw["sender_chat"]["id"] == channel.id and "from" not in post.raw
    outsider = sb.user("Eve")
    with pytest.raises(AssertionError, match="not a member"):
        await outsider.send("hi", chat=group)


async def test_press_fails_when_the_bot_never_answers(sb: Sandbox, call: Any) -> None:
    alice = sb.user("Alice")
    await alice.send("/start")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    await call("sendMessage", chat_id=alice.id, text="Pick", reply_markup=markup)
    with pytest.raises(
        AssertionError, match=r"answer to the press of 'go' \(answerCallbackQuery\)"
    ):
        await alice.press("Go", timeout=0.3)


async def test_settle_times_out_without_a_poller(sb: Sandbox) -> None:
    alice = sb.user("Alice")
    await alice.send("anyone?")
    with pytest.raises(AssertionError, match="is the bot polling"):
        await sb.settle(timeout=0.3)
