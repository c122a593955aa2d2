"""Pinning in the sandbox: pinChatMessage / unpinChatMessage with Telegram's rights and
errors, the bot as a plain member, and the my_chat_member update when it is removed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandbox import Sandbox
from tests.sandbox.conftest import Call

ExpectError = Callable[..., Awaitable[None]]


async def _sent(call: Call, chat_id: int, text: str = "dashboard") -> int:
    status, body = await call("sendMessage", chat_id=chat_id, text=text)
    assert status == 200, body
    return int(body["result"]["message_id"])


async def test_admin_bot_pins_and_unpins(sb: Sandbox, call: Call) -> None:
    group = sb.group("Organizers")
    first = await _sent(call, group.id)
    second = await _sent(call, group.id)
    assert await call("pinChatMessage", chat_id=group.id, message_id=first) == (
        200,
        {"ok": True, "result": True},
    )
    assert group.pinned == first
    status, _ = await call(
        "pinChatMessage", chat_id=group.id, message_id=second, disable_notification=True
    )
    assert status == 200 and group.pinned == second
    # Unpinning another message leaves the latest pin in place; no id unpins the latest.
    assert (await call("unpinChatMessage", chat_id=group.id, message_id=first))[0] == 200
    assert group.pinned == second
    assert (await call("unpinChatMessage", chat_id=group.id))[0] == 200
    assert group.pinned is None


async def test_pin_refusals(sb: Sandbox, call: Call, expect_error: ExpectError) -> None:
    group = sb.group("Organizers")
    message_id = await _sent(call, group.id)
    await expect_error(
        "pinChatMessage", "Bad Request: message to pin not found", chat_id=group.id, message_id=99
    )
    await expect_error(
        "unpinChatMessage",
        "Bad Request: message to unpin not found",
        chat_id=group.id,
        message_id=99,
    )
    await expect_error(
        "pinChatMessage", "Bad Request: chat not found", chat_id=-123, message_id=message_id
    )
    await expect_error(
        "pinChatMessage",
        "Bad Request: unknown parameter silent",
        chat_id=group.id,
        message_id=message_id,
        silent=True,
    )
    group.bot_status = "member"
    rights = "Bad Request: not enough rights to manage pinned messages in the chat"
    await expect_error("pinChatMessage", rights, chat_id=group.id, message_id=message_id)
    await expect_error("unpinChatMessage", rights, chat_id=group.id)
    assert group.pinned is None
    group.kick_bot()
    await expect_error(
        "pinChatMessage",
        "Forbidden: bot is not a member of the supergroup chat",
        403,
        chat_id=group.id,
        message_id=message_id,
    )


async def test_member_bot_is_reported_as_member(sb: Sandbox, call: Call) -> None:
    group = sb.group("Organizers", kind="group")
    bot_id = sb.bot_user["id"]

    async def status() -> Any:
        code, body = await call("getChatMember", chat_id=group.id, user_id=bot_id)
        assert code == 200, body
        return body["result"]

    admin = await status()
    assert admin["status"] == "administrator" and admin["can_pin_messages"] is True
    group.bot_status = "member"
    assert (await status()) == {"status": "member", "user": sb.bot_user}
    group.kick_bot()
    assert (await status())["status"] == "left"


async def test_private_chats_pin_without_rights(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    await alice.send("/start")
    message_id = await _sent(call, alice.id)
    assert (await call("pinChatMessage", chat_id=alice.id, message_id=message_id))[0] == 200


async def test_removing_the_bot_sends_my_chat_member(sb: Sandbox) -> None:
    group = sb.group("Organizers")
    alice = sb.user("Alice")
    group.add(alice, status="creator")
    group.kick_bot(by=alice)
    updates = [u["my_chat_member"] for u in sb.updates.pending if "my_chat_member" in u]
    assert len(updates) == 1
    assert updates[0]["chat"]["id"] == group.id and updates[0]["from"]["id"] == alice.id
    assert updates[0]["old_chat_member"]["status"] == "administrator"
    assert updates[0]["new_chat_member"]["status"] == "kicked"
