"""Clocks that wake up and do what is due: retention and housekeeping. What is due is
decided from the database and the injected clock, so a restart loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.digests import Dashboards
from bot.storage import CONVERSATIONS_KEPT
from models import bookkeeping, delivery, reminders, rights
from models.clock import Clock
from models.database import Database
from models.locks import only_one
from models.notices import Compose

log = logging.getLogger(__name__)
UPDATE_IDS_KEPT = timedelta(days=2)
# Finished outbox rows hold chat ids and texts: kept a few days for diagnosis, then deleted.
OUTBOX_KEPT = timedelta(days=3)


async def enforce_retention(
    db: Database,
    clock: Clock,
    retention_days: int,
    forget_conversations: Callable[[int], Awaitable[None]] | None = None,
) -> int:
    """`forget_conversations(telegram_id)` reaches conversation state kept outside the database
    (Redis): the storage's `forget_user`."""
    now = clock.now()
    erased = await rights.erase_inactive(
        db, now - timedelta(days=retention_days), now, on_erased=forget_conversations
    )
    await bookkeeping.forget_processed_updates(db, now - UPDATE_IDS_KEPT)
    await bookkeeping.forget_stale_conversations(db, now - CONVERSATIONS_KEPT)
    await delivery.purge_finished(db, now - OUTBOX_KEPT)
    if erased:
        log.info(
            "retention: %d people erased after %d days without contact", erased, retention_days
        )
    return erased


async def send_reminders(
    db: Database, clock: Clock, timing: reminders.Timing, compose: Compose
) -> int:
    """Mission reminders due now, written to the outbox with idempotency keys: running this
    again (a restart, a second replica) adds nothing."""
    added = await reminders.run_due(db, clock.now(), timing, compose)
    if added:
        log.info("reminders: %d messages queued", added)
    return added


def single(
    db: Database, name: str, tick: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    """`tick` run by one process at a time: with several processes on one PostgreSQL, the
    others skip this round (each tick is idempotent too; the lock spares the duplicate work,
    and the duplicate edits of live dashboards)."""

    async def run(*args: Any) -> Any:
        async with only_one(db, name) as mine:
            if not mine:
                log.debug("%s: another process has this round", name)
                return None
            return await tick(*args)

    return run


def add_reminders(
    scheduler: AsyncIOScheduler,
    db: Database,
    clock: Clock,
    timing: reminders.Timing,
    compose: Compose,
    every_s: int = 60,
) -> None:
    scheduler.add_job(
        single(db, "reminders", send_reminders),
        "interval",
        seconds=every_s,
        args=(db, clock, timing, compose),
        id="reminders",
        coalesce=True,
        max_instances=1,
    )


def add_digests(
    scheduler: AsyncIOScheduler, db: Database, dashboards: Dashboards, live_every_s: float
) -> None:
    """Organizer chats: the digest tick each minute (what is due is read from the clock and
    the outbox keys), and the live dashboards' refresh."""
    scheduler.add_job(
        single(db, "digests", dashboards.queue_digests),
        "interval",
        seconds=60,
        id="digests",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        single(db, "live_dashboards", dashboards.refresh_live),
        "interval",
        seconds=live_every_s,
        id="live_dashboards",
        coalesce=True,
        max_instances=1,
    )


def build_scheduler(
    db: Database,
    clock: Clock,
    retention_days: int,
    timezone: str,
    forget_conversations: Callable[[int], Awaitable[None]] | None = None,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        single(db, "retention", enforce_retention),
        "cron",
        hour=3,
        minute=30,
        args=(db, clock, retention_days, forget_conversations),
        id="retention",
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler
