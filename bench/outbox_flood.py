"""The outbox against Telegram's flood control: 10,000 messages to 10,000 volunteers while the
sandbox answers 429 (retry after 1 s) to any send beyond 30 in a second, as Telegram does.

    uv run python bench/outbox_flood.py [--messages 10000] [--limit 30]
        [--senders 2 --redis redis://127.0.0.1:6379/9]

Prints the rate achieved over the limit (target at least 0.95), the 429s received, the
messages lost and those sent twice (target 0 each); no pass/fail. About 6 minutes: the
limit, not the machine, sets the pace. With --senders, as many Terrains drain the same
outbox, as replicas do; with --redis (a database it may use) they share one pace, without it
each paces itself."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from bot.app import Terrain
from bot.settings import Settings
from models import queue
from models.database import upgrade
from sandbox import Sandbox

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


async def run(messages: int, limit: float, senders: int, redis_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'flood.db'}"
        await asyncio.to_thread(upgrade, url)
        async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
            sb.flood_limit(limit)
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=TOKEN,
                database_url=url,
                telegram_api_url=sb.base_url,
                global_per_second=limit,  # the setting's default: Telegram's figure
                outbox_poll_s=0.05,
                redis_url=redis_url,
            )
            apps = [Terrain(settings) for _ in range(senders)]
            app = apps[0]
            people = [sb.user(f"V{i}", language_code="fr") for i in range(messages)]
            for person in people:
                person.started = True  # each wrote to the bot once, long ago
            async with app.db.begin() as session:
                for person in people:
                    await queue.enqueue(
                        session,
                        key=f"flood:{person.id}",
                        chat_id=person.id,
                        text="Grande réunion jeudi",
                        now=app.clock.now(),
                        purpose=None,
                    )
            for each in apps:
                each.outbox.start()
            try:
                for each in apps:
                    await each.outbox.drain(timeout=3600)
            finally:
                for each in apps:
                    await each.close()
            calls = sb.calls("sendMessage")
    delivered = [r for r in calls if r.ok]
    per_chat = Counter(r.params["chat_id"] for r in delivered)
    elapsed = delivered[-1].time - delivered[0].time
    achieved = (len(delivered) - 1) / elapsed
    lost = messages - len(per_chat)
    twice = sum(1 for n in per_chat.values() if n > 1)
    refused = sum(1 for r in calls if r.error_code == 429)
    print(f"{len(delivered)} messages delivered to {len(per_chat)} chats in {elapsed:.1f} s")
    print(
        f"achieved {achieved:.2f} msg/s against a limit of {limit:g}: ratio {achieved / limit:.3f}"
    )
    print(f"429s received: {refused}; lost: {lost}; sent twice: {twice}")
    if senders > 1:
        shared = "one pace in Redis" if redis_url else "each its own pace"
        print(f"senders: {', '.join(str(a.outbox.sent) for a in apps)} messages ({shared})")
        if redis_url:
            late = sum(a.outbox.pace.late for a in apps)
            print(f"slots left empty by sends that woke too late for them: {late}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=30)
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--redis", help="a Redis URL the senders share their pace through")
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.limit, args.senders, args.redis))


if __name__ == "__main__":
    main()
