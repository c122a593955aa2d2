"""`terrain run`, `terrain db upgrade`, `terrain demo`. The command line is the one place
that writes to the terminal; everything else logs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import setup_logging
from bot.settings import Settings, token_problem
from models.database import DatabaseUrlError, parse_database_url, upgrade

USAGE_ERROR = 2


def fail(message: str) -> int:
    sys.stderr.write(f"terrain: {message}\n")
    return USAGE_ERROR


def load_settings() -> Settings:
    settings = Settings()
    parse_database_url(settings.database_url)
    settings.ensure_sqlite_folder()
    return settings


def run() -> int:
    settings = load_settings()
    if problem := token_problem(settings):
        return fail(problem)
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    setup_logging(logging.INFO, token)
    upgrade(settings.database_url)

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import Terrain

    try:
        asyncio.run(Terrain(settings).run())
    except TelegramUnauthorizedError:
        return fail("Telegram refused TERRAIN_BOT_TOKEN (401): check it with @BotFather.")
    except TelegramNetworkError:
        return fail(f"cannot reach the Bot API at {settings.telegram_api_url}.")
    return 0


def db_upgrade() -> int:
    settings = load_settings()
    setup_logging(logging.WARNING)
    upgrade(settings.database_url)
    sys.stdout.write("database is up to date\n")
    return 0


def demo(db_path: str | None) -> int:
    from bot.demo import run_demo

    setup_logging(logging.ERROR)
    return asyncio.run(run_demo(db_path, sys.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="terrain", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot (long polling), migrating the database first")
    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply the migrations"
    )
    demo_parser = commands.add_parser(
        "demo", help="run the real bot against the local sandbox, no token or network needed"
    )
    demo_parser.add_argument("--db", help="SQLite file to use (default: a new temporary file)")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run()
        if args.command == "db":
            return db_upgrade()
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
