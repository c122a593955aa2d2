"""Test-facing handle of a group, supergroup or channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .entities import command_entities
from .messages import member_object
from .state import Chat
from .users import User, _Talker
from .views import Message

if TYPE_CHECKING:
    from .core import Sandbox


class Group(_Talker):
    """A group, supergroup or channel; the bot is an administrator there unless
    `bot_status` says "member"."""

    def __init__(self, sb: Sandbox, chat: Chat) -> None:
        self.sb, self.chat, self.id = sb, chat, chat.id

    def __repr__(self) -> str:
        return f"Group({self.chat.title!r}, {self.chat.type}, id={self.id})"

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def kind(self) -> str:
        return self.chat.type

    def add(self, *users: User, status: str = "member") -> Group:
        """Make users members ("member", "administrator" or "creator")."""
        for user in users:
            self.chat.members[user.id] = status
        return self

    def remove(self, user: User) -> None:
        self.chat.members.pop(user.id, None)

    @property
    def bot_status(self) -> str:
        """The bot's status here: "administrator" (the default, every right) or "member"
        (no right to pin); getChatMember on the bot's id answers it."""
        return self.chat.bot_status

    @bot_status.setter
    def bot_status(self, status: str) -> None:
        if status not in ("administrator", "member"):
            raise ValueError("bot_status is 'administrator' or 'member'")
        self.chat.bot_status = status

    @property
    def pinned(self) -> int | None:
        """The id of the message pinned most recently, or None."""
        return self.chat.pinned

    def kick_bot(self, by: User | None = None) -> None:
        """Remove the bot: later sends here get 403. With `by` (who removed it), the bot also
        gets the my_chat_member update Telegram sends."""
        old = "left" if self.chat.bot_removed else self.chat.bot_status
        self.chat.bot_removed = True
        if by is not None:
            self.sb.push_update(
                "my_chat_member",
                {
                    "chat": self.chat.api(),
                    "from": by.api(),
                    "date": int(self.sb.now()),
                    "old_chat_member": member_object(self.sb.bot_user, old),
                    "new_chat_member": member_object(self.sb.bot_user, "kicked"),
                },
            )

    async def post(self, text: str) -> Message:
        """A channel post (update type ``channel_post``) with this text."""
        if self.chat.type != "channel":
            raise AssertionError("post() is for channels; in groups use user.send(text, chat=g)")
        message = self.sb.add_message(
            self.chat, sender=None, from_bot=False, text=text, entities=command_entities(text)
        )
        self.sb.push_update("channel_post", message.api())
        return message.view()
