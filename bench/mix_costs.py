"""Where Terrain's time goes on the update mix (bench/updates_mix.py): the event loop's CPU
per update, by kind of update, against the bare echo bot's CPU per update (its process's,
as bench/updates_mix.py runs it) measured in the same run. Terrain runs in this process here,
with the sandbox and the people, so that its loop can be watched.

Each event-loop callback's thread CPU goes to the kind of the update whose context it ran in
(set when the update is fed to the dispatcher: its task and everything it starts inherit
it); what runs outside any update (the sandbox serving the calls, the simulated people,
polling, start-up) is counted apart. Not a timing test: a diagnostic, noisy like the machine.

    uv run python bench/mix_costs.py [--volunteers 40]"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import time
from collections import Counter
from typing import Any

from aiogram import Dispatcher
from aiogram.types import Update
from bare_bots import echo_run
from updates_mix import terrain_in_process

KIND: contextvars.ContextVar[str] = contextvars.ContextVar("kind")
OUTSIDE = "outside any update (sandbox, people, polling, start-up)"


def kind_of(update: Update) -> str:
    message, query = update.message, update.callback_query
    if message is not None and message.text:
        if message.text.startswith("/"):
            return message.text.split()[0]
        return "typed count" if message.text.isdigit() else "typed text"
    if query is not None:
        return f"tap {(query.data or '').split(':')[0]}:"
    return update.event_type


def attributing(cpu: Counter[str], count: Counter[str]) -> None:
    """Patch the event loop's callbacks and the dispatcher's entry to attribute CPU."""
    run = asyncio.events.Handle._run
    feed = Dispatcher.feed_update

    def timed(handle: Any) -> None:
        started = time.thread_time()
        run(handle)
        context = handle._context
        kind = context.get(KIND, OUTSIDE) if context is not None else OUTSIDE
        cpu[kind] += time.thread_time() - started

    async def fed(self: Dispatcher, bot: Any, update: Update, **kwargs: Any) -> Any:
        kind = kind_of(update)
        KIND.set(kind)
        count[kind] += 1
        return await feed(self, bot, update, **kwargs)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    Dispatcher.feed_update = fed  # type: ignore[method-assign]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=40)
    args = parser.parse_args()
    cpu: Counter[str] = Counter()
    count: Counter[str] = Counter()
    attributing(cpu, count)
    ours = await terrain_in_process(args.volunteers)
    echo = await echo_run(args.volunteers, ours.updates // args.volunteers)
    if echo.cpu_s is None:
        raise SystemExit("the echo bot's CPU cannot be read here (no /proc)")
    base = echo.cpu_s * 1000 / echo.updates
    print(
        f"mix: {ours.updates} updates, Terrain at {ours.rate:.1f} updates/s, echo {echo.rate:.1f}"
    )
    print(f"the echo bot: {base:.2f} ms of its process's CPU per update")
    print("Terrain, loop CPU per update of each kind (against the echo bot's):")
    for kind in sorted(count, key=lambda k: -cpu[k]):
        each = cpu[kind] * 1000 / count[kind]
        print(f"  {kind:16} {count[kind]:5} x {each:6.2f} ms  ({each / base:4.1f}x)")
    handled = sum(cpu[k] for k in count)
    print(f"  {'all updates':16} {sum(count.values()):5}   {handled:6.2f} s in all")
    print(f"  {OUTSIDE}: {cpu[OUTSIDE]:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
