"""Terrain's Bot API session (bot/session.py) against the sandbox over HTTP: calls go as JSON,
uploads as multipart, and what is sent and answered is the same as with aiogram's form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import CreateChatInviteLink
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.session import TelegramSession
from sandbox import Sandbox
from tests.conftest import TOKEN

KEYPAD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text=str(n), callback_data=f"rk:1:n:{n}") for n in (0, 5, 10)],
        [InlineKeyboardButton(text="Annuler", callback_data="rk:1:cancel:0")],
    ]
)


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    session = TelegramSession(api=TelegramAPIServer.from_base(sandbox.base_url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


async def test_a_call_goes_as_json_and_keeps_every_value(sandbox: Sandbox, bot: Bot) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/start")
    sent = await bot.send_message(
        anna.id, "<b>0</b> porte", reply_markup=KEYPAD, disable_notification=False
    )
    [call] = [r for r in sandbox.requests if r.method == "sendMessage"]
    assert call.content_type == "application/json" and call.ok
    # A zero, a False and the default parse mode are sent, as aiogram's form sends them.
    assert call.params["disable_notification"] is False
    assert call.params["parse_mode"] == "HTML"
    [shown] = anna.replies()
    assert shown.text == "0 porte" and shown.all_buttons == ["0", "5", "10", "Annuler"]
    assert shown.data_of("0") == "rk:1:n:0"
    # aiogram's reading of the answer is unchanged: the message, its keypad.
    assert sent.message_id == shown.message_id and sent.reply_markup is not None
    assert [[b.callback_data for b in row] for row in sent.reply_markup.inline_keyboard] == [
        [b.callback_data for b in row] for row in KEYPAD.inline_keyboard
    ]


async def test_a_time_goes_as_unix_time(sandbox: Sandbox, bot: Bot) -> None:
    body = bot.session.json_body(  # type: ignore[attr-defined]
        bot, CreateChatInviteLink(chat_id=-100, expire_date=datetime(2026, 12, 8, tzinfo=UTC))
    )
    assert body is not None and json.loads(body)["expire_date"] == 1796688000


async def test_an_upload_goes_as_multipart(sandbox: Sandbox, bot: Bot) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/start")
    data = BufferedInputFile(b"mission,portes\n1,40\n", filename="export.csv")
    await bot.send_document(anna.id, data, caption="Export")
    [call] = [r for r in sandbox.requests if r.method == "sendDocument"]
    assert call.content_type == "multipart/form-data" and call.ok
    [shown] = anna.replies()
    assert shown.document is not None and shown.document.data == b"mission,portes\n1,40\n"


async def test_a_refused_call_raises_as_before(sandbox: Sandbox, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(chat_id=424242)
    [call] = [r for r in sandbox.requests if r.method == "getChat"]
    assert call.content_type == "application/json" and call.error_code == 400


async def test_an_answers_keypad_is_the_one_sent(sandbox: Sandbox, bot: Bot) -> None:
    """Telegram's copy of the keypad is not parsed again: the message answered carries the
    object sent, which is what Telegram shows."""
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/start")
    sent = await bot.send_message(anna.id, "Portes ?", reply_markup=KEYPAD)
    assert sent.reply_markup is KEYPAD
    assert sent.chat.id == anna.id and sent.text == "Portes ?"
    [shown] = anna.replies()
    assert shown.all_buttons == ["0", "5", "10", "Annuler"]
    other = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Oui", callback_data="y")]]
    )
    edited = await bot.edit_message_text(
        "Sûr ?", chat_id=anna.id, message_id=sent.message_id, reply_markup=other
    )
    assert not isinstance(edited, bool) and edited.reply_markup is other
    [shown] = anna.replies()
    assert shown.text == "Sûr ?" and shown.all_buttons == ["Oui"]
    # Without a keypad sent, the answer is read as aiogram reads it.
    bare = await bot.edit_message_reply_markup(
        chat_id=anna.id, message_id=sent.message_id, reply_markup=None
    )
    assert not isinstance(bare, bool) and bare.reply_markup is None


async def test_a_refused_call_with_a_keypad_raises_as_before(sandbox: Sandbox, bot: Bot) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    await anna.send("/start")
    sandbox.inject_error("sendMessage", 400, "Bad Request: injected refusal")
    with pytest.raises(TelegramBadRequest, match="injected refusal"):
        await bot.send_message(anna.id, "Portes ?", reply_markup=KEYPAD)
    sandbox.inject_error("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(anna.id, "Portes ?", reply_markup=KEYPAD)
    assert anna.replies() == []
