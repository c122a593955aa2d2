"""Test-facing handles: a User who talks to the bot, a Group or channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .entities import command_entities
from .messages import member_object
from .state import Chat, StoredMessage
from .views import CallbackAnswer, Message

if TYPE_CHECKING:
    from .core import Sandbox
    from .groups import Group

T = TypeVar("T")


@dataclass(slots=True)
class PendingQuery:
    """A callback query the bot has not answered yet."""

    query_id: str
    user: User
    data: str | None
    message_id: int | None


class _Talker:
    """What a user and a group share: a chat with a transcript."""

    sb: Sandbox
    id: int

    @property
    def transcript(self) -> list[Message]:
        return self.sb.transcript(self.id)

    @property
    def last(self) -> Message | None:
        """The latest bot message in the chat."""
        bot = [m for m in self.sb.chat(self.id).visible() if m.from_bot]
        return bot[-1].view() if bot else None

    def texts(self) -> list[str]:
        """Visible texts of the bot's messages in the chat, oldest first."""
        return [m.text for m in self.transcript if m.from_bot]


class User(_Talker):
    """A Telegram user. Actions are ``async`` (they queue updates); reads are properties."""

    def __init__(
        self,
        sb: Sandbox,
        id: int,  # noqa: A002
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        is_premium: bool = False,
    ) -> None:
        self.sb, self.id = sb, id
        self.first_name, self.last_name, self.username = first_name, last_name, username
        self.language_code, self.is_premium = language_code, is_premium
        self.phone = f"+3361{id % 10_000_000:07d}"  # shared by request_contact buttons
        self.blocked = False
        self.started = False  # has written to the bot in private at least once
        self.callback_answers: list[CallbackAnswer] = []
        self._mark = 0  # sandbox seq right after this user's last action
        self._mark_time = 0.0
        self._chat_id = id  # chat of the last action

    def __repr__(self) -> str:
        return f"User({self.first_name!r}, id={self.id})"

    def api(self) -> dict[str, Any]:
        """The Telegram User object."""
        body: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        if self.is_premium:
            body["is_premium"] = True
        return body

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def keyboard(self) -> list[list[str]] | None:
        """Rows of the reply keyboard shown in the private chat now, or None."""
        markup = self.sb.chat(self.id).reply_keyboard
        if markup is None:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]]

    # -- actions -------------------------------------------------------------------------------
    def _chat(self, chat: Group | int | None) -> Chat:
        target = self.sb.chat(self.id if chat is None else chat)
        if target.type == "channel":
            raise AssertionError("users cannot post in a channel; use Group.post()")
        if target.type != "private" and self.id not in target.members:
            raise AssertionError(f"{self!r} is not a member of {target.title!r}: group.add(user)")
        if target.type == "private" and target.id != self.id:
            raise AssertionError("a user can only write in their own private chat with the bot")
        return target

    def _message(self, chat: Chat, duplicate: bool = False, **content: Any) -> Message:
        message = self.sb.add_message(chat, sender=self.api(), from_bot=False, **content)
        if chat.type == "private":
            self.started = True
        self._acted(chat)
        update = self.sb.push_update("message", message.api())
        if duplicate:
            self.sb.push_raw(update)
        return message.view()

    def _acted(self, chat: Chat) -> None:
        self._mark, self._chat_id = self.sb.seq, chat.id
        self._mark_time = self.sb.now()

    async def send(
        self,
        text: str,
        *,
        chat: Group | int | None = None,
        reply_to: int | None = None,
        duplicate: bool = False,
    ) -> Message:
        """Send a text message (``/commands`` get ``bot_command`` entities like in Telegram).
        ``duplicate=True`` queues the identical update (same update_id) twice."""
        target = self._chat(chat)
        replied = self._replied(target, reply_to)
        entities = command_entities(text)
        return self._message(target, duplicate, text=text, entities=entities, reply_to=replied)

    async def reply_to(
        self, message_id: int, text: str, *, chat: Group | int | None = None
    ) -> Message:
        return await self.send(text, chat=chat, reply_to=message_id)

    def _replied(self, chat: Chat, message_id: int | None) -> StoredMessage | None:
        if message_id is None:
            return None
        replied = chat.find(message_id)
        if replied is None:
            raise AssertionError(f"no message {message_id} in chat {chat.id}")
        return replied

    async def send_contact(
        self,
        phone: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        chat: Group | int | None = None,
    ) -> Message:
        """Share a contact: one's own by default, someone else's with user_id/first_name."""
        own = user_id is None and first_name is None
        contact: dict[str, Any] = {"phone_number": phone}
        if own:
            contact["first_name"] = self.first_name
            if self.last_name:
                contact["last_name"] = self.last_name
            contact["user_id"] = self.id
        else:
            known = self.sb.users.get(user_id) if user_id is not None else None
            contact["first_name"] = first_name or (known.first_name if known else "Contact")
            last = last_name or (known.last_name if known else None)
            if last:
                contact["last_name"] = last
            if user_id is not None:
                contact["user_id"] = user_id
        return self._message(self._chat(chat), contact=contact)

    async def send_location(
        self, latitude: float, longitude: float, *, chat: Group | int | None = None
    ) -> Message:
        location = {"latitude": latitude, "longitude": longitude}
        return self._message(self._chat(chat), location=location)

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: Group | int | None = None,
    ) -> Message:
        """Send a file; the bot can fetch it with getFile and the file URL."""
        stored = self.sb.new_file(file_name, mime_type, data, (0, 0))
        return self._message(self._chat(chat), document=stored, caption=caption)

    async def tap(self, text: str, *, location: tuple[float, float] | None = None) -> Message:
        """Tap a reply-keyboard button: sends its text, or the contact/location it requests."""
        chat = self._chat(None)
        markup = chat.reply_keyboard
        buttons = [b for row in (markup or {}).get("keyboard", []) for b in row]
        button = next(
            (b for b in buttons if (b if isinstance(b, str) else b["text"]) == text), None
        )
        if button is None:
            raise AssertionError(f"no reply keyboard button {text!r}; keyboard: {self.keyboard}")
        if markup is not None and markup.get("one_time_keyboard"):
            chat.reply_keyboard = None
        if isinstance(button, dict) and button.get("request_contact"):
            return await self.send_contact(self.phone)
        if isinstance(button, dict) and button.get("request_location"):
            if location is None:
                raise AssertionError(
                    "this button requests a location: tap(text, location=(lat, lon))"
                )
            return await self.send_location(*location)
        return await self.send(text)

    async def press(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message_id: int | None = None,
        chat: Group | int | None = None,
        wait: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> str:
        """Press an inline button by its text (exact, else a unique substring) on the latest
        bot message that has it; or forge a press with ``callback_data`` (on ``message_id``,
        default the latest bot message). Returns the callback query id. Waits up to
        ``timeout`` for the button to appear (the bot may still be answering).

        With ``wait`` (default), return once the bot has answered the query
        (answerCallbackQuery), as a Telegram client shows a spinner until then; a bot that
        never answers fails the test after ``timeout``."""
        if text is None and callback_data is None:
            raise TypeError("press() needs a button text or callback_data=")
        target = self._chat(chat)
        missing = ""

        def find() -> tuple[StoredMessage, str] | None:
            # The button may not be there yet: the bot is still answering the last action.
            nonlocal missing
            bot_messages = [m for m in target.visible() if m.from_bot]
            if message_id is not None:
                bot_messages = [m for m in bot_messages if m.message_id == message_id]
            try:
                if callback_data is not None:
                    if not bot_messages:
                        raise _NoButton(f"no bot message {message_id or ''} to press a button on")
                    return bot_messages[-1], callback_data
                assert text is not None
                return _find_button(bot_messages, text)
            except _NoButton as error:
                missing = str(error)
                return None

        message, data = await self.sb.wait_until(
            find, timeout, lambda: missing + "\n" + self._report(None, timeout), target.id
        )
        query_id = self.sb.new_query_id()
        self.sb.callbacks[query_id] = PendingQuery(query_id, self, data, message.message_id)
        self._acted(target)
        payload = {
            "id": query_id,
            "from": self.api(),
            "message": message.api(),
            "chat_instance": str(abs(target.id * 7919 + 1)),
            "data": data,
        }
        self.sb.push_update("callback_query", payload)
        if wait:
            await self.sb.wait_until(
                lambda: query_id not in self.sb.callbacks,
                timeout,
                lambda: self._report(None, timeout).replace(
                    "the condition", f"an answer to the press of {data!r} (answerCallbackQuery)", 1
                ),
                self.id,  # answers wake the presser (see server._chat_of)
            )
        return query_id

    def block(self) -> None:
        """Block the bot: later sends to this user get 403 (and a my_chat_member update)."""
        self._member_change(blocked=True)

    def unblock(self) -> None:
        self._member_change(blocked=False)

    def _member_change(self, blocked: bool) -> None:
        if self.blocked == blocked:
            return
        self.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self.sb.push_update(
            "my_chat_member",
            {
                "chat": self.sb.chat(self.id).api(),
                "from": self.api(),
                "date": int(self.sb.now()),
                "old_chat_member": member_object(self.sb.bot_user, old),
                "new_chat_member": member_object(self.sb.bot_user, new),
            },
        )

    # -- waiting -------------------------------------------------------------------------------
    def replies(self, chat: Group | int | None = None) -> list[Message]:
        """Bot messages sent or edited since this user's last action (in that chat)."""
        target = self.sb.chat(self._chat_id if chat is None else chat)
        return [m.view() for m in target.visible() if m.from_bot and m.seq > self._mark]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy; return its value."""
        return await self.sb.wait_until(predicate, timeout, lambda: self._report(None, timeout))

    async def expect(
        self,
        substring: str,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        chat: Group | int | None = None,
    ) -> Message:
        """Wait for a bot message, new or edited after this user's last action in the chat
        (default: the chat of the last action), whose visible text contains ``substring``."""

        def found() -> Message | None:
            return next((m for m in self.replies(chat) if substring in m.text), None)

        target = self.sb.chat(self._chat_id if chat is None else chat).id
        return await self.sb.wait_until(
            found, timeout, lambda: self._report(substring, timeout), target
        )

    def _report(self, substring: str | None, timeout: float) -> str:
        chat_id = self._chat_id
        wanted = f"a bot message containing {substring!r}" if substring else "the condition"
        lines = [f"{self!r} waited {timeout}s for {wanted} in chat {chat_id}; transcript:"]
        lines += [f"  {m}" for m in self.sb.transcript(chat_id)[-12:]]
        failed = [r for r in self.sb.errors() if r.time >= self._mark_time - 1][-5:]
        if failed:
            lines.append("failed bot requests:")
            lines += [f"  {r}" for r in failed]
        return "\n".join(lines)


class _NoButton(AssertionError):
    """No such button (yet)."""


def _find_button(messages: list[StoredMessage], text: str) -> tuple[StoredMessage, str]:
    """The newest message with an inline button of this text (exact, else unique substring)."""

    def buttons(message: StoredMessage) -> list[dict[str, Any]]:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return [b for row in rows for b in row]

    for exact in (True, False):
        for message in reversed(messages):
            hits = [
                b for b in buttons(message)
                if (b["text"] == text if exact else text in b["text"])
            ]  # fmt: skip
            if not hits:
                continue
            if len(hits) > 1 and not exact:
                names = [b["text"] for b in hits]
                raise AssertionError(f"{text!r} matches several buttons: {names}")
            button = hits[0]
            if "callback_data" not in button:
                raise AssertionError(f"button {button['text']!r} has no callback_data: {button}")
            return message, button["callback_data"]
    seen = [[b["text"] for b in buttons(m)] for m in messages[-5:] if buttons(m)]
    raise _NoButton(f"no inline button {text!r}; recent keyboards: {seen}")
