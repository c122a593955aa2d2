"""The HTTP session to the Bot API: aiogram's, with JSON bodies and each method's response
model kept alive.

aiogram posts every call as a form, each nested object (a keypad, say) JSON-encoded and then
percent-encoded field by field; the Bot API takes `application/json` for any call without a
file, which costs a JSON encoding and nothing more. Calls with files keep aiogram's multipart
form.

aiogram parses every answer with `Response[<the method's return type>]`, a pydantic generic
model built on first use. pydantic caches those models weakly, so once a garbage collection
has taken one, the next call builds it again, about 3 ms of CPU each time: 321 rebuilt (0.94
s) over bench/updates_mix.py, 46 once held here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

# The return type of each method called so far -> its response model, kept alive.
_RESPONSES: dict[Any, type[Response[Any]]] = {}
JSON = {"Content-Type": "application/json"}


class TelegramSession(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSES:
            _RESPONSES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> str | None:
        """The call's parameters as one JSON object, or None when it uploads a file. Left out
        as aiogram's form leaves them out: unset (None) and empty text."""
        files: dict[str, Any] = {}
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if isinstance(value, datetime | timedelta):
                prepared = int(prepared)  # aiogram writes the Unix time as a form's text
            if prepared is not None and prepared != "":
                fields[key] = prepared
        return None if files else self.json_dumps(fields)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  # aiogram's signature
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        # As aiogram's own make_request, but for the body.
        try:
            async with session.post(
                url,
                data=body,
                headers=JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)
