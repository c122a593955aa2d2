"""`terrain run [--webhook]`, `terrain doctor`, `terrain db upgrade`, `terrain demo`,
`terrain zones import FILE`. The command line is the one place that writes to the terminal;
everything else logs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import setup_logging
from bot.settings import Settings, token_problem
from models.database import DatabaseUrlError, parse_database_url, upgrade

if TYPE_CHECKING:
    from models.zone_import import ImportSummary, ShapeSummary

USAGE_ERROR = 2


def fail(message: str) -> int:
    sys.stderr.write(f"terrain: {message}\n")
    return USAGE_ERROR


def load_settings() -> Settings:
    settings = Settings()
    parse_database_url(settings.database_url)
    settings.ensure_sqlite_folder()
    return settings


def run(use_webhook: bool = False) -> int:
    settings = load_settings()
    if problem := token_problem(settings):
        return fail(problem)
    from bot.webhook import WebhookConfig, WebhookListenError, webhook_problem

    webhook = None
    if use_webhook:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        if problem := webhook_problem(settings.webhook_url, secret):
            return fail(problem)
        assert settings.webhook_url is not None and secret is not None  # checked just above
        webhook = WebhookConfig(
            settings.webhook_url, secret, settings.webhook_host, settings.webhook_port
        )
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    from redis.exceptions import RedisError

    from bot.storage import check_redis

    try:
        if settings.redis_url is not None:  # before anything is logged or migrated
            asyncio.run(check_redis(settings.redis_url))
    except RedisError as error:
        return fail(f"cannot use Redis ({type(error).__name__}): check TERRAIN_REDIS_URL")
    setup_logging(logging.INFO, token)
    upgrade(settings.database_url)

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import Terrain

    try:
        asyncio.run(Terrain(settings).run(webhook=webhook))
    except WebhookListenError as error:
        return fail(str(error))
    except RedisError as error:
        return fail(f"cannot use Redis ({type(error).__name__}): check TERRAIN_REDIS_URL")
    except TelegramUnauthorizedError:
        return fail("Telegram refused TERRAIN_BOT_TOKEN (401): check it with @BotFather.")
    except TelegramNetworkError:
        return fail(f"cannot reach the Bot API at {settings.telegram_api_url}.")
    return 0


def doctor() -> int:
    """One line per check; exit status 1 when any failed."""
    settings = Settings()
    parse_database_url(settings.database_url)
    setup_logging(logging.CRITICAL)
    from bot.doctor import diagnose

    findings = asyncio.run(diagnose(settings))
    sys.stdout.write("".join(f"{finding.line()}\n" for finding in findings))
    return 0 if all(finding.ok for finding in findings) else 1


def db_upgrade() -> int:
    settings = load_settings()
    setup_logging(logging.WARNING)
    upgrade(settings.database_url)
    sys.stdout.write("database is up to date\n")
    return 0


def zones_import(file: str) -> int:
    """Check the whole file first (no database needed), then migrate and load it."""
    from models.database import create_database, create_engine
    from models.zone_import import ZoneFileError, import_zones, read_zone_file

    settings = load_settings()
    setup_logging(logging.WARNING)
    path = Path(file)
    if not path.is_file():
        return fail(f"no such file: {file}")
    from models.zone_shapes import looks_like_geojson

    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as error:
        return fail(f"cannot read {file}: {error.strerror or type(error).__name__}")
    if looks_like_geojson(path.name, head):
        return shapes_import(settings, file, path)
    started = time.perf_counter()

    async def load() -> ImportSummary:
        engine = create_engine(settings.database_url)
        try:
            return await import_zones(create_database(engine), zone_file)
        finally:
            await engine.dispose()

    try:
        try:
            zone_file = read_zone_file(path)
        except OSError as error:
            return fail(f"cannot read {file}: {error.strerror or type(error).__name__}")
        upgrade(settings.database_url)
        summary = asyncio.run(load())
    except ZoneFileError as error:
        sys.stderr.write(f"terrain: {file}: nothing loaded, the file has problems:\n")
        for problem in error.problems:
            sys.stderr.write(f"  {problem}\n")
        if error.truncated:
            sys.stderr.write("  (more problems not shown: fix these first)\n")
        return USAGE_ERROR
    sys.stdout.write(describe_import(file, summary, time.perf_counter() - started))
    return 0


def shapes_import(settings: Settings, file: str, path: Path) -> int:
    """A GeoJSON of outlines: centres and radii for the zones already loaded."""
    from models.database import create_database, create_engine
    from models.zone_import import import_shapes
    from models.zone_shapes import ShapeFileError, parse_shapes

    async def load() -> ShapeSummary:
        engine = create_engine(settings.database_url)
        try:
            return await import_shapes(create_database(engine), shape_file)
        finally:
            await engine.dispose()

    try:
        shape_file = parse_shapes(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        return fail(f"cannot read {file}: {error.strerror or type(error).__name__}")
    except UnicodeDecodeError:
        return fail(f"{file}: nothing loaded, a GeoJSON file must be UTF-8")
    except ShapeFileError as error:
        return fail(f"{file}: nothing loaded, {error}")
    upgrade(settings.database_url)
    sys.stdout.write(describe_shapes(file, asyncio.run(load())))
    return 0


def describe_shapes(file: str, summary: ShapeSummary) -> str:
    lines = [
        f"{file}: GeoJSON outlines, {summary.features} features",
        f"  centres set:   {summary.updated} zones",
        f"  unchanged:     {summary.unchanged} zones",
        f"  {summary.unmatched} features matched no zone",
    ]
    if summary.without_code:
        lines.append(f"  {summary.without_code} features without a zone code, ignored")
    return "\n".join(lines) + "\n"


def describe_import(file: str, summary: ImportSummary, seconds: float) -> str:
    def counts(counter: Counter[str]) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())) or "none"

    what = "Ministry results file" if summary.format == "ministry" else "zone list"
    return (
        f"{file}: {what}, {summary.source_rows} rows ({summary.encoding}), {seconds:.2f} s\n"
        f"  created:   {counts(summary.created)}\n"
        f"  updated:   {counts(summary.updated)}\n"
        f"  unchanged: {counts(summary.unchanged)}\n"
    )


def demo(db_path: str | None) -> int:
    from bot.demo import run_demo

    setup_logging(logging.ERROR)
    return asyncio.run(run_demo(db_path, sys.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="terrain", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="run the bot (long polling), migrating the database first"
    )
    run_parser.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram webhooks on TERRAIN_WEBHOOK_HOST:PORT instead of polling "
        "(TERRAIN_WEBHOOK_URL, TERRAIN_WEBHOOK_SECRET)",
    )
    commands.add_parser(
        "doctor", help="check the configuration: token, database, Redis, webhook; one line each"
    )
    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply the migrations"
    )
    demo_parser = commands.add_parser(
        "demo", help="run the real bot against the local sandbox, no token or network needed"
    )
    demo_parser.add_argument("--db", help="SQLite file to use (default: a new temporary file)")
    zones = commands.add_parser("zones", help="zones: communes, polling stations...")
    zones_import_parser = zones.add_subparsers(dest="zones_command", required=True).add_parser(
        "import",
        help="load zones from a CSV ('code,name,kind,parent' or a Ministry results file), "
        "or their outlines from a GeoJSON (centres of the zones already loaded)",
    )
    zones_import_parser.add_argument("file", help="the CSV or GeoJSON file")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run(args.webhook)
        if args.command == "doctor":
            return doctor()
        if args.command == "db":
            return db_upgrade()
        if args.command == "zones":
            return zones_import(args.file)
        return demo(args.db)
    except ValidationError as error:
        problems = "; ".join(
            f"TERRAIN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        return fail(f"bad setting: {problems}")
    except DatabaseUrlError as error:
        return fail(str(error))
    except (OSError, SQLAlchemyError) as error:
        # Connection refused, unknown host, missing database: say so in one line, no trace.
        return fail(f"cannot use the database ({type(error).__name__}): check TERRAIN_DATABASE_URL")
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
