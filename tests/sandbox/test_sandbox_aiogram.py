"""A real aiogram Bot against the sandbox: its requests are accepted, errors map to its types."""

from __future__ import annotations

import struct
import zlib

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from sandbox import Sandbox, User


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def alice(sb: Sandbox) -> User:
    user = sb.user("Alice", last_name="Martin", username="alice", language_code="fr")
    await user.send("/start")
    return user


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "terrain_test_bot", True)


async def test_send_message_with_inline_keyboard(bot: Bot, alice: User) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(text="Accept", callback_data="consent:yes")
    builder.button(text="Decline", callback_data="consent:no")
    builder.button(text="Notice", url="https://example.org/notice")
    builder.adjust(2)
    sent = await bot.send_message(
        alice.id,
        "<b>Consent</b> &amp; privacy",
        parse_mode="HTML",
        reply_markup=builder.as_markup(),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        disable_notification=True,
        protect_content=False,
    )
    assert sent.text == "Consent & privacy"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert sent.from_user is not None and sent.from_user.is_bot
    last = alice.last
    assert last is not None
    assert last.buttons == [["Accept", "Decline"], ["Notice"]]
    assert last.button_data == [["consent:yes", "consent:no"], ["https://example.org/notice"]]


async def test_reply_keyboard_and_removal(bot: Bot, alice: User) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share my phone", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await bot.send_message(alice.id, "Your phone?", reply_markup=markup)
    assert alice.keyboard == [["Share my phone"]]
    sent = await alice.tap("Share my phone")
    assert sent.contact is not None and sent.contact["user_id"] == alice.id
    assert alice.keyboard is None  # one-time keyboard hidden after use
    await bot.send_message(alice.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert alice.last is not None and alice.last.remove_keyboard


async def test_reply_parameters(bot: Bot, alice: User) -> None:
    sent = await bot.send_message(alice.id, "Re", reply_parameters=ReplyParameters(message_id=1))
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"


async def test_send_document_and_photo(sb: Sandbox, bot: Bot, alice: User) -> None:
    document = await bot.send_document(
        alice.id,
        BufferedInputFile(b"id;name\n1;x\n", filename="export.csv"),
        caption="<i>Export</i>",
        parse_mode="HTML",
    )
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "export.csv",
        "text/csv",
    )
    assert document.caption == "Export"
    photo = await bot.send_photo(alice.id, BufferedInputFile(png(3, 2), filename="chart.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    views = [m for m in alice.transcript if m.from_bot]
    assert views[-2].document is not None and views[-2].document.data == b"id;name\n1;x\n"
    assert views[-1].photo == png(3, 2)
    # resend by file_id, and download through getFile
    again = await bot.send_document(alice.id, document.document.file_id)
    assert again.document is not None and again.document.file_id == document.document.file_id
    file = await bot.get_file(document.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"id;name\n1;x\n"


async def test_commands_per_scope_and_language(sb: Sandbox, bot: Bot, alice: User) -> None:
    organizers = sb.group("Organizers")
    organizers.add(alice, status="administrator")
    default = [BotCommand(command="start", description="Start")]
    french = [BotCommand(command="start", description="Démarrer")]
    private = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    group = [BotCommand(command="report", description="Report")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(french, language_code="fr")
    assert await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    assert await bot.set_my_commands(group, scope=BotCommandScopeChat(chat_id=organizers.id))
    member = BotCommandScopeChatMember(chat_id=organizers.id, user_id=alice.id)
    assert await bot.set_my_commands(group + default, scope=member)

    assert sb.commands() == [{"command": "start", "description": "Start"}]
    assert sb.commands(language_code="fr") == [{"command": "start", "description": "Démarrer"}]
    assert [c["command"] for c in sb.commands({"type": "all_private_chats"})] == ["start", "help"]
    fetched = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in fetched] == ["start", "help"]

    bob = sb.user("Bob", language_code="fr")
    assert [c["command"] for c in sb.menu(alice)] == ["start", "help"]
    assert [c["command"] for c in sb.menu(alice, organizers)] == ["report", "start"]
    organizers.add(bob)
    assert [c["command"] for c in sb.menu(bob, organizers)] == ["report"]
    assert await bot.delete_my_commands(scope=member)
    assert [c["command"] for c in sb.menu(alice, organizers)] == ["report"]


async def test_get_chat_and_member_parse(sb: Sandbox, bot: Bot, alice: User) -> None:
    group = sb.group("Organizers", username="terrain_orga")
    group.add(alice, status="administrator")
    chat = await bot.get_chat("@terrain_orga")
    assert (chat.id, chat.type, chat.title) == (group.id, "supergroup", "Organizers")
    assert str(group.id).startswith("-100")
    private = await bot.get_chat(alice.id)
    assert (private.first_name, private.last_name, private.username) == ("Alice", "Martin", "alice")
    member = await bot.get_chat_member(group.id, alice.id)
    assert isinstance(member, ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(alice.id, alice.id), ChatMemberMember)


async def test_edit_and_delete(bot: Bot, alice: User) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    sent = await bot.send_message(alice.id, "Step 1", reply_markup=markup)
    edited = await bot.edit_message_text(
        text="Step 2", chat_id=alice.id, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id)
    last = alice.last
    assert last is not None and (last.text, last.buttons, last.edited) == ("Step 2", [], True)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="Step 2", chat_id=alice.id, message_id=sent.message_id)
    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)


async def test_errors_map_to_aiogram_exceptions(sb: Sandbox, bot: Bot, alice: User) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(alice.id, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(4242, "x")
    sb.inject_error("sendMessage", 429, retry_after=5)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(alice.id, "x")
    assert retry.value.retry_after == 5
    alice.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "x")
    other = Bot("999:wrong-token-abcdefghijklmnopqrstuvwxyz", session=bot.session)
    with pytest.raises(TelegramUnauthorizedError):
        await other.get_me()


async def test_chat_action_and_webhook_calls(sb: Sandbox, bot: Bot, alice: User) -> None:
    assert await bot.send_chat_action(alice.id, "typing")
    assert await bot.set_webhook("https://bot.example.org/hook", secret_token="abc_DEF-123")
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/hook"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert sb.webhook == {}
