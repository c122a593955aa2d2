"""How close the outbox sender gets to the global flood limit it is configured for: many
queued messages to many chats, delivered through the sandbox, timed from the first send to
the last. A ratio near 1.0 means the limit, not the sender, is the bottleneck.

    uv run python bench/outbox_throughput.py [--chats 120] [--per-chat 2] [--rate 30]

Prints messages per second, the configured limit and their ratio; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bot.app import Terrain
from bot.settings import Settings
from models import queue
from models.database import upgrade
from sandbox import Sandbox

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


async def run(chats: int, per_chat: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=TOKEN,
                database_url=url,
                telegram_api_url=sb.base_url,
                global_per_second=rate,
                outbox_poll_s=0.05,
            )
            app = Terrain(settings)
            task = asyncio.create_task(app.run(handle_signals=False))
            await sb.wait_until(lambda: sb.calls("getUpdates"), 10, lambda: "not polling")
            people = [sb.user(f"User{i}", language_code="fr") for i in range(chats)]
            # Telegram refuses to write first: each person says something to the bot.
            await asyncio.gather(*(p.send("/help") for p in people))
            await sb.settle()
            async with app.db.begin() as session:
                for n in range(per_chat):
                    for p in people:
                        await queue.enqueue(
                            session,
                            key=f"bench:{p.id}:{n}",
                            chat_id=p.id,
                            text=f"Message {n}",
                            now=app.clock.now(),
                            purpose=None,
                        )
            app.outbox.wake()
            await app.outbox.drain(timeout=600)
            sends = [
                r
                for r in sb.calls("sendMessage")
                if str(r.params.get("text", "")).startswith("Message ")
            ]
            elapsed = sends[-1].time - sends[0].time
            total = len(sends)
            await app.stop()
            await task
    achieved = (total - 1) / elapsed if elapsed > 0 else float("inf")
    print(f"{total} messages to {chats} chats in {elapsed:.2f} s")
    print(f"achieved {achieved:.1f} msg/s, configured limit {rate:g} msg/s")
    print(f"ratio {achieved / rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=120)
    parser.add_argument("--per-chat", type=int, default=2)
    parser.add_argument("--rate", type=float, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.chats, args.per_chat, args.rate))


if __name__ == "__main__":
    main()
