"""Read-only views handed to tests: messages as a user sees them, callback answers, requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """A file attached to a message."""

    file_name: str
    mime_type: str
    data: bytes
    file_id: str

    def __repr__(self) -> str:
        return f"Document({self.file_name!r}, {self.mime_type!r}, {len(self.data)} bytes)"


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a chat as it looks now (edits applied).

    ``text`` is the visible text (tags removed, entities decoded) or, for a photo or a
    document, the visible caption. ``html`` is the text or caption as the bot sent it when it
    used ``parse_mode=HTML``. ``buttons``/``button_data`` are the rows of the inline keyboard
    (texts / callback_data or url); ``reply_keyboard`` the rows of a reply keyboard the message
    carried.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    text: str
    html: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    buttons: list[list[str]] = field(default_factory=list)
    button_data: list[list[str | None]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    document: Document | None = None
    photo: bytes | None = None
    contact: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edited: bool = False
    date: int = 0
    sender_id: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def all_buttons(self) -> list[str]:
        """Inline button texts, flattened."""
        return [text for row in self.buttons for text in row]

    def data_of(self, button_text: str) -> str | None:
        """callback_data (or url) of the inline button with exactly this text."""
        for texts, data in zip(self.buttons, self.button_data, strict=True):
            for text, value in zip(texts, data, strict=True):
                if text == button_text:
                    return value
        raise KeyError(f"no inline button {button_text!r} in message {self.message_id}")

    def __str__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        parts = [f"#{self.message_id} {who}{' (edited)' if self.edited else ''}: {self.text!r}"]
        if self.document is not None:
            parts.append(f"[document {self.document.file_name} {self.document.mime_type}]")
        if self.photo is not None:
            parts.append(f"[photo {len(self.photo)} bytes]")
        if self.contact is not None:
            parts.append(f"[contact {self.contact.get('phone_number')}]")
        if self.location is not None:
            parts.append(f"[location {self.location['latitude']},{self.location['longitude']}]")
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        if self.reply_keyboard:
            parts.append(f"keyboard={self.reply_keyboard}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery to a press."""

    query_id: str
    data: str | None
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(slots=True)
class RequestRecord:
    """One request the bot made: decoded params and the outcome."""

    method: str
    params: dict[str, Any]
    time: float
    content_type: str = ""  # how the body came: application/json, multipart/form-data...
    ok: bool = False
    error_code: int | None = None
    description: str | None = None
    result: Any = None

    def __str__(self) -> str:
        if self.ok:
            outcome = "ok"
        elif self.error_code is None:
            outcome = "(in flight)"
        else:
            outcome = f"{self.error_code} {self.description}"
        return f"{self.method}({self.params}) -> {outcome}"
