"""Every validation rule: the bad request is answered 400 (or 403) with Telegram's wording."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from sandbox import Sandbox, User

Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
ExpectError = Callable[..., Awaitable[None]]


def inline(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


# -- parameters ------------------------------------------------------------------------------


async def test_unknown_parameter(call: Call, alice: User, expect_error: ExpectError) -> None:
    await expect_error(
        "sendMessage",
        "Bad Request: unknown parameter colour",
        chat_id=alice.id,
        text="x",
        colour="red",
    )


async def test_deprecated_parameter_is_unknown(
    call: Call, alice: User, expect_error: ExpectError
) -> None:
    await expect_error(
        "sendMessage",
        "Bad Request: unknown parameter reply_to_message_id",
        chat_id=alice.id,
        text="x",
        reply_to_message_id=1,
    )


async def test_missing_required_parameter(
    call: Call, alice: User, expect_error: ExpectError
) -> None:
    await expect_error("sendMessage", 'Bad Request: parameter "text" is required', chat_id=alice.id)
    await expect_error("sendMessage", 'Bad Request: parameter "chat_id" is required', text="x")


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
    call: Call,
    alice: User,
    params: dict[str, Any],
    description: str,
    expect_error: ExpectError,
) -> None:
    params.setdefault("chat_id", alice.id)
    await expect_error("sendMessage", description, **params)


async def test_wrong_types_in_form(call: Call, alice: User) -> None:
    code, body = await call(
        "sendMessage", _form=True, chat_id=str(alice.id), text="x", disable_notification="maybe"
    )
    assert code == 400
    assert (
        body["description"]
        == 'Bad Request: parameter "disable_notification" must be of type Boolean'
    )


async def test_chat_not_found(call: Call, expect_error: ExpectError) -> None:
    await expect_error("sendMessage", "Bad Request: chat not found", chat_id=777, text="x")
    await expect_error("sendMessage", "Bad Request: chat not found", chat_id="@nobody", text="x")
    await expect_error("getChat", "Bad Request: chat not found", chat_id=-100123)


async def test_user_who_never_wrote_cannot_be_messaged(
    sb: Sandbox, call: Call, expect_error: ExpectError
) -> None:
    bob = sb.user("Bob")
    await expect_error(
        "sendMessage",
        "Forbidden: bot can't initiate conversation with a user",
        403,
        chat_id=bob.id,
        text="hi",
    )


async def test_blocked_user_gets_403_on_send_and_edit(
    sb: Sandbox, call: Call, alice: User, expect_error: ExpectError
) -> None:
    _, sent = await call("sendMessage", chat_id=alice.id, text="hello")
    alice.block()
    blocked = "Forbidden: bot was blocked by the user"
    await expect_error("sendMessage", blocked, 403, chat_id=alice.id, text="x")
    await expect_error("sendChatAction", blocked, 403, chat_id=alice.id, action="typing")
    await expect_error(
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


async def test_kicked_bot_gets_403(sb: Sandbox, call: Call, expect_error: ExpectError) -> None:
    group = sb.group("Organizers")
    group.kick_bot()
    await expect_error(
        "sendMessage",
        "Forbidden: bot is not a member of the supergroup chat",
        403,
        chat_id=group.id,
        text="x",
    )


# -- text, captions, HTML --------------------------------------------------------------------


async def test_text_length_counts_utf16_after_parsing(
    call: Call, alice: User, expect_error: ExpectError
) -> None:
    emoji = "\U0001f600"  # two UTF-16 code units
    assert (await call("sendMessage", chat_id=alice.id, text=emoji * 2048))[0] == 200
    await expect_error(
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
        "sendMessage",
        "Bad Request: message is too long",
        chat_id=alice.id,
        text=entity,
        parse_mode="HTML",
    )


async def test_empty_text(call: Call, alice: User, expect_error: ExpectError) -> None:
    for text, mode in (("", None), ("   \n ", None), ("<b> </b>", "HTML")):
        params = {"chat_id": alice.id, "text": text}
        if mode:
            params["parse_mode"] = mode
        await expect_error("sendMessage", "Bad Request: message text is empty", **params)


async def test_caption_limit(
    sb: Sandbox, call: Call, alice: User, expect_error: ExpectError
) -> None:
    _, body = await call("sendMessage", chat_id=alice.id, text="x")
    code, sent = await call("getMe")
    assert code == 200
    user_file = await alice.send_document(b"data", "a.csv", "text/csv")
    file_id = user_file.raw["document"]["file_id"]
    await expect_error(
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
