"""Test-facing handle of a group, supergroup or channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .entities import command_entities
from .state import Chat
from .users import User, _Talker
from .views import Message

if TYPE_CHECKING:
    from .core import Sandbox


class Group(_Talker):
    """A group, supergroup or channel; the bot is an administrator there."""

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

    def kick_bot(self) -> None:
        """Remove the bot: later sends here get 403."""
        self.chat.bot_removed = True

    async def post(self, text: str) -> Message:
        """A channel post (update type ``channel_post``) with this text."""
        if self.chat.type != "channel":
            raise AssertionError("post() is for channels; in groups use user.send(text, chat=g)")
        message = self.sb.add_message(
            self.chat, sender=None, from_bot=False, text=text, entities=command_entities(text)
        )
        self.sb.push_update("channel_post", message.api())
        return message.view()
