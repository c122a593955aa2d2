"""The sandbox's world: chats, stored messages, files and the update queue."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .views import Document, Message

# Update types Telegram sends when allowed_updates is empty or was never set.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str
    width: int = 0
    height: int = 0

    def document(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def photo_sizes(self) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.data),
            }
        ]


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None when it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return 1, 1
    return None


@dataclass(slots=True)
class StoredMessage:
    message_id: int
    chat: Chat
    date: int
    seq: int
    sender: dict[str, Any] | None  # the User object; None for a channel post
    from_bot: bool
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    source: str | None = None  # text or caption as sent, when parse_mode=HTML
    reply_markup: dict[str, Any] | None = None  # inline keyboard only (part of the message)
    sent_markup: dict[str, Any] | None = None  # the reply_markup as sent, any kind
    document: StoredFile | None = None
    photo: StoredFile | None = None
    contact: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    reply_to: StoredMessage | None = None
    edit_date: int | None = None
    deleted: bool = False

    def api(self, nested: bool = False) -> dict[str, Any]:
        """The Telegram Message object."""
        body: dict[str, Any] = {"message_id": self.message_id}
        if self.sender is not None:
            body["from"] = self.sender
        if self.chat.type == "channel":
            body["sender_chat"] = self.chat.api()
        body["chat"] = self.chat.api()
        body["date"] = self.date
        if self.edit_date is not None:
            body["edit_date"] = self.edit_date
        if self.reply_to is not None and not nested:
            body["reply_to_message"] = self.reply_to.api(nested=True)
        if self.text is not None:
            body["text"] = self.text
            if self.entities:
                body["entities"] = self.entities
        if self.document is not None:
            body["document"] = self.document.document()
        if self.photo is not None:
            body["photo"] = self.photo.photo_sizes()
        if self.caption is not None:
            body["caption"] = self.caption
            if self.entities:
                body["caption_entities"] = self.entities
        if self.contact is not None:
            body["contact"] = self.contact
        if self.location is not None:
            body["location"] = self.location
        if self.reply_markup is not None:
            body["reply_markup"] = self.reply_markup
        return body

    def view(self) -> Message:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        sent = self.sent_markup or {}
        keyboard = sent.get("keyboard")
        return Message(
            message_id=self.message_id,
            chat_id=self.chat.id,
            from_bot=self.from_bot,
            text=self.text if self.text is not None else (self.caption or ""),
            html=self.source,
            entities=tuple(self.entities),
            buttons=[[button["text"] for button in row] for row in rows],
            button_data=[
                [button.get("callback_data", button.get("url")) for button in row] for row in rows
            ],
            reply_keyboard=(
                [[b if isinstance(b, str) else b["text"] for b in row] for row in keyboard]
                if keyboard is not None
                else None
            ),
            remove_keyboard=bool(sent.get("remove_keyboard")),
            document=(
                Document(d.file_name, d.mime_type, d.data, d.file_id)
                if (d := self.document) is not None
                else None
            ),
            photo=self.photo.data if self.photo is not None else None,
            contact=self.contact,
            location=self.location,
            reply_to_message_id=self.reply_to.message_id if self.reply_to is not None else None,
            edited=self.edit_date is not None,
            date=self.date,
            sender_id=self.sender["id"] if self.sender is not None else None,
            raw=self.api(),
        )


@dataclass(slots=True)
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    person: dict[str, Any] | None = None  # the User object of a private chat's user
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    bot_removed: bool = False
    # The bot's own status in a group or channel: "administrator" (every right) or "member".
    bot_status: str = "administrator"
    pinned: int | None = None  # the message pinned most recently (one kept, like the chat bar)
    reply_keyboard: dict[str, Any] | None = None  # the reply keyboard shown now
    last_action: str | None = None

    def api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.person is not None:
            for key in ("first_name", "last_name", "username"):
                if self.person.get(key):
                    body[key] = self.person[key]
            return body
        body["title"] = self.title
        if self.username:
            body["username"] = self.username
        return body

    def full_info(self) -> dict[str, Any]:
        """ChatFullInfo, as getChat returns it."""
        return {
            **self.api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def visible(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]

    def find(self, message_id: int) -> StoredMessage | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


class UpdateQueue:
    """getUpdates semantics: at-least-once delivery, confirmation by a later, higher offset."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.next_id = 1
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self.delivered = 0  # number of updates handed out (with repeats)
        self._event = asyncio.Event()
        self._generation = 0
        self._released = 0

    def release(self) -> None:
        """End every waiting long poll now with an empty result (used when stopping)."""
        self._released += 1
        self._wake()

    def wants(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self.allowed

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a new update; return it (with its update_id) even when filtered out."""
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        if self.wants(kind):
            self.append(update)
        return update

    def append(self, update: dict[str, Any]) -> None:
        self.pending.append(update)
        self._wake()

    def drop_all(self) -> None:
        self.pending.clear()

    def confirm(self, update_id: int) -> None:
        """A webhook answered 2xx: the update is delivered for good."""
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self.delivered += 1
        self._wake()

    def wake(self) -> None:
        """Wake whoever waits on the queue (a webhook post ended)."""
        self._wake()

    def _wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def get(
        self,
        offset: int | None,
        limit: int,
        timeout: float,  # noqa: ASYNC109 - getUpdates long polling
        allowed: list[str] | None,
    ) -> list[dict[str, Any]]:
        self._generation += 1
        generation, released = self._generation, self._released
        self._wake()  # an older long poll still waiting now ends with 409
        if allowed is not None:
            self.allowed = frozenset(allowed) if allowed else None
        if offset is not None and offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset is not None and offset < 0:
            self.pending = self.pending[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only"
                    " one bot instance is running",
                )
            if self.pending:
                batch = self.pending[:limit]
                self.delivered += len(batch)
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0 or released != self._released:
                return []
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
