"""Validation rules for keyboards, edits, callbacks, files and commands (Telegram's wording)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from sandbox import Sandbox, User

Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
ExpectError = Callable[..., Awaitable[None]]


def inline(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


# -- keyboards -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
async def test_callback_data_bytes(
    call: Call, alice: User, data: str, expect_error: ExpectError
) -> None:
    markup = inline([{"text": "Go", "callback_data": data}])
    await expect_error(
        "sendMessage",
        "Bad Request: BUTTON_DATA_INVALID",
        chat_id=alice.id,
        text="x",
        reply_markup=markup,
    )


async def test_callback_data_of_64_bytes_is_fine(call: Call, alice: User) -> None:
    markup = inline([{"text": "Go", "callback_data": "é" * 32}])
    assert (await call("sendMessage", chat_id=alice.id, text="x", reply_markup=markup))[0] == 200


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (
            inline([{"text": "t", "callback_data": "d"}] * 9),
            "too many buttons in the inline keyboard",
        ),
        (
            inline(*[[{"text": "t", "callback_data": "d"}] * 5] * 21),
            "too many buttons in the inline keyboard",
        ),
        (
            inline([{"text": "Plain"}]),
            "can't parse inline keyboard button: Text buttons are unallowed",
        ),
        (
            inline([{"callback_data": "d"}]),
            'can\'t parse inline keyboard button: Field "text" must be of type String',
        ),
        (
            inline([{"text": "t", "callback_data": "d", "url": "https://x.org"}]),
            "exactly one action field",
        ),
        (inline([{"text": "t", "url": "javascript:alert(1)"}]), "BUTTON_URL_INVALID"),
        (inline([{"text": "t", "callback_data": "d", "colour": "red"}]), 'unknown field "colour"'),
        ({"inline_keyboard": [{"text": "t"}]}, "must be an Array of Arrays"),
        ({"keyboard": [["a"] * 13]}, "too many buttons in the reply keyboard"),
        (
            {"keyboard": [[{"text": "a", "request_contact": True, "request_location": True}]]},
            "at most one request field",
        ),
        ({"remove_keyboard": False}, 'field "remove_keyboard" must be true'),
    ],
)
async def test_keyboard_rules(
    call: Call, alice: User, markup: dict[str, Any], description: str
) -> None:
    code, body = await call("sendMessage", chat_id=alice.id, text="x", reply_markup=markup)
    assert code == 400
    assert description in body["description"], body["description"]


async def test_keyboard_limits_accept_100_buttons_8_per_row(call: Call, alice: User) -> None:
    rows = [
        [{"text": f"{r}.{c}", "callback_data": f"{r}.{c}"} for c in range(8)] for r in range(12)
    ]
    rows.append([{"text": f"13.{c}", "callback_data": "x"} for c in range(4)])
    assert (await call("sendMessage", chat_id=alice.id, text="x", reply_markup=inline(*rows)))[
        0
    ] == 200


# -- edits, deletes, callbacks ---------------------------------------------------------------


async def test_edit_and_delete_missing_messages(
    call: Call, alice: User, expect_error: ExpectError
) -> None:
    await expect_error(
        "editMessageText",
        "Bad Request: message to edit not found",
        chat_id=alice.id,
        message_id=99,
        text="x",
    )
    await expect_error(
        "editMessageReplyMarkup",
        "Bad Request: message to edit not found",
        chat_id=alice.id,
        message_id=99,
    )
    await expect_error(
        "deleteMessage",
        "Bad Request: message to delete not found",
        chat_id=alice.id,
        message_id=99,
    )
    # the user's own message exists but the bot cannot edit it
    await expect_error(
        "editMessageText",
        "Bad Request: message can't be edited",
        chat_id=alice.id,
        message_id=1,
        text="x",
    )


async def test_message_not_modified(call: Call, alice: User) -> None:
    markup = inline([{"text": "Go", "callback_data": "go"}])
    _, sent = await call(
        "sendMessage", chat_id=alice.id, text="<b>Hi</b>", parse_mode="HTML", reply_markup=markup
    )
    message_id = sent["result"]["message_id"]
    not_modified = "Bad Request: message is not modified: specified new message content"
    code, body = await call(
        "editMessageText",
        chat_id=alice.id,
        message_id=message_id,
        text="<b>Hi</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert code == 400 and body["description"].startswith(not_modified)
    code, body = await call(
        "editMessageReplyMarkup", chat_id=alice.id, message_id=message_id, reply_markup=markup
    )
    assert code == 400 and body["description"].startswith(not_modified)
    # same text without the markup removes the keyboard, which is a modification
    code, _ = await call(
        "editMessageText",
        chat_id=alice.id,
        message_id=message_id,
        text="<b>Hi</b>",
        parse_mode="HTML",
    )
    assert code == 200
    assert alice.last is not None and alice.last.buttons == [] and alice.last.edited


async def test_deleted_message_is_gone(call: Call, alice: User, expect_error: ExpectError) -> None:
    _, sent = await call("sendMessage", chat_id=alice.id, text="temp")
    message_id = sent["result"]["message_id"]
    assert (await call("deleteMessage", chat_id=alice.id, message_id=message_id))[0] == 200
    assert "temp" not in alice.texts()
    await expect_error(
        "deleteMessage",
        "Bad Request: message to delete not found",
        chat_id=alice.id,
        message_id=message_id,
    )


async def test_answer_callback_query_rules(
    sb: Sandbox, call: Call, alice: User, expect_error: ExpectError
) -> None:
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    await expect_error("answerCallbackQuery", invalid, callback_query_id="123")
    await call(
        "sendMessage",
        chat_id=alice.id,
        text="Pick",
        reply_markup=inline([{"text": "A", "callback_data": "a"}]),
    )
    query_id = await alice.press("A", wait=False)  # no bot runs: the test answers
    code, body = await call("answerCallbackQuery", callback_query_id=query_id, text="x" * 201)
    assert code == 400 and "MESSAGE_TOO_LONG" in body["description"]
    code, _ = await call(
        "answerCallbackQuery", callback_query_id=query_id, text="Done", show_alert=True
    )
    assert code == 200
    assert alice.callback_answers[-1].text == "Done" and alice.callback_answers[-1].show_alert
    # a query is answered once
    await expect_error("answerCallbackQuery", invalid, callback_query_id=query_id)


async def test_reply_to_missing_message(call: Call, alice: User, expect_error: ExpectError) -> None:
    await expect_error(
        "sendMessage",
        "Bad Request: message to be replied not found",
        chat_id=alice.id,
        text="x",
        reply_parameters={"message_id": 50},
    )
    code, _ = await call(
        "sendMessage",
        chat_id=alice.id,
        text="x",
        reply_parameters={"message_id": 50, "allow_sending_without_reply": True},
    )
    assert code == 200


# -- files, commands, chat actions -----------------------------------------------------------


async def test_unknown_file_id_and_url(call: Call, alice: User, expect_error: ExpectError) -> None:
    await expect_error(
        "sendDocument",
        "Bad Request: wrong file identifier/HTTP URL specified",
        chat_id=alice.id,
        document="nope",
    )
    code, body = await call("sendPhoto", chat_id=alice.id, photo="https://example.org/a.png")
    assert code == 400 and "no network" in body["description"]


async def test_commands_rules(call: Call, expect_error: ExpectError) -> None:
    ok = {"command": "start", "description": "Start"}
    await expect_error(
        "setMyCommands",
        "Bad Request: BOT_COMMAND_INVALID",
        commands=[{"command": "Start!", "description": "x"}],
    )
    await expect_error(
        "setMyCommands",
        "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
        commands=[{"command": "start", "description": ""}],
    )
    await expect_error("setMyCommands", "Bad Request: BOT_COMMANDS_TOO_MUCH", commands=[ok] * 101)
    await expect_error(
        "setMyCommands",
        "Bad Request: can't parse BotCommandScope: unknown type",
        commands=[ok],
        scope={"type": "everyone"},
    )
    await expect_error(
        "setMyCommands",
        "Bad Request: chat not found",
        commands=[ok],
        scope={"type": "chat", "chat_id": 5},
    )
    await expect_error(
        "setMyCommands",
        "Bad Request: invalid language code specified",
        commands=[ok],
        language_code="french",
    )


async def test_chat_action(call: Call, alice: User, expect_error: ExpectError) -> None:
    assert (await call("sendChatAction", chat_id=alice.id, action="typing"))[0] == 200
    await expect_error(
        "sendChatAction",
        "Bad Request: wrong parameter action in request",
        chat_id=alice.id,
        action="dancing",
    )


async def test_photo_must_be_an_image(
    sb: Sandbox,
    http: aiohttp.ClientSession,
    call: Call,
    alice: User,
    expect_error: ExpectError,
) -> None:
    sent = await alice.send_document(b"a,b\n1,2\n", "x.csv", "text/csv")
    await expect_error(
        "sendPhoto",
        "Bad Request: can't use file of type Document as Photo",
        chat_id=alice.id,
        photo=sent.raw["document"]["file_id"],
    )
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("photo", b"a,b\n1,2\n", filename="chart.png")
    async with http.post(f"{sb.base_url}/bot{sb.token}/sendPhoto", data=form) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_injected_error(sb: Sandbox, call: Call, alice: User) -> None:
    sb.inject_error("sendMessage", retry_after=7, count=2, chat_id=alice.id)
    bob = sb.user("Bob")
    await bob.send("hi")
    assert (await call("sendMessage", chat_id=bob.id, text="x"))[0] == 200  # other chat
    for _ in range(2):
        code, body = await call("sendMessage", chat_id=alice.id, text="x")
        assert (code, body) == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    assert (await call("sendMessage", chat_id=alice.id, text="x"))[0] == 200
