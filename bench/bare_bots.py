"""The bare aiogram bots Terrain is measured against, each run in a process of its own that
imports only aiogram and the sandbox, as such a bot would run: in Terrain's process its
garbage collector would also walk Terrain's ~300,000 loaded objects (bot/app.py
`tune_collector`), which slows it or, once Terrain has frozen them, not.

    python bench/bare_bots.py echo API_URL            (the mix's echo bot, until SIGTERM)
    python bench/bare_bots.py help USERS MESSAGES     (the /help bot, with its own sandbox)

The echo bot serves a sandbox run by bench/updates_mix.py, as Terrain does there; the /help
bot prints its rates as JSON for bench/update_overhead.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import Sandbox, User

TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"


def measure_help(users: int, messages: int) -> Any:
    """Run the bare /help bot and its sandbox in a child process: its rates."""
    done = subprocess.run(
        [sys.executable, __file__, "help", str(users), str(messages)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


async def polling(sb: Sandbox) -> None:
    await sb.wait_until(lambda: sb.calls("getUpdates"), 10, lambda: "not polling")


async def drive(sb: Sandbox, users: int, messages: int) -> tuple[float, float]:
    """/help updates per second: people waiting for each answer, then a burst."""
    people = [sb.user(f"User{i}", language_code="fr") for i in range(users)]

    async def talk(person: User) -> None:
        for n in range(messages):
            await person.send("/help")
            await sb.wait_until(
                lambda n=n: len(person.texts()) > n, 60, lambda: "no answer", person.id
            )

    started = time.perf_counter()
    await asyncio.gather(*(talk(person) for person in people))
    waiting = users * messages / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(messages):
        await asyncio.gather(*(person.send("/help") for person in people))
    await sb.wait_until(
        lambda: all(len(p.texts()) >= 2 * messages for p in people),
        120,
        lambda: "replies missing",
    )
    return waiting, users * messages / (time.perf_counter() - started)


def _bot(sb: Sandbox) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sb.base_url)))


async def help_bot(users: int, messages: int) -> tuple[float, float]:
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        bot, dp = _bot(sb), Dispatcher()

        @dp.message(Command("help"))
        async def help_(message: Message) -> None:
            await message.answer("help")

        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await polling(sb)
        rates = await drive(sb, users, messages)
        await dp.stop_polling()
        await task
        return rates


async def echo_bot(api_url: str) -> None:
    """Answer every text with itself and a button, every tap with a toast, until SIGTERM."""
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dp = Dispatcher()
    tap = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="tap", callback_data="tap")]]
    )

    @dp.message(F.text)
    async def answer(message: Message) -> None:
        await message.answer(message.text or "", reply_markup=tap)

    @dp.callback_query()
    async def tapped(query: CallbackQuery) -> None:
        await query.answer("ok")

    await dp.start_polling(bot)


@dataclass
class Measured:
    """A bot's run: updates handled, in how many seconds, with how much of its process's CPU
    (None where it cannot be read)."""

    updates: int
    seconds: float
    cpu_s: float | None

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def cpu_per_update(self) -> str:
        if self.cpu_s is None:
            return "its CPU unknown here"
        # Busy well under 100%: the bot waited on something, not on its own CPU.
        busy = self.cpu_s / self.seconds
        per_update = self.cpu_s * 1000 / self.updates
        return f"{per_update:.2f} ms of its process's CPU per update, busy {busy:.0%} of the time"


class CpuClock:
    """A process's CPU seconds, counted only between start() and stop() (possibly several
    times); None where /proc is not, or for no process (pid None)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.total: float | None = 0.0
        self._since: float | None = None

    def start(self) -> None:
        self._since = cpu_seconds(self.pid)

    def stop(self) -> None:
        now = cpu_seconds(self.pid)
        if now is None or self._since is None or self.total is None:
            self.total = None
        else:
            self.total += now - self._since


def cpu_seconds(pid: int | None) -> float | None:
    """A process's CPU time, all its threads, user and system; None where /proc is not."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def bot_process(sb: Sandbox, command: list[str], **kwargs: Any) -> AsyncIterator[int]:
    """A bot in a process of its own, polling the sandbox: its pid, once it polls. Stopped
    with SIGTERM, as a service manager would; its output is dropped (Terrain logs at INFO)."""
    child = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    try:
        await sb.wait_until(lambda: sb.calls("getUpdates"), 60, lambda: "the bot is not polling")
        yield child.pid
    finally:
        child.terminate()
        await child.wait()


async def echo_run(volunteers: int, per_person: int) -> Measured:
    """The same number of updates from the same number of people as the mix, texts and taps,
    each waiting for its answer as a person does, to the echo bot in its own process."""
    async with Sandbox(token=TOKEN, bot_username="bench_bot") as sb:
        command = [sys.executable, __file__, "echo", sb.base_url]
        async with bot_process(sb, command) as pid:
            users = [sb.user(f"U{i}", language_code="fr") for i in range(volunteers)]

            async def talk(user: User) -> None:
                # Terrain's mix is about one tap in three updates.
                for n in range(per_person):
                    if n % 3 == 2:
                        await user.press("tap")
                    else:
                        await user.send(f"message {n}")
                        await user.expect(f"message {n}")

            # Warming up, as Terrain is in the mix: a first exchange, not counted.
            await users[0].send("warm-up")
            await users[0].expect("warm-up")
            cpu = CpuClock(pid)
            started = time.perf_counter()
            cpu.start()
            await asyncio.gather(*(talk(user) for user in users))
            cpu.stop()
            return Measured(volunteers * per_person, time.perf_counter() - started, cpu.total)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        asyncio.run(echo_bot(sys.argv[2]))
    else:
        print(json.dumps(asyncio.run(help_bot(int(sys.argv[2]), int(sys.argv[3])))))
