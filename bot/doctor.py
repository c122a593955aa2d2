"""`terrain doctor`: checks a configuration before it goes live and says what is wrong, one
line per check: the token, the database and its migrations, Redis, the webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.settings import Settings, token_problem
from models.database import alembic_config, create_engine


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.check}: {self.detail}"


async def check_token(settings: Settings) -> Finding:
    if problem := token_problem(settings):
        return Finding("token", False, problem)
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        me = await bot.get_me()
        return Finding("token", True, f"Telegram knows the bot as @{me.username}")
    except TelegramUnauthorizedError:
        return Finding("token", False, "Telegram refused TERRAIN_BOT_TOKEN (401)")
    except (TelegramAPIError, OSError) as error:
        return Finding(
            "token", False, f"cannot reach {settings.telegram_api_url} ({type(error).__name__})"
        )
    finally:
        await bot.session.close()


async def check_database(settings: Settings) -> Finding:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    except Exception as error:  # noqa: BLE001 - any failure is the finding
        return Finding("database", False, f"cannot connect ({type(error).__name__})")
    finally:
        await engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    if current != head:
        return Finding(
            "database",
            False,
            f"at migration {current or 'none'}, code needs {head}: run `terrain db upgrade`",
        )
    return Finding("database", True, f"reachable, migrations up to date ({head})")


async def check_redis_url(settings: Settings) -> Finding:
    if settings.redis_url is None:
        return Finding(
            "redis", True, "not configured: conversations kept in the database (one process)"
        )
    from redis.exceptions import RedisError

    from bot.storage import check_redis

    try:
        await check_redis(settings.redis_url)
    except (RedisError, OSError) as error:
        return Finding(
            "redis", False, f"cannot reach it ({type(error).__name__}): check TERRAIN_REDIS_URL"
        )
    return Finding("redis", True, "reachable")


async def check_webhook(settings: Settings) -> Finding:
    """What Telegram says of the webhook: the address it posts to and its last error."""
    if settings.webhook_url is None:
        return Finding("webhook", True, "not configured: `terrain run` uses long polling")
    from bot.webhook import webhook_problem

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if problem := webhook_problem(settings.webhook_url, secret):
        return Finding("webhook", False, problem)
    if token_problem(settings):
        return Finding("webhook", False, "needs a valid token to ask Telegram")
    from aiogram.exceptions import TelegramAPIError

    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        info = await bot.get_webhook_info()
    except (TelegramAPIError, OSError) as error:
        return Finding("webhook", False, f"cannot ask Telegram ({type(error).__name__})")
    finally:
        await bot.session.close()
    if info.url != settings.webhook_url:
        registered = info.url or "nothing"
        return Finding(
            "webhook", False, f"Telegram has {registered} registered: start `terrain run --webhook`"
        )
    if info.last_error_message:
        return Finding(
            "webhook", False, f"Telegram's last delivery failed: {info.last_error_message}"
        )
    return Finding("webhook", True, f"registered, {info.pending_update_count} update(s) waiting")


CHECKS: tuple[Callable[[Settings], Awaitable[Finding]], ...] = (
    check_token,
    check_database,
    check_redis_url,
    check_webhook,
)


async def diagnose(settings: Settings) -> list[Finding]:
    return list(await asyncio.gather(*(check(settings) for check in CHECKS)))
