"""The HTTP surface with plain aiohttp: auth, routing, body encodings, getUpdates semantics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from sandbox import Sandbox

Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


async def test_get_me_and_bad_token(call: Call) -> None:
    status, body = await call("getMe")
    assert status == 200
    assert body["result"]["username"] == "terrain_test_bot"
    assert body["result"]["is_bot"] is True
    status, body = await call("getMe", _token="999:nope")
    assert (status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


async def test_unknown_method_is_404(call: Call) -> None:
    status, body = await call("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_method_names_are_case_insensitive(call: Call) -> None:
    status, _ = await call("getme")
    assert status == 200


async def test_get_request_with_query_string(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    alice = sb.user("Alice")
    await alice.send("hi")
    url = f"{sb.base_url}/bot{sb.token}/sendMessage"
    async with http.get(url, params={"chat_id": str(alice.id), "text": "hello"}) as response:
        assert response.status == 200
    assert alice.texts() == ["hello"]


async def test_form_body_with_json_encoded_markup(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    await alice.send("hi")
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    status, body = await call(
        "sendMessage",
        _form=True,
        chat_id=str(alice.id),
        text="Sure?",
        disable_notification="true",
        reply_markup=json.dumps(markup),
    )
    assert status == 200, body
    assert body["result"]["reply_markup"] == markup
    assert alice.last is not None and alice.last.buttons == [["Yes"]]


async def test_multipart_upload_stores_bytes_name_and_mime(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    alice = sb.user("Alice")
    await alice.send("/mydata")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("caption", "Your data")
    form.add_field("document", b'{"a": 1}', filename="mydata.json")
    async with http.post(f"{sb.base_url}/bot{sb.token}/sendDocument", data=form) as response:
        body = await response.json()
    assert response.status == 200, body
    document = body["result"]["document"]
    assert document["file_name"] == "mydata.json"
    assert document["mime_type"] == "application/json"
    assert alice.last is not None and alice.last.document is not None
    assert alice.last.document.data == b'{"a": 1}'
    assert alice.last.text == "Your data"
    # getFile and the download URL give the same bytes back
    status, file_info = await _json(http, f"{sb.base_url}/bot{sb.token}/getFile", document)
    assert status == 200
    path = file_info["result"]["file_path"]
    async with http.get(f"{sb.base_url}/file/bot{sb.token}/{path}") as response:
        assert await response.read() == b'{"a": 1}'


async def _json(
    http: aiohttp.ClientSession, url: str, document: dict[str, object]
) -> tuple[int, dict[str, object]]:
    async with http.post(url, json={"file_id": document["file_id"]}) as response:
        return response.status, await response.json()


async def test_every_request_is_logged(sb: Sandbox, call: Call) -> None:
    await call("getMe")
    await call("sendMessage", chat_id=42, text="x")
    assert [r.method for r in sb.requests] == ["getMe", "sendMessage"]
    failed = sb.requests[-1]
    assert failed.ok is False and failed.error_code == 400
    assert failed.params == {"chat_id": 42, "text": "x"}
    assert sb.calls("getMe")[0].ok
    assert sb.errors() == [failed]


# -- getUpdates ------------------------------------------------------------------------------


async def test_offset_confirms_only_earlier_updates(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    _, body = await call("getUpdates")
    ids = [u["update_id"] for u in body["result"]]
    assert [u["message"]["text"] for u in body["result"]] == ["one", "two", "three"]
    # not confirmed yet: delivered again
    _, again = await call("getUpdates")
    assert [u["update_id"] for u in again["result"]] == ids
    # offset = second id confirms the first only
    _, rest = await call("getUpdates", offset=ids[1])
    assert [u["update_id"] for u in rest["result"]] == ids[1:]
    _, limited = await call("getUpdates", offset=ids[1], limit=1)
    assert [u["update_id"] for u in limited["result"]] == ids[1:2]
    _, none = await call("getUpdates", offset=ids[2] + 1)
    assert none["result"] == []
    assert not sb.updates.pending


async def test_negative_offset_keeps_the_last_updates(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    _, body = await call("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    _, body = await call("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["three"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    poll = asyncio.create_task(call("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    started = time.monotonic()
    await alice.send("hello")
    _, body = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert body["result"][0]["message"]["text"] == "hello"


async def test_long_poll_times_out_with_empty_list(call: Call) -> None:
    started = time.monotonic()
    status, body = await call("getUpdates", timeout=1)
    assert (status, body["result"]) == (200, [])
    assert 0.9 <= time.monotonic() - started < 3


async def test_second_poller_terminates_the_first(call: Call) -> None:
    first = asyncio.create_task(call("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call("getUpdates", timeout=1))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await second)[0] == 200


async def test_allowed_updates_filters_new_updates(sb: Sandbox, call: Call) -> None:
    alice = sb.user("Alice")
    await call("getUpdates", allowed_updates=["callback_query"])
    await alice.send("ignored")
    _, body = await call("getUpdates")
    assert body["result"] == []
    # an empty list restores the default set
    await call("getUpdates", allowed_updates=[])
    await alice.send("seen")
    _, body = await call("getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["seen"]


async def test_webhook_is_recorded_and_blocks_get_updates(sb: Sandbox, call: Call) -> None:
    status, _ = await call("setWebhook", url="https://example.org/hook", secret_token="s3cret_-x")
    assert status == 200
    assert sb.webhook == {"url": "https://example.org/hook", "secret_token": "s3cret_-x"}
    _, info = await call("getWebhookInfo")
    assert info["result"]["url"] == "https://example.org/hook"
    status, body = await call("getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    status, body = await call("setWebhook", url="https://x.org", secret_token="no spaces!")
    assert status == 400
    assert body["description"] == "Bad Request: secret token contains unallowed characters"
    await call("deleteWebhook", drop_pending_updates=True)
    assert sb.webhook == {}
    assert (await call("getUpdates"))[0] == 200


async def test_control_endpoints(sb: Sandbox, http: aiohttp.ClientSession, call: Call) -> None:
    async with http.post(f"{sb.base_url}/sandbox/users", json={"first_name": "Zoe"}) as r:
        user = await r.json()
    async with http.post(f"{sb.base_url}/sandbox/users/{user['id']}/send", json={"text": "hi"}):
        pass
    _, body = await call("getUpdates")
    assert body["result"][0]["message"]["text"] == "hi"
    await call("sendMessage", chat_id=user["id"], text="hello Zoe")
    async with http.get(f"{sb.base_url}/sandbox/chats/{user['id']}") as r:
        assert "hello Zoe" in await r.text()
