"""Every validation rule: the bad request is answered 400 (or 403) with Telegram's wording."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from sandbox import Sandbox, User

Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
async def alice(sb: Sandbox) -> User:
    user = sb.user("Alice", username="alice")
    await user.send("/start")
    return user


async def expect_error(
    call: Call, method: str, description: str, status: int = 400, **params: Any
) -> None:
    code, body = await call(method, **params)
    assert (code, body) == (
        status,
        {"ok": False, "error_code": status, "description": description},
    ), body


def inline(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


# -- parameters ------------------------------------------------------------------------------


async def test_unknown_parameter(call: Call, alice: User) -> None:
    await expect_error(
        call,
        "sendMessage",
        "Bad Request: unknown parameter colour",
        chat_id=alice.id,
        text="x",
        colour="red",
    )


async def test_deprecated_parameter_is_unknown(call: Call, alice: User) -> None:
    await expect_error(
        call,
        "sendMessage",
        "Bad Request: unknown parameter reply_to_message_id",
        chat_id=alice.id,
        text="x",
        reply_to_message_id=1,
    )


async def test_missing_required_parameter(call: Call, alice: User) -> None:
    await expect_error(
        call, "sendMessage", 'Bad Request: parameter "text" is required', chat_id=alice.id
    )
    await expect_error(
        call, "sendMessage", 'Bad Request: parameter "chat_id" is required', text="x"
    )


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": 5}, 'Bad Request: parameter "text" must be of type String'),
        (
            {"text": "x", "chat_id": 1.5},
            'Bad Request: parameter "chat_id" must be of type Integer or String',
        ),
        (
            {"text": "x", "chat_id": True},
            'Bad Request: parameter "chat_id" must be of type Integer or String',
        ),
        (
            {"text": "x", "disable_notification": "yes"},
            'Bad Request: parameter "disable_notification" must be of type Boolean',
        ),
        (
            {"text": "x", "message_thread_id": "7"},
            'Bad Request: parameter "message_thread_id" must be of type Integer',
        ),
        (
            {"text": "x", "reply_markup": "{not json"},
            "Bad Request: can't parse reply_markup JSON object",
        ),
        (
            {"text": "x", "reply_markup": {"colour": 1}},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
        (
            {"text": "x", "entities": {"type": "bold"}},
            'Bad Request: parameter "entities" must be of type Array of MessageEntity',
        ),
        (
            {"text": "x", "reply_parameters": {"quote": "x"}},
            'Bad Request: can\'t parse ReplyParameters: field "message_id" must be an Integer',
        ),
    ],
)
async def test_wrong_types_in_json(
    call: Call, alice: User, params: dict[str, Any], description: str
) -> None:
    params.setdefault("chat_id", alice.id)
    await expect_error(call, "sendMessage", description, **params)


async def test_wrong_types_in_form(call: Call, alice: User) -> None:
    code, body = await call(
        "sendMessage", _form=True, chat_id=str(alice.id), text="x", disable_notification="maybe"
    )
    assert code == 400
    assert (
        body["description"]
        == 'Bad Request: parameter "disable_notification" must be of type Boolean'
    )


async def test_chat_not_found(call: Call) -> None:
    await expect_error(call, "sendMessage", "Bad Request: chat not found", chat_id=777, text="x")
    await expect_error(
        call, "sendMessage", "Bad Request: chat not found", chat_id="@nobody", text="x"
    )
    await expect_error(call, "getChat", "Bad Request: chat not found", chat_id=-100123)


async def test_user_who_never_wrote_cannot_be_messaged(sb: Sandbox, call: Call) -> None:
    bob = sb.user("Bob")
    await expect_error(
        call,
        "sendMessage",
        "Forbidden: bot can't initiate conversation with a user",
        403,
        chat_id=bob.id,
        text="hi",
    )


async def test_blocked_user_gets_403_on_send_and_edit(sb: Sandbox, call: Call, alice: User) -> None:
    _, sent = await call("sendMessage", chat_id=alice.id, text="hello")
    alice.block()
    blocked = "Forbidden: bot was blocked by the user"
    await expect_error(call, "sendMessage", blocked, 403, chat_id=alice.id, text="x")
    await expect_error(call, "sendChatAction", blocked, 403, chat_id=alice.id, action="typing")
    await expect_error(
        call,
        "editMessageText",
        blocked,
        403,
        chat_id=alice.id,
        message_id=sent["result"]["message_id"],
        text="y",
    )
    alice.unblock()
    assert (await call("sendMessage", chat_id=alice.id, text="back"))[0] == 200
    kinds = [next(k for k in u if k != "update_id") for u in sb.updates.pending]
    assert kinds.count("my_chat_member") == 2


async def test_kicked_bot_gets_403(sb: Sandbox, call: Call) -> None:
    group = sb.group("Organizers")
    group.kick_bot()
    await expect_error(
        call,
        "sendMessage",
        "Forbidden: bot is not a member of the supergroup chat",
        403,
        chat_id=group.id,
        text="x",
    )


# -- text, captions, HTML --------------------------------------------------------------------


async def test_text_length_counts_utf16_after_parsing(call: Call, alice: User) -> None:
    emoji = "\U0001f600"  # two UTF-16 code units
    assert (await call("sendMessage", chat_id=alice.id, text=emoji * 2048))[0] == 200
    await expect_error(
        call,
        "sendMessage",
        "Bad Request: message is too long",
        chat_id=alice.id,
        text=emoji * 2048 + "x",
    )
    tagged = "<b>" + "x" * 4096 + "</b>"  # 4103 characters, 4096 visible
    code, _ = await call("sendMessage", chat_id=alice.id, text=tagged, parse_mode="HTML")
    assert code == 200
    entity = "&amp;" * 4097
    await expect_error(
        call,
        "sendMessage",
        "Bad Request: message is too long",
        chat_id=alice.id,
        text=entity,
        parse_mode="HTML",
    )


async def test_empty_text(call: Call, alice: User) -> None:
    for text, mode in (("", None), ("   \n ", None), ("<b> </b>", "HTML")):
        params = {"chat_id": alice.id, "text": text}
        if mode:
            params["parse_mode"] = mode
        await expect_error(call, "sendMessage", "Bad Request: message text is empty", **params)


async def test_caption_limit(sb: Sandbox, call: Call, alice: User) -> None:
    _, body = await call("sendMessage", chat_id=alice.id, text="x")
    code, sent = await call("getMe")
    assert code == 200
    user_file = await alice.send_document(b"data", "a.csv", "text/csv")
    file_id = user_file.raw["document"]["file_id"]
    await expect_error(
        call,
        "sendDocument",
        "Bad Request: message caption is too long",
        chat_id=alice.id,
        document=file_id,
        caption="y" * 1025,
    )
    code, body = await call(
        "sendDocument",
        chat_id=alice.id,
        document=file_id,
        caption="<i>" + "y" * 1024 + "</i>",
        parse_mode="HTML",
    )
    assert code == 200, body


PARSE = "Bad Request: can't parse entities: "


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("ok <br> no", 'Unsupported start tag "br" at byte offset 3'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("é < 2", 'Unsupported start tag "" at byte offset 3'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y', 'Unclosed start tag "a" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Tom & Jerry", 'unescaped "&" or unsupported HTML entity at byte offset 4;'),
        ("&nbsp;", 'unescaped "&" or unsupported HTML entity at byte offset 0;'),
    ],
)
async def test_html_errors(call: Call, alice: User, html: str, error: str) -> None:
    code, body = await call("sendMessage", chat_id=alice.id, text=html, parse_mode="HTML")
    assert code == 400
    assert body["description"].startswith(PARSE + error), body["description"]


async def test_html_visible_text_and_entities(call: Call, alice: User) -> None:
    html = (
        '<b>Bold</b> <a href="https://t.me/x?a=1&amp;b=2">link</a> &lt;3 &#128512; '
        '<span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote> '
        '<pre><code class="language-python">x = 1</code></pre>'
    )
    code, body = await call("sendMessage", chat_id=alice.id, text=html, parse_mode="HTML")
    assert code == 200, body
    assert alice.last is not None
    assert alice.last.text == "Bold link <3 \U0001f600 s q x = 1"
    assert alice.last.html == html
    types = {e["type"]: e for e in body["result"]["entities"]}
    assert types["text_link"]["url"] == "https://t.me/x?a=1&b=2"
    assert types["pre"]["language"] == "python"
    assert {"bold", "spoiler", "expandable_blockquote"} <= types.keys()


async def test_markdown_is_refused_clearly(call: Call, alice: User) -> None:
    code, body = await call("sendMessage", chat_id=alice.id, text="*x*", parse_mode="MarkdownV2")
    assert code == 400 and "only parses HTML" in body["description"]


# -- keyboards -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
async def test_callback_data_bytes(call: Call, alice: User, data: str) -> None:
    markup = inline([{"text": "Go", "callback_data": data}])
    await expect_error(
        call,
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


async def test_edit_and_delete_missing_messages(call: Call, alice: User) -> None:
    await expect_error(
        call,
        "editMessageText",
        "Bad Request: message to edit not found",
        chat_id=alice.id,
        message_id=99,
        text="x",
    )
    await expect_error(
        call,
        "editMessageReplyMarkup",
        "Bad Request: message to edit not found",
        chat_id=alice.id,
        message_id=99,
    )
    await expect_error(
        call,
        "deleteMessage",
        "Bad Request: message to delete not found",
        chat_id=alice.id,
        message_id=99,
    )
    # the user's own message exists but the bot cannot edit it
    await expect_error(
        call,
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


async def test_deleted_message_is_gone(call: Call, alice: User) -> None:
    _, sent = await call("sendMessage", chat_id=alice.id, text="temp")
    message_id = sent["result"]["message_id"]
    assert (await call("deleteMessage", chat_id=alice.id, message_id=message_id))[0] == 200
    assert "temp" not in alice.texts()
    await expect_error(
        call,
        "deleteMessage",
        "Bad Request: message to delete not found",
        chat_id=alice.id,
        message_id=message_id,
    )


async def test_answer_callback_query_rules(sb: Sandbox, call: Call, alice: User) -> None:
    invalid = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    await expect_error(call, "answerCallbackQuery", invalid, callback_query_id="123")
    await call(
        "sendMessage",
        chat_id=alice.id,
        text="Pick",
        reply_markup=inline([{"text": "A", "callback_data": "a"}]),
    )
    query_id = await alice.press("A")
    code, body = await call("answerCallbackQuery", callback_query_id=query_id, text="x" * 201)
    assert code == 400 and "MESSAGE_TOO_LONG" in body["description"]
    code, _ = await call(
        "answerCallbackQuery", callback_query_id=query_id, text="Done", show_alert=True
    )
    assert code == 200
    assert alice.callback_answers[-1].text == "Done" and alice.callback_answers[-1].show_alert
    # a query is answered once
    await expect_error(call, "answerCallbackQuery", invalid, callback_query_id=query_id)


async def test_reply_to_missing_message(call: Call, alice: User) -> None:
    await expect_error(
        call,
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


async def test_unknown_file_id_and_url(call: Call, alice: User) -> None:
    await expect_error(
        call,
        "sendDocument",
        "Bad Request: wrong file identifier/HTTP URL specified",
        chat_id=alice.id,
        document="nope",
    )
    code, body = await call("sendPhoto", chat_id=alice.id, photo="https://example.org/a.png")
    assert code == 400 and "no network" in body["description"]


async def test_commands_rules(call: Call) -> None:
    ok = {"command": "start", "description": "Start"}
    await expect_error(
        call,
        "setMyCommands",
        "Bad Request: BOT_COMMAND_INVALID",
        commands=[{"command": "Start!", "description": "x"}],
    )
    await expect_error(
        call,
        "setMyCommands",
        "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
        commands=[{"command": "start", "description": ""}],
    )
    await expect_error(
        call, "setMyCommands", "Bad Request: BOT_COMMANDS_TOO_MUCH", commands=[ok] * 101
    )
    await expect_error(
        call,
        "setMyCommands",
        "Bad Request: can't parse BotCommandScope: unknown type",
        commands=[ok],
        scope={"type": "everyone"},
    )
    await expect_error(
        call,
        "setMyCommands",
        "Bad Request: chat not found",
        commands=[ok],
        scope={"type": "chat", "chat_id": 5},
    )
    await expect_error(
        call,
        "setMyCommands",
        "Bad Request: invalid language code specified",
        commands=[ok],
        language_code="french",
    )


async def test_chat_action(call: Call, alice: User) -> None:
    assert (await call("sendChatAction", chat_id=alice.id, action="typing"))[0] == 200
    await expect_error(
        call,
        "sendChatAction",
        "Bad Request: wrong parameter action in request",
        chat_id=alice.id,
        action="dancing",
    )


async def test_photo_must_be_an_image(
    sb: Sandbox, http: aiohttp.ClientSession, call: Call, alice: User
) -> None:
    sent = await alice.send_document(b"a,b\n1,2\n", "x.csv", "text/csv")
    await expect_error(
        call,
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
