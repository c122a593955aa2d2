"""Webhook mode: Telegram (or a load balancer in front of several processes) posts each update
here. An update is answered 200 only once it has been handled, so an update whose handling
failed (the database unreachable, the process killed) is delivered again; the update-id table
(bot/middlewares.py OnceOnly) makes sure none is handled twice."""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public HTTPS address Telegram posts to
    secret: str
    host: str
    port: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


class WebhookListenError(Exception):
    """The webhook server could not listen (port taken, not allowed)."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        reason = error.strerror or type(error).__name__
        super().__init__(f"cannot listen on {host}:{port} for webhooks: {reason}")


def webhook_problem(url: str | None, secret: str | None) -> str | None:
    """Why webhook settings can't be used, in one line, or None."""
    if not url:
        return "--webhook needs TERRAIN_WEBHOOK_URL (the public https:// address)"
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "TERRAIN_WEBHOOK_URL must be an https:// address: Telegram posts only over TLS"
    if not secret or not SECRET_PATTERN.fullmatch(secret):
        return "--webhook needs TERRAIN_WEBHOOK_SECRET: 1-256 characters of letters, digits, _ or -"
    return None


def webhook_app(dispatcher: Dispatcher, bot: Bot, secret: str, path: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        # Constant-time comparison, and nothing is read or handled before it passes.
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.Response(status=400)
        try:
            await dispatcher.feed_update(bot, update)
        except Exception as error:  # noqa: BLE001 - any failure: let Telegram deliver it again
            log.warning(
                "update %s not handled (%s): left for redelivery",
                update.update_id,
                type(error).__name__,
            )
            return web.Response(status=500)
        return web.Response(status=200)

    app = web.Application(client_max_size=1 << 20)
    app.router.add_post(path, receive)
    return app
