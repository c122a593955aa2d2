"""Bot API methods about chats and messages: send, edit, delete, callbacks, files."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from . import errors
from .entities import format_text, utf16_len
from .errors import ApiError, bad_request, forbidden
from .state import Chat, StoredFile, StoredMessage, image_size
from .validate import UploadedFile

if TYPE_CHECKING:
    from .core import Sandbox

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NO_PIN_RIGHTS = "not enough rights to manage pinned messages in the chat"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the"
    " same as a current content and reply markup of the message"
)


class MessageMethods:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    # -- helpers ---------------------------------------------------------------------------
    def resolve_chat(self, chat_id: int | str) -> Chat:
        chat: Chat | None = None
        if isinstance(chat_id, int):
            chat = self.sb.chats.get(chat_id)
        elif chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(
                (c for c in self.sb.chats.values() if c.username and c.username.lower() == name),
                None,
            )
            if chat is not None and chat.type == "private":
                chat = None  # a user's @username does not identify a chat for bots
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat

    def writable_chat(self, chat_id: int | str) -> Chat:
        """The chat, after checking the bot may write there (blocked users, kicked bot)."""
        chat = self.resolve_chat(chat_id)
        if chat.type == "private":
            user = self.sb.users[chat.id]
            if user.blocked:
                raise forbidden(errors.BLOCKED)
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_removed:
            if chat.type == "group":
                raise forbidden("bot was kicked from the group chat")
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def formatted(
        self, params: dict[str, Any], key: str, entities_key: str, limit: int, what: str
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        """Visible text, entities and HTML source of the text or caption in ``params``."""
        raw = params.get(key, "")
        parse_mode = params.get("parse_mode")
        if params.get(entities_key) is not None:
            text, entities = raw.strip(), list(params[entities_key])
            total = utf16_len(text)
            for entity in entities:
                if entity["offset"] + entity["length"] > total:
                    raise bad_request("can't parse entities: entity is out of the text bounds")
        else:
            text, entities = format_text(raw, parse_mode)
        length = utf16_len(text)
        if what == "message" and length == 0:
            raise bad_request("message text is empty")
        if length > limit:
            raise bad_request(
                "message is too long" if what == "message" else "message caption is too long"
            )
        source = raw if parse_mode and parse_mode.lower() == "html" else None
        return text, entities, source

    def markup(self, chat: Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a reply_markup: returns the inline keyboard that belongs to the message."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
        return markup if "inline_keyboard" in markup else None

    def reply_target(self, chat: Chat, params: dict[str, Any]) -> StoredMessage | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        target_chat = chat if reply.get("chat_id") is None else self.resolve_chat(reply["chat_id"])
        target = target_chat.find(reply["message_id"])
        if target is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def bot_message(self, chat: Chat, params: dict[str, Any], **content: Any) -> StoredMessage:
        reply_to = self.reply_target(chat, params)
        inline = self.markup(chat, params)
        return self.sb.add_message(
            chat,
            sender=self.sb.bot_user,
            from_bot=True,
            reply_to=reply_to,
            reply_markup=inline,
            sent_markup=params.get("reply_markup"),
            **content,
        )

    def stored_file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        if isinstance(value, str):
            known = self.sb.files.get(value)
            if known is not None:
                if kind == "photo" and known.width == 0:
                    raise bad_request("can't use file of type Document as Photo")
                return known
            if value.startswith(("http://", "https://")):
                raise bad_request(
                    "failed to get HTTP URL content (the sandbox has no network: upload the file)"
                )
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not value.data:
            raise bad_request("file must be non-empty")
        if len(value.data) > errors.MAX_FILE_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        mime = value.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(value.file_name)[0] or "application/octet-stream"
        size = (0, 0)
        if kind == "photo":
            found = image_size(value.data)
            if found is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            size = found
        return self.sb.new_file(value.file_name, mime, value.data, size)

    def editable(self, params: dict[str, Any], what: str = "edit") -> StoredMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the sandbox")
        for key in ("chat_id", "message_id"):
            if params.get(key) is None:
                raise bad_request(f'parameter "{key}" is required')
        chat = self.writable_chat(params["chat_id"])
        message = chat.find(params["message_id"])
        if message is None:
            raise bad_request(f"message to {what} not found")
        if what == "edit" and not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    # -- sending -----------------------------------------------------------------------------
    def sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self.writable_chat(p["chat_id"])
        text, entities, source = self.formatted(p, "text", "entities", errors.MAX_TEXT, "message")
        message = self.bot_message(chat, p, text=text, entities=entities, source=source)
        return message.api()

    def _send_file(self, p: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self.writable_chat(p["chat_id"])
        caption, entities, source = self.formatted(
            p, "caption", "caption_entities", errors.MAX_CAPTION, "caption"
        )
        stored = self.stored_file(p[kind], kind)
        message = self.bot_message(
            chat,
            p,
            caption=caption or None,
            entities=entities,
            source=source,
            **{kind: stored},
        )
        return message.api()

    def sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(p, "document")

    def sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(p, "photo")

    def sendChatAction(self, p: dict[str, Any]) -> bool:
        chat = self.writable_chat(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = p["action"]
        return True

    # -- editing and deleting ------------------------------------------------------------------
    def editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("rich_message") is not None:
            raise bad_request("rich messages are not supported by the sandbox")
        if p.get("text") is None:
            raise bad_request('parameter "text" is required')
        message = self.editable(p)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities, source = self.formatted(p, "text", "entities", errors.MAX_TEXT, "message")
        markup = p.get("reply_markup")
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.source = text, entities, source
        message.reply_markup = message.sent_markup = markup
        return self.sb.touch(message).api()

    def editMessageCaption(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self.editable(p)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities, source = self.formatted(
            p, "caption", "caption_entities", errors.MAX_CAPTION, "caption"
        )
        markup = p.get("reply_markup")
        current = (message.caption or "", message.entities, message.reply_markup)
        if (caption, entities, markup) == current:
            raise bad_request(NOT_MODIFIED)
        message.caption, message.entities, message.source = caption or None, entities, source
        message.reply_markup = message.sent_markup = markup
        return self.sb.touch(message).api()

    def editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self.editable(p)
        markup = p.get("reply_markup")
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = message.sent_markup = markup
        return self.sb.touch(message).api()

    def deleteMessage(self, p: dict[str, Any]) -> bool:
        message = self.editable(p, what="delete")
        message.deleted = True
        self.sb.touch(message, edited=False)
        return True

    def deleteMessages(self, p: dict[str, Any]) -> bool:
        ids = p["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        chat = self.writable_chat(p["chat_id"])
        found = [m for m in (chat.find(i) for i in ids) if m is not None]
        if not found:
            raise bad_request("message to delete not found")
        for message in found:
            message.deleted = True
            self.sb.touch(message, edited=False)
        return True

    # -- callbacks, chats, files ---------------------------------------------------------------
    def answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query = self.sb.callbacks.pop(p["callback_query_id"], None)
        if query is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(text) > errors.MAX_CALLBACK_ANSWER:
            self.sb.callbacks[p["callback_query_id"]] = query
            raise bad_request("MESSAGE_TOO_LONG: callback answer text is over 200 characters")
        self.sb.record_answer(query, text, bool(p.get("show_alert")), p.get("url"))
        return True

    def getChat(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.resolve_chat(p["chat_id"]).full_info()

    def getChatMember(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self.resolve_chat(p["chat_id"])
        user_id = p["user_id"]
        if user_id == self.sb.bot_user["id"]:
            status = "member" if chat.type == "private" else chat.bot_status
            return member_object(self.sb.bot_user, "left" if chat.bot_removed else status)
        user = self.sb.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if chat.type == "private":
            status = "member" if chat.id == user_id else "left"
        else:
            status = chat.members.get(user_id, "left")
        return member_object(user.api(), status)

    # -- pins ----------------------------------------------------------------------------------
    def pinnable_chat(self, chat_id: int | str) -> Chat:
        """The chat, after checking the bot may pin there: anyone in a private chat, an
        administrator (who has can_pin_messages) in groups and channels."""
        chat = self.writable_chat(chat_id)
        if chat.type != "private" and chat.bot_status not in ("administrator", "creator"):
            raise bad_request(NO_PIN_RIGHTS)
        return chat

    def pinChatMessage(self, p: dict[str, Any]) -> bool:
        chat = self.pinnable_chat(p["chat_id"])
        if chat.find(p["message_id"]) is None:
            raise bad_request("message to pin not found")
        chat.pinned = p["message_id"]
        self.sb.changed()
        return True

    def unpinChatMessage(self, p: dict[str, Any]) -> bool:
        chat = self.pinnable_chat(p["chat_id"])
        message_id = p.get("message_id")
        if message_id is not None and chat.find(message_id) is None:
            raise bad_request("message to unpin not found")
        if message_id is None or message_id == chat.pinned:
            chat.pinned = None
        self.sb.changed()
        return True

    def getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.sb.files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_post_messages", "can_edit_messages",
    "can_pin_messages", "can_send_welcome_messages",
)  # fmt: skip


def member_object(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object with the fields its status requires."""
    body: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        body["is_anonymous"] = False
    elif status == "administrator":
        body.update({"can_be_edited": False, "is_anonymous": False})
        body.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    elif status == "kicked":
        body["until_date"] = 0
    return body
