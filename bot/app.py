"""The app factory: one Terrain is a bot client, a dispatcher with its routers, a database
and a scheduler, wired once. `terrain run` and `terrain demo` both run it."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

import handlers
from bot.digests import Dashboards
from bot.errors import on_error
from bot.i18n import Catalogs
from bot.jobs import add_digests, add_reminders, build_scheduler
from bot.middlewares import ActingPerson, OnceOnly
from bot.outbox import Outbox
from bot.polling import Poller
from bot.progress import BroadcastProgress
from bot.read_ahead import read_ahead
from bot.retry import RetryBriefly
from bot.routing import IndexedDispatcher
from bot.session import TelegramSession
from bot.settings import Settings
from bot.storage import DatabaseStorage, conversation_storage
from bot.webhook import WebhookConfig, WebhookListenError, webhook_app
from handlers import menus
from handlers.cards import Composer
from handlers.context import Campaign
from models import roles
from models.clock import Clock
from models.database import create_database, create_engine
from models.reminders import Timing

log = logging.getLogger(__name__)


def build_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("no bot token")
    session = TelegramSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryBriefly())
    return Bot(
        token=settings.bot_token.get_secret_value().strip(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


# Once serving, the collector looks at its youngest objects after this many new ones rather
# than Python's 700. Each update leaves a few hundred behind for a while (its pydantic models,
# the Bot API's answers, SQLAlchemy's rows and sessions), so the default looked every two or
# three updates: over bench/updates_mix.py, ~430 collections and 0.31-0.44 s of the bot's CPU
# (6%); with this, one or two, 0.01-0.03 s. Only garbage in reference cycles waits for it, a
# few hundred updates at most: the bot's peak RSS over the mix stayed at 263 MB.
YOUNG_OBJECTS_PER_COLLECTION = 50_000


def tune_collector() -> None:
    """Once per process, when the bot starts serving: what is loaded by then (aiogram's and
    pydantic's types, SQLAlchemy's mappers, the catalogs: ~300,000 objects) lives as long as
    the process, so the collector's full passes stop walking it. Over bench/updates_mix.py
    they took 0.86 s (4 passes of ~210 ms, each a pause for every user), 0.11 s after. Then
    the youngest generation is collected less often (YOUNG_OBJECTS_PER_COLLECTION)."""
    if gc.get_freeze_count() == 0:
        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, middle, old)


def campaign_of(settings: Settings) -> Campaign:
    return Campaign(
        name=settings.campaign_name,
        controller_name=settings.controller_name,
        controller_contact=settings.controller_contact,
        retention_days=settings.retention_days,
        default_locale=settings.default_locale,
        admin_ids=frozenset(settings.admin_ids),
        timezone=settings.timezone,
        report_topics=tuple(settings.report_topics),
    )


class Terrain:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.engine = create_engine(settings.database_url)
        self.db = create_database(self.engine)
        self.catalogs = Catalogs(settings.default_locale)
        self.campaign = campaign_of(settings)
        self.bot = build_bot(settings)
        # Conversation state: the database, or Redis when TERRAIN_REDIS_URL is set.
        self.conversations, self.isolation = conversation_storage(
            settings.redis_url, self.db, self.clock, self.bot.id
        )
        self.conversations_in_db = isinstance(self.conversations, DatabaseStorage)
        self.dispatcher = self._dispatcher()
        self._stopped = asyncio.Event()
        self.scheduler = build_scheduler(
            self.db,
            self.clock,
            settings.retention_days,
            settings.timezone,
            forget_conversations=self.conversations.forget_user,
        )
        progress = BroadcastProgress(
            self.bot, self.db, self.catalogs, settings.broadcast_progress_s
        )
        self.outbox = Outbox(self.bot, self.db, self.clock, settings, on_progress=progress)
        # Handlers that enqueue can wake the sender instead of waiting for its next look.
        self.dispatcher["outbox"] = self.outbox
        self.dispatcher["broadcast_progress"] = progress
        # The words of mission messages sent later (cards, reminders), for handlers and jobs.
        self.compose = Composer(self.catalogs, self.campaign)
        self.dispatcher["compose"] = self.compose
        self.reminder_timing = Timing.hours(
            settings.confirm_hours_before,
            settings.remind_hours_before,
            settings.debrief_hours_after,
        )
        add_reminders(self.scheduler, self.db, self.clock, self.reminder_timing, self.compose)
        # Organizer chats: digests and pinned live dashboards, edited within the group limit.
        live_every_s = max(settings.live_dashboard_s, 60 / settings.group_per_minute)
        self.dashboards = Dashboards(
            self.bot,
            self.db,
            self.clock,
            self.catalogs,
            self.campaign,
            digest_time=settings.digest_at,
            digest_weekday=settings.digest_weekday_index,
            every_s=live_every_s,
        )
        self.dispatcher["live_dashboards"] = self.dashboards
        add_digests(self.scheduler, self.db, self.dashboards, live_every_s)

    def _dispatcher(self) -> Dispatcher:
        dp = IndexedDispatcher(
            storage=self.conversations,
            events_isolation=self.isolation,
            # Erasure reaches conversation state wherever it is kept (Redis included).
            conversations=self.conversations,
            db=self.db,
            clock=self.clock,
            catalogs=self.catalogs,
            campaign=self.campaign,
        )
        dp.update.outer_middleware(OnceOnly(self.db, self.clock))
        dp.update.outer_middleware(
            ActingPerson(self.db, self.clock, self.catalogs, set(self.settings.admin_ids))
        )
        dp.errors.register(on_error)
        dp.include_routers(*handlers.routers())
        return dp

    async def install_menus(self) -> None:
        default = self.settings.default_locale
        await menus.install_default(self.bot, self.catalogs, default)
        admins = set(self.settings.admin_ids)
        for chat_id in admins:
            await menus.install_for_chat(self.bot, self.catalogs, default, chat_id, menus.ADMIN)
        for chat_id, role in await roles.staff(self.db):
            if chat_id not in admins:
                names = menus.BY_ROLE[role]
                await menus.install_for_chat(self.bot, self.catalogs, default, chat_id, names)

    async def run(
        self, *, handle_signals: bool = True, webhook: WebhookConfig | None = None
    ) -> None:
        """Long polling, or serving `webhook`, until stopped (a signal, or `stop()`)."""
        try:
            await self.conversations.check()  # an unreachable Redis fails here, not mid-talk
            if webhook is None:
                await self.bot.delete_webhook()
            me = await self.bot.me()
            log.info("running as @%s", me.username)
            await self.install_menus()
            tune_collector()
            self.scheduler.start()
            self.outbox.start()
            allowed = self.dispatcher.resolve_used_update_types()
            if handle_signals:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, self._stopped.set)
            if webhook is None:
                ahead = partial(
                    read_ahead, self.db, self.clock, conversations=self.conversations_in_db
                )
                await Poller(self.dispatcher, self.bot, allowed, ahead).run(self._stopped)
            else:
                await self._serve(webhook, allowed)
        finally:
            await self.close()

    async def close(self) -> None:
        """Updates stopped (stop() or a signal): let the sender finish its round first, then
        close everything this Terrain opened."""
        await self.outbox.stop()
        await self.outbox.close()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.bot.session.close()
        await self.conversations.close()
        await self.engine.dispose()

    async def _serve(self, webhook: WebhookConfig, allowed: list[str]) -> None:
        app = webhook_app(self.dispatcher, self.bot, webhook.secret, webhook.path)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, webhook.host, webhook.port).start()
            except OSError as error:
                raise WebhookListenError(webhook.host, webhook.port, error) from error
            # Every process registers the same address: the last call wins, harmlessly.
            await self.bot.set_webhook(
                webhook.url, secret_token=webhook.secret, allowed_updates=allowed
            )
            await self._stopped.wait()
        finally:
            await runner.cleanup()

    async def stop(self) -> None:
        """Stop taking updates; run() then finishes what it handles and closes down."""
        self._stopped.set()
