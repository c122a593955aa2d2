"""What Terrain's durability costs per update: the same /help traffic answered by a bare
aiogram dispatcher (memory state, no middlewares) and by Terrain (once-only update ids in the
database, the acting person loaded fresh, state in the database), both against the sandbox,
the bare one in a process of its own (bench/bare_bots.py).

Two kinds of traffic: people who each wait for the answer before sending again, as people do
(each getUpdates batch then holds one update per person, all read ahead together: see
bot/read_ahead.py), and a burst where everyone sends all their messages at once (a person's
later updates in a batch are read one by one, and a chat's updates are handled in order).

    uv run python bench/update_overhead.py [--users 40] [--messages 10]

Prints updates per second for each and the ratios; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bare_bots import TOKEN, drive, measure_help, polling

from bot.app import Terrain
from bot.settings import Settings
from models.database import upgrade
from sandbox import Sandbox


async def terrain(users: int, messages: int) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(prefix="terrain-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_url=url,
            telegram_api_url=sb.base_url,
        )
        app = Terrain(settings)
        task = asyncio.create_task(app.run(handle_signals=False))
        await polling(sb)
        rate = await drive(sb, users, messages)
        await app.stop()
        await task
        return rate


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    base = await asyncio.to_thread(measure_help, args.users, args.messages)
    ours = await terrain(args.users, args.messages)
    for at, traffic in enumerate(("people waiting for answers", "a burst")):
        print(f"{traffic}, {args.users} people x {args.messages} /help:")
        print(f"  bare aiogram : {base[at]:8.1f} updates/s")
        print(f"  terrain      : {ours[at]:8.1f} updates/s")
        print(f"  ratio        : {ours[at] / base[at]:8.2f} (terrain / bare; target at least 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
