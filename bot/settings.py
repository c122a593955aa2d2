"""Terrain's settings: environment variables prefixed TERRAIN_, or a .env file."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.report_flows import DEFAULT_TOPICS

TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/terrain.db"
# What @BotFather hands out: the bot's numeric id, a colon, then 35 url-safe characters.
TOKEN_PATTERN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERRAIN_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    # Conversation state in Redis instead of the database (several replicas): redis://...
    redis_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "fr"
    timezone: str = "Europe/Paris"
    campaign_name: str = "Terrain"
    controller_name: str = "The campaign's data controller (set TERRAIN_CONTROLLER_NAME)"
    controller_contact: str = "set TERRAIN_CONTROLLER_CONTACT"
    retention_days: int = Field(default=1095, ge=1)
    telegram_api_url: str = TELEGRAM_API_URL
    # Webhook mode (`terrain run --webhook`): Telegram posts updates to webhook_url (public,
    # HTTPS, usually a load balancer), which forwards to webhook_host:webhook_port here.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    # Reminders around a mission, in hours.
    confirm_hours_before: float = Field(default=24, gt=0)
    remind_hours_before: float = Field(default=2, gt=0)
    debrief_hours_after: float = Field(default=1, ge=0)
    # Telegram's flood limits (Bot FAQ): the outbox sender stays under them.
    per_chat_interval_s: float = Field(default=1.0, ge=0)
    global_per_second: float = Field(default=30, gt=0)
    group_per_minute: float = Field(default=20, gt=0)
    # The outbox sender looks for due messages this often (seconds), and edits a broadcast's
    # progress message at most this often.
    outbox_poll_s: float = Field(default=0.5, gt=0, le=60)
    # How long a claimed message is its sender's: after that, another sender (or this one after
    # a restart) takes it back. Far longer than one Bot API call, short enough after a crash.
    outbox_lease_s: float = Field(default=120, ge=5)
    broadcast_progress_s: float = Field(default=3.0, ge=0)
    # Organizer chats: the daily digest at this time (HH:MM, campaign time zone), the weekly
    # one on this day; the pinned live dashboard is recomputed this often (seconds).
    digest_time: str = "21:00"
    digest_weekday: str = "sunday"
    live_dashboard_s: float = Field(default=60, ge=10)
    # The topics a field report can tick, as tag keys (comma-separated).
    report_topics: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_TOPICS)
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in re.split(r"[,\s]+", value.strip("[] ")) if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None:
                # Said without the URL itself: it may hold a password.
                if problem := redis_url_problem(value):
                    raise ValueError(problem)
        return value

    @field_validator("report_topics", mode="before")
    @classmethod
    def _topics(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in re.split(r"[,\s]+", value.strip("[] ")) if part]
        if isinstance(value, list):
            if not 1 <= len(value) <= 24:
                raise ValueError("between 1 and 24 topics")
            for tag in value:
                if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", str(tag)):
                    raise ValueError(f"a topic is a short key like cost_of_living, not {tag!r}")
        return value

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3])[:h]([0-5]\d)", value.strip())
        if match is None:
            raise ValueError(f"a time of day like 21:00, not {value!r}")
        return f"{int(match[1]):02d}:{match[2]}"

    @field_validator("digest_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.strip().lower() not in WEEKDAYS:
            raise ValueError(f"a day of the week in English (e.g. sunday), not {value!r}")
        return value.strip().lower()

    @property
    def digest_at(self) -> time:
        hours, minutes = self.digest_time.split(":")
        return time(int(hours), int(minutes))

    @property
    def digest_weekday_index(self) -> int:
        """0 for Monday ... 6 for Sunday, like date.weekday()."""
        return WEEKDAYS.index(self.digest_weekday)

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("fr", "en"):
            raise ValueError("must be 'fr' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ensure_sqlite_folder(self) -> None:
        """Create the folder of a file-based SQLite URL, so a first start just works."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix) :].split("?", 1)[0]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)


def redis_url_problem(url: str) -> str | None:
    """Why a Redis URL can't be used, or None: redis://[[user]:password@]host[:port][/db],
    rediss://... (TLS) or unix:///path/to/socket."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        return "not a valid Redis URL (expected redis://host:6379/0)"
    if parts.scheme == "unix":
        return None if parts.path else "a unix:// Redis URL needs the socket's path"
    if parts.scheme not in ("redis", "rediss"):
        return "a Redis URL starts with redis://, rediss:// or unix:// (e.g. redis://host:6379/0)"
    if not parts.hostname:
        return "the Redis URL has no host (expected redis://host:6379/0)"
    db = parts.path.strip("/")
    if db and not db.isdigit():
        return "the Redis database in the URL must be a number (redis://host:6379/0)"
    return None


def token_problem(settings: Settings) -> str | None:
    """Why the token can't be used, in one line, or None when it looks right."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        return (
            "No bot token: talk to @BotFather on Telegram, send /newbot, then set "
            "TERRAIN_BOT_TOKEN=<the token it gives you> (or run `terrain demo` to try without one)."
        )
    if not TOKEN_PATTERN.match(settings.bot_token.get_secret_value().strip()):
        return (
            "TERRAIN_BOT_TOKEN is malformed: @BotFather's tokens look like "
            "'123456789:AA...' (digits, a colon, then about 35 letters, digits, '_' or '-')."
        )
    return None
