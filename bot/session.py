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

import contextlib
import json
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup
from aiohttp import ClientError

# The return type of each method called so far -> its response model, kept alive.
_RESPONSES: dict[Any, type[Response[Any]]] = {}
JSON = {"Content-Type": "application/json"}


class TelegramSession(AiohttpSession):
    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if (response := _RESPONSES.get(returning)) is None:
            response = _RESPONSES[returning] = Response[returning]  # type: ignore[valid-type]
        keypad = getattr(method, "reply_markup", None)
        if isinstance(keypad, InlineKeyboardMarkup) and HTTPStatus.OK <= status_code < 300:
            with contextlib.suppress(ValueError):  # aiogram's own parsing says what is wrong
                return _with_keypad_sent(response, bot, content, keypad)
        return super().check_response(bot, method, status_code, content)

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> str | None:
        """The call's parameters as one JSON object, or None when it uploads a file. Left out
        as aiogram's form leaves them out: unset (None) and empty text."""
        files: dict[str, Any] = {}
        fields = {}
        # None is left out at every depth either way; pydantic leaves it out far faster (a
        # keypad's buttons are a dozen fields each, mostly unset): 81 -> 47 us a call.
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
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


def _with_keypad_sent(
    response: type[Response[Any]], bot: Bot, content: str, keypad: InlineKeyboardMarkup
) -> Response[Any]:
    """The answer to a call that sent an inline keypad, the message in it carrying the keypad
    object sent rather than Telegram's copy of it parsed anew: a dozen buttons are as many
    pydantic objects, 0.12 of the 0.18 ms such an answer took to parse. ValueError when the
    answer is not a successful one with that keypad in it."""
    answer = json.loads(content)
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict) or answer.get("ok") is not True or "reply_markup" not in result:
        raise ValueError("not a message with a keypad")
    result["reply_markup"] = keypad
    return response.model_validate(answer, context={"bot": bot})
