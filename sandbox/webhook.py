"""Telegram's side of a webhook: every queued update is posted to the bot's address with the
secret header; a 2xx answer confirms it, anything else (or no answer) means it is posted again
after a pause, as Telegram does. Updates of one chat go one at a time, in order; different
chats go in parallel, up to the webhook's max_connections."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from ssl import SSLContext

    from .core import Sandbox

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to, for ordering (None: no chat, e.g. inline queries)."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict):
                return chat.get("id")
            sender = value.get("from")
            if isinstance(sender, dict):
                return sender.get("id")
    return None


class WebhookDelivery:
    def __init__(
        self, sb: Sandbox, target: str, ssl: SSLContext | None = None, retry_s: float = 0.2
    ) -> None:
        self.sb, self.target, self.ssl, self.retry_s = sb, target, ssl, retry_s
        self.answers: list[int] = []  # HTTP status of every post, in order (0: no answer)
        self._inflight: dict[int, int] = {}  # update_id -> chat id
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30),
            connector=aiohttp.TCPConnector(ssl=self.ssl if self.ssl is not None else True),
        )
        queue = self.sb.updates
        while True:
            limit = int(self.sb.webhook.get("max_connections") or 40)
            busy = set(self._inflight.values())
            for update in list(queue.pending):
                if len(self._inflight) >= limit:
                    break
                chat = chat_of(update)
                if update["update_id"] in self._inflight or chat in busy:
                    if chat is not None:
                        busy.add(chat)  # later updates of this chat wait for this one
                    continue
                busy.add(chat)
                self._inflight[update["update_id"]] = chat  # type: ignore[assignment]
                asyncio.get_running_loop().create_task(self._post(update))
            waiting = queue._event  # noqa: SLF001 - woken on every new update
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.wait(), 0.05)

    async def _post(self, update: dict[str, Any]) -> None:
        assert self._session is not None
        headers = {}
        if secret := self.sb.webhook.get("secret_token"):
            headers[SECRET_HEADER] = secret
        self.sb.activity(+1)
        status = 0
        try:
            async with self._session.post(self.target, json=update, headers=headers) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        finally:
            self.sb.activity(-1)
        self.answers.append(status)
        if 200 <= status < 300:
            self.sb.updates.confirm(update["update_id"])
        else:
            await asyncio.sleep(self.retry_s)
        self._inflight.pop(update["update_id"], None)
        self.sb.updates.wake()
