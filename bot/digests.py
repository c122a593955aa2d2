"""Organizer chats' dashboards: the daily and weekly digests, and the pinned live dashboard.

Digests are outbox rows keyed `digest:daily:{chat}:{day}` / `digest:weekly:{chat}:{monday}`:
the tick reads what is due from the clock and the links, so a restart or a second replica
sends nothing twice, and a digest missed while the bot was down goes out late the same day.

The live dashboard is one message per linked chat, pinned, edited in place when its text
changes (compared by hash), never more often than `every_s` per chat. Edits are not queued in
the outbox: an edit replaces the previous one, there is nothing to catch up.

Aggregates only: the figures come from reports.dashboard, which names zones and teams, never
a volunteer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.i18n import Catalogs
from handlers.context import Campaign, Translate, esc
from models import chat_link_ops
from models.chat_link_ops import LinkedChat
from models.clock import Clock
from models.database import Database
from models.outbox import OutboxMessage
from models.queue import enqueue
from reports.dashboard import (
    Dashboard,
    DayActivity,
    OnDays,
    Period,
    Scope,
    build_dashboards,
)
from reports.dashboard_text import dashboard_text
from reports.drawing import ChartFailed, draw
from reports.leaderboard import leaderboard

log = logging.getLogger(__name__)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_TEXT = 4096  # Telegram's limit for one message
BOARD_SIZE = 5  # names on the weekly leaderboard (opted-in volunteers only)


def day_period(day: date, zone: ZoneInfo) -> Period:
    """[midnight, next midnight) of `day` in the campaign's time zone, in UTC."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return Period(start, end)


