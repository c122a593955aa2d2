"""The HTTP side: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` like api.telegram.org."""

from __future__ import annotations

import inspect
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import errors
from .errors import ApiError, bad_request
from .schema import CANONICAL
from .validate import RawRequest, UploadedFile, decode_params
from .views import RequestRecord

if TYPE_CHECKING:
    from .core import Sandbox

log = logging.getLogger("sandbox")


@dataclass(slots=True)
class Injection:
    """An error the next ``count`` matching calls will get."""

    method: str
    error: ApiError
    count: int
    chat_id: int | str | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


def make_app(sb: Sandbox) -> web.Application:
    app = web.Application(client_max_size=errors.MAX_FILE_SIZE + 1024 * 1024)
    handler = _Handler(sb)
    app.router.add_route("*", "/bot{token}/{method}", handler.api)
    app.router.add_get("/file/bot{token}/{path:.+}", handler.file)
    from .control import add_control_routes

    add_control_routes(app, sb)
    return app


def _reply(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def read_body(request: web.Request) -> RawRequest:
    """Fields and file parts of a request, whatever its encoding."""
    fields: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return RawRequest(fields, files)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        fields.update({k: v for k, v in body.items() if v is not None})
        return RawRequest(fields, files, is_json=True)
    if content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read()
                mime = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = UploadedFile(part.filename, mime, bytes(data))
            else:
                fields[part.name] = await part.text()
        return RawRequest(fields, files)
    if content_type == "application/x-www-form-urlencoded" or not content_type:
        form = await request.post()
        fields.update({k: v for k, v in form.items() if isinstance(v, str)})
        return RawRequest(fields, files)
    raise bad_request(f"unsupported Content-Type {content_type}")


class _Handler:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    async def api(self, request: web.Request) -> web.Response:
        sb = self.sb
        given = request.match_info["method"]
        method = CANONICAL.get(given.lower(), given)
        record = RequestRecord(method=method, params={}, time=time.time())
        sb.requests.append(record)
        polling = method == "getUpdates"
        woken: int | None = None  # the chat whose waiters this call wakes (None: all)
        if not polling:
            sb.activity(+1)
        try:
            if request.match_info["token"] != sb.token:
                raise errors.UNAUTHORIZED
            if method not in CANONICAL.values():
                raise errors.NOT_FOUND
            record.content_type = request.content_type
            raw = await read_body(request)
            record.params = dict(raw.fields)
            params = decode_params(method, raw)
            record.params = params
            woken = _chat_of(sb, method, params)
            self.injected(method, params)
            if sb.flood is not None and method.startswith("send"):
                sb.flood.check(time.monotonic())
            if sb.flaky is not None and (trouble := sb.flaky.roll(method)) is not None:
                if trouble == "timeout":
                    # The request is never answered: the connection drops, nothing was done.
                    record.error_code, record.description = 0, "dropped (injected timeout)"
                    if request.transport is not None:
                        request.transport.close()
                    return web.Response(status=504)
                raise trouble
            result = sb.handler(method)(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            record.error_code, record.description = error.code, error.description
            if error.code != 409:
                log.info("%s -> %s %s", method, error.code, error.description)
            return _reply(error.payload(), status=error.code)
        finally:
            if not polling:
                sb.activity(-1)
            sb.changed(woken)
        record.ok, record.result = True, result
        if polling and result:
            sb.activity(0)
        return _reply({"ok": True, "result": result})

    def injected(self, method: str, params: dict[str, Any]) -> None:
        for injection in self.sb.injections:
            if injection.count > 0 and injection.matches(method, params):
                injection.count -= 1
                if injection.count == 0:
                    self.sb.injections.remove(injection)
                raise injection.error

    async def file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.sb.token:
            return _reply(errors.UNAUTHORIZED.payload(), status=401)
        path = request.match_info["path"]
        for stored in self.sb.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type=stored.mime_type)
        return _reply(errors.NOT_FOUND.payload(), status=404)


def _chat_of(sb: Any, method: str, params: dict[str, Any]) -> int | None:
    """The chat a call changed, for waking only its waiters; None: any chat may have."""
    if method == "answerCallbackQuery":
        # The person who pressed waits for the answer on their own id.
        query = sb.callbacks.get(params.get("callback_query_id"))
        return query.user.id if query is not None else None
    chat = params.get("chat_id")
    return chat if isinstance(chat, int) else None
