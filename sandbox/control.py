"""Optional HTTP control endpoints under ``/sandbox/`` to play users from outside Python.

- ``POST /sandbox/users`` ``{"first_name", "last_name"?, "username"?, "language_code"?, "id"?}``
- ``POST /sandbox/users/{id}/send`` ``{"text"}``
- ``POST /sandbox/users/{id}/press`` ``{"text"}`` or ``{"callback_data", "message_id"?}``
- ``GET /sandbox/chats/{id}`` the transcript, one line per message
- ``GET /sandbox/requests`` the request log, one line per request
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .core import Sandbox


def add_control_routes(app: web.Application, sb: Sandbox) -> None:
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="JSON body expected") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return data

    def user_of(request: web.Request) -> Any:
        user = sb.users.get(int(request.match_info["id"]))
        if user is None:
            raise web.HTTPNotFound(text="no such user")
        return user

    async def create_user(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            user = sb.user(
                str(data["first_name"]),
                data.get("last_name"),
                data.get("username"),
                data.get("language_code"),
                id=data.get("id"),
            )
        except (KeyError, ValueError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response(user.api())

    async def send(request: web.Request) -> web.Response:
        text = (await body(request)).get("text")
        if not isinstance(text, str):
            raise web.HTTPBadRequest(text='{"text": "..."} expected')
        message = await user_of(request).send(text)
        return web.json_response(message.raw)

    async def press(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            query_id = await user_of(request).press(
                data.get("text"),
                callback_data=data.get("callback_data"),
                message_id=data.get("message_id"),
            )
        except AssertionError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"callback_query_id": query_id})

    async def transcript(request: web.Request) -> web.Response:
        chat_id = int(request.match_info["id"])
        if chat_id not in sb.chats:
            raise web.HTTPNotFound(text="no such chat")
        return web.Response(text="\n".join(str(m) for m in sb.transcript(chat_id)) + "\n")

    async def requests(request: web.Request) -> web.Response:
        return web.Response(text="\n".join(str(r) for r in sb.requests) + "\n")

    app.router.add_post("/sandbox/users", create_user)
    app.router.add_post(r"/sandbox/users/{id:\d+}/send", send)
    app.router.add_post(r"/sandbox/users/{id:\d+}/press", press)
    app.router.add_get(r"/sandbox/chats/{id:-?\d+}", transcript)
    app.router.add_get("/sandbox/requests", requests)
