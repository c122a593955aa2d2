"""A local stand-in for the Telegram Bot API, for tests, benchmarks and demos.

The bot talks to it over HTTP exactly as to api.telegram.org (``{base_url}/bot<token>/<method>``,
files at ``{base_url}/file/bot<token>/<path>``); this package imports nothing of Terrain.

Tour::

    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from sandbox import Sandbox

    sb = Sandbox(token="123456:TEST-token-abcdefghijklmnopqrstuvwxyz",
                 bot_username="terrain_test_bot")
    await sb.start()                      # 127.0.0.1, free port; sb.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url))
    bot = Bot(sb.token, session=session)  # then dp.start_polling(bot) in a task

    alice = sb.user("Alice", last_name="Martin", username="alice", language_code="fr")
    await alice.send("/start t_abc")      # private text; /commands get bot_command entities
    await alice.expect("Welcome")         # a bot message (new or edited) after her last action
    await alice.press("Accept")           # inline button by text (exact, else unique substring)
    await alice.press(callback_data="forged:1", message_id=3)
    await alice.send_contact("+33612345678")              # her own contact (user_id = alice.id)
    await alice.send_contact("+336...", user_id=bob.id)   # someone else's
    await alice.send_location(48.39, -4.48)
    await alice.tap("Share my phone")     # reply-keyboard button (request_contact -> contact)
    await alice.reply_to(5, "text")
    await alice.send("/help", duplicate=True)   # the same update (same update_id) twice
    alice.block(); alice.unblock()        # 403 "bot was blocked by the user" meanwhile

    alice.transcript      # [Message] as she sees them now: edits applied, deletions gone
    alice.last            # latest bot Message; alice.texts(): visible texts of bot messages
    alice.replies()       # bot messages new or edited since her last action
    alice.keyboard        # reply keyboard shown now (rows of texts) or None
    alice.callback_answers                # [CallbackAnswer(text, show_alert, ...)]

    group = sb.group("Organizers", kind="supergroup")     # or "group", "channel"
    group.add(alice, status="administrator")
    await alice.send("/report", chat=group)
    await channel.post("text")            # a channel_post update
    group.bot_status = "member"           # the bot not an admin: getChatMember says so, no pins
    group.pinned                          # id of the message pinned last (pinChatMessage)
    group.kick_bot(by=alice)              # 403s from now on, and a my_chat_member update

    await sb.settle()      # all updates confirmed + no bot request for 0.15 s: for negatives
    sb.commands(scope={"type": "default"}, language_code="fr")   # exactly as set
    sb.menu(alice)         # the menu alice sees, resolved through scopes like Telegram
    sb.requests / sb.calls("sendMessage") / sb.errors()          # the request log
    sb.inject_error("sendMessage", 429, retry_after=3, count=1, chat_id=alice.id)
    await sb.stop()

Message (sandbox.views.Message): message_id, chat_id, from_bot, text (visible text, or the
caption of a media message), html (as sent with parse_mode=HTML), entities, buttons /
button_data (inline keyboard rows), reply_keyboard, document (file_name, mime_type, data),
photo (bytes), contact, location, reply_to_message_id, edited, date, raw (the Telegram object).

Strictness: unknown parameters are refused (400 "unknown parameter X"); types are checked
against the table in sandbox/schema.py (copied from the official spec); texts, captions,
keyboards, callback data and HTML are validated with Telegram's limits and wording. The
sandbox also answers 403 "bot can't initiate conversation with a user" to a user who never
wrote to the bot, like Telegram. Only parse_mode HTML is parsed (Markdown is refused).
"""

from .core import DEFAULT_TOKEN, Sandbox
from .errors import ApiError
from .groups import Group
from .users import User
from .views import CallbackAnswer, Document, Message, RequestRecord

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallbackAnswer",
    "Document",
    "Group",
    "Message",
    "RequestRecord",
    "Sandbox",
    "User",
]
