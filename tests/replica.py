"""A second (third...) bot process for the replica tests: `python -m tests.replica outbox`
drains the outbox; `python -m tests.replica lock NAME SECONDS` holds a tick's lock. It prints
one line: what it did. Settings come from the environment, as for `terrain run`."""

from __future__ import annotations

import asyncio
import sys

from bot.app import Terrain
from bot.settings import Settings
from models.locks import only_one


async def drain_outbox() -> str:
    app = Terrain(Settings())
    app.outbox.start()
    try:
        await app.outbox.drain(timeout=90)
    finally:
        await app.outbox.stop()
        await app.outbox.close()
        await app.bot.session.close()
        await app.engine.dispose()
    return f"sent {app.outbox.sent}"


async def hold_lock(name: str, seconds: float) -> str:
    app = Terrain(Settings())
    try:
        async with only_one(app.db, name) as mine:
            if mine:
                await asyncio.sleep(seconds)
            return "held" if mine else "skipped"
    finally:
        await app.bot.session.close()
        await app.engine.dispose()


def main() -> None:
    mode = sys.argv[1]
    if mode == "outbox":
        said = asyncio.run(drain_outbox())
    else:
        said = asyncio.run(hold_lock(sys.argv[2], float(sys.argv[3])))
    sys.stdout.write(said + "\n")


if __name__ == "__main__":
    main()