def week_period(monday: date, zone: ZoneInfo) -> Period:
    return Period(
        day_period(monday, zone).start, day_period(monday + timedelta(days=7), zone).start
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Dashboards:
    """The digest tick and the live dashboards of every linked chat."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        campaign: Campaign,
        *,
        digest_time: time,
        digest_weekday: int,
        every_s: float,
    ) -> None:
        self.bot, self.db, self.clock = bot, db, clock
        self.catalogs, self.campaign = catalogs, campaign
        self.zone = ZoneInfo(campaign.timezone)
        self.digest_time, self.digest_weekday = digest_time, digest_weekday
        self.every = timedelta(seconds=every_s)

    # -- words ---------------------------------------------------------------------------------
    def _t(self, link: LinkedChat) -> tuple[Translate, str]:
        locale = self.catalogs.pick(link.locale)
        return self.catalogs.translator(locale), locale

    def _scope_name(self, link: LinkedChat, t: Translate) -> str:
        if link.team_id is None:
            return esc(self.campaign.name)
        return t("live.team", team=esc(link.team_name or "?"))

    async def _figures(
        self,
        link: LinkedChat,
        period: Period,
        previous: Period | None,
        on_days: OnDays | None = None,
    ) -> tuple[Dashboard, Dashboard | None]:
        scope = Scope(team_id=link.team_id)
        zone = self.campaign.timezone
        return await build_dashboards(self.db, scope, period, previous, zone, on_days=on_days)

    async def _charted(
        self, link: LinkedChat, period: Period, previous: Period | None, locale: str
    ) -> tuple[Dashboard, Dashboard | None, bytes | None]:
        """The dashboards and the activity chart, drawn by the chart worker (reports/drawing.py)
        from the days as soon as they are summed, while people and topics are counted."""
        drawing: list[asyncio.Future[bytes | None]] = []

        def chart(days: tuple[DayActivity, ...]) -> None:
            d = Dashboard(Scope(team_id=link.team_id), period, days=days)
            drawing.append(asyncio.ensure_future(draw("activity", d, locale)))

        try:
            figures, before = await self._figures(link, period, previous, on_days=chart)
            try:
                return figures, before, await drawing[0]
            except ChartFailed as error:
                # The figures and the board still go out; a chart is not worth losing them.
                log.error("weekly digest for chat %s: no chart (%s)", link.chat_id, error)
                return figures, before, None
        finally:
            for task in drawing:
                task.cancel()  # a no-op once drawn; else the dashboards failed

    async def _texts(
        self,
        link: LinkedChat,
        period: Period,
        previous: Period | None,
        title: str,
        limit: int = MAX_TEXT,
    ) -> list[str]:
        t, locale = self._t(link)
        figures, before = await self._figures(link, period, previous)
        parts = dashboard_text(figures, before, t, locale, title, limit=limit)
        return [part for part in parts if part]

    # -- the live dashboard --------------------------------------------------------------------
    async def live_text(self, link: LinkedChat) -> str:
        """Today's figures in one message: the first part, with a note if more was cut."""
        t, locale = self._t(link)
        today = self.clock.now().astimezone(self.zone).date()
        title = t(
            "live.title",
            scope=self._scope_name(link, t),
            day=format_date(today, "EEEE d MMMM", locale=locale),
        )
        note = "\n\n" + t("live.more_in_digest")
        # Room is kept for the note, so the first part never has to be cut (mid-tag).
        limit = MAX_TEXT - len(note)
        parts = await self._texts(link, day_period(today, self.zone), None, title, limit)
        if not parts:
            return title
        return parts[0] + note if len(parts) > 1 else parts[0]

    async def start_live(self, link: LinkedChat) -> bool:
        """Send today's dashboard to the chat and pin it (silently). False if the chat
        refused (the link is then removed when the bot was thrown out)."""
        text = await self.live_text(link)
        now = self.clock.now()
        try:
            sent = await self.bot.send_message(link.chat_id, text, disable_notification=True)
        except TelegramForbiddenError:
            await self._lost(link)
            return False
        except TelegramAPIError as error:
            log.warning("live dashboard not sent to link %s: %s", link.id, type(error).__name__)
            await chat_link_ops.set_live(self.db, link.id, None, None, now)
            return False
        await chat_link_ops.set_live(self.db, link.id, sent.message_id, text_hash(text), now)
        try:
            await self.bot.pin_chat_message(
                link.chat_id, sent.message_id, disable_notification=True
            )
        except TelegramAPIError as error:
            # The dashboard is there, just not pinned (rights taken away): still edited.
            log.warning("live dashboard of link %s not pinned: %s", link.id, type(error).__name__)
        return True

    async def stop_live(self, chat_id: int, message_id: int | None) -> None:
        """Unpin a live dashboard (after /unlink or a relink); it stays as a last snapshot."""
        if message_id is None:
            return
        try:
            await self.bot.unpin_chat_message(chat_id, message_id=message_id)
        except TelegramAPIError as error:
            log.info("live dashboard not unpinned: %s", type(error).__name__)

    async def refresh_live(self) -> int:
        """The job: edit each chat's live dashboard whose text changed, at most once per
        interval per chat. Returns how many messages were edited or sent anew."""
        changed = 0
        now = self.clock.now()
        for link in await chat_link_ops.all_links(self.db):
            if link.live_edited_at is not None and now - link.live_edited_at < self.every:
                continue
            try:
                changed += await self._refresh_one(link)
            except TelegramRetryAfter as error:
                log.warning("live dashboards: 429, the rest wait %ss", error.retry_after)
                break
            except Exception as error:  # one chat's trouble must not stop the others
                log.error("live dashboard of link %s failed: %s", link.id, type(error).__name__)
        return changed

    async def _refresh_one(self, link: LinkedChat) -> int:
        if link.live_message_id is None:
            return int(await self.start_live(link))
        text = await self.live_text(link)
        digest = text_hash(text)
        if digest == link.live_hash:
            return 0
        now = self.clock.now()
        try:
            await self.bot.edit_message_text(
                text, chat_id=link.chat_id, message_id=link.live_message_id
            )
        except TelegramForbiddenError:
            await self._lost(link)
            return 0
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                await chat_link_ops.set_live(self.db, link.id, link.live_message_id, digest, now)
                return 0
            if "not found" in error.message or "can't be edited" in error.message:
                # Someone deleted it: a new one, pinned.
                return int(await self.start_live(link))
            raise
        await chat_link_ops.set_live(self.db, link.id, link.live_message_id, digest, now)
        return 1

    async def _lost(self, link: LinkedChat) -> None:
        """The bot may no longer write there (removed, channel gone): the link goes."""
        log.info("link %s removed: the chat refused the bot (403)", link.id)
        await chat_link_ops.unlink(self.db, link.chat_id, None, self.clock.now(), "forbidden")

    # -- digests -------------------------------------------------------------------------------
    async def queue_digests(self) -> int:
        """The tick: write the digests due now to the outbox. Returns rows added."""
        for chat_id in await chat_link_ops.refused_chats(self.db):
            log.info("a linked chat refused its digest (403): unlinked")
            await chat_link_ops.unlink(self.db, chat_id, None, self.clock.now(), "forbidden")
        local = self.clock.now().astimezone(self.zone)
        if local.time() < self.digest_time:
            return 0
        today = local.date()
        added = 0
        for link in await chat_link_ops.all_links(self.db):
            added += await self._queue(link, "daily", today)
            if today.weekday() == self.digest_weekday:
                added += await self._queue(link, "weekly", today)
        if added:
            log.info("digests: %d messages queued", added)
        return added

    async def _queue(self, link: LinkedChat, kind: str, today: date) -> int:
        t, locale = self._t(link)
        scope = self._scope_name(link, t)
        if kind == "daily":
            start = today
            period = day_period(today, self.zone)
            previous = day_period(today - timedelta(days=1), self.zone)
            title = t(
                "digest.daily_title",
                scope=scope,
                day=format_date(today, "EEEE d MMMM", locale=locale),
            )
        else:
            start = today - timedelta(days=today.weekday())
            period = week_period(start, self.zone)
            previous = week_period(start - timedelta(days=7), self.zone)
            title = t(
                "digest.weekly_title",
                scope=scope,
                first=format_date(start, "d MMMM", locale=locale),
                last=format_date(start + timedelta(days=6), "d MMMM", locale=locale),
            )
        key = f"digest:{kind}:{link.chat_id}:{start.isoformat()}"
        if await _queued(self.db, key):
            return 0
        board, chart = None, None
        if kind == "weekly":
            # The leaderboard is ranked while the dashboards are summed and charted.
            (figures, before, chart), board = await asyncio.gather(
                self._charted(link, period, previous, locale),
                self._board(link, period.start, t, locale),
            )
        else:
            figures, before = await self._figures(link, period, previous)
        rows: list[tuple[str, str, dict[str, str]]] = [
            (key if number == 0 else f"{key}:{number}", text, {})
            for number, text in enumerate(dashboard_text(figures, before, t, locale, title))
        ]
        if board:
            rows.append((f"{key}:board", board, {}))
        if chart is not None:
            rows.append((f"{key}:chart", "", {"png": base64.b64encode(chart).decode()}))
        return await self._enqueue(link.chat_id, rows)

    async def _board(
        self, link: LinkedChat, since: datetime | None, t: Translate, locale: str
    ) -> str | None:
        """The week's leaderboard: only volunteers who chose to appear on it are named."""
        rows = await leaderboard(self.db, link.team_id, since, BOARD_SIZE)
        if not rows:
            return None
        lines = [t("digest.board_title")]
        lines += [
            t(
                "digest.board_line",
                rank=row.rank,
                name=esc(row.name),
                missions=format_decimal(row.missions, locale=locale),
                doors=format_decimal(row.doors, locale=locale),
            )
            for row in rows
        ]
        return "\n".join(lines)

    async def _enqueue(self, chat_id: int, rows: list[tuple[str, str, dict[str, str]]]) -> int:
        """Write a digest's messages in one transaction; the first key decides: all or none."""
        now = self.clock.now()
        added = 0
        try:
            async with self.db.begin() as session:
                for number, (key, text, payload) in enumerate(rows):
                    added += await enqueue(
                        session, key=key, chat_id=chat_id, text=text, now=now, person_id=None,
                        purpose=None, kind="photo" if payload else "text", payload=payload,
                    )  # fmt: skip
                    if number == 0 and not added:
                        return 0
        except IntegrityError:
            return 0  # another replica wrote it a moment ago
        return added


async def _queued(db: Database, key: str) -> bool:
    async with db() as session:
        found = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )
    return found is not None
