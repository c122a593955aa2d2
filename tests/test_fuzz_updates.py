"""Random updates (hypothesis): any text, unicode, huge strings, unknown commands, garbage
button data, group and channel messages, edited messages, update types the bot doesn't use.
None may raise an unhandled exception, get a 400 from Telegram, or change anyone else's data.

The bot runs once for the whole module in a thread of its own (starting one per example would
take most of the time); each example talks to it through that thread's event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import Terrain
from models.clock import Clock
from models.database import upgrade
from models.missions import Assignment
from models.people import ConsentEvent, Person
from models.reports import FieldReport
from sandbox import Sandbox
from tests.bot.helpers import sign_up
from tests.conftest import TOKEN, make_settings

T = TypeVar("T")
COMMANDS = (
    "start", "help", "missions", "mymissions", "mystats", "debrief", "invite", "mydata",
    "consent", "language", "stop", "forget", "cancel", "newmission", "mission", "assign",
    "zones", "broadcast", "newteam", "promote", "demote", "report", "export", "link",
    "unlink", "badges", "leaderboard", "nosuchcommand",
)  # fmt: skip
# Button data shaped like the bot's own (a prefix, a colon, ids) and pure garbage.
PREFIXES = ("sg", "pf", "rt", "ms", "as", "vm", "bc", "db", "dk", "zn", "lk", "lb", "x")


class Failures(logging.Handler):
    """Collects what the error handler logs: an update that raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


class Running:
    """The sandbox and the bot on a loop in another thread."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.folder = folder
        self.sb: Sandbox
        self.app: Terrain
        self.users: list[Any] = []
        self.anna: Any = None
        self.group: Any = None
        self.channel: Any = None
        self.next_update = 10_000_000

    def __call__(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:  # noqa: ASYNC109
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def start(self) -> None:
        self.sb = Sandbox(token=TOKEN, bot_username="terrain_test_bot")
        await self.sb.start()
        url = f"sqlite+aiosqlite:///{self.folder / 'fuzz.db'}"
        await asyncio.to_thread(upgrade, url)
        self.app = Terrain(make_settings(self.sb, url), Clock())
        self.task = asyncio.create_task(self.app.run(handle_signals=False))
        await self.sb.wait_until(lambda: self.sb.calls("getUpdates"), 10, lambda: "no polling")
        self.anna = self.sb.user("Anna", username="anna", language_code="fr")
        await sign_up(self.anna, news=True)
        joined = self.sb.user("Joël", username="joel", language_code="fr")
        await sign_up(joined)
        self.users = [
            joined,
            self.sb.user("Zoé", language_code="en"),
            self.sb.user("<b>Bold</b> & co", username="html_name"),
        ]
        self.group = self.sb.group("QG", kind="supergroup").add(*self.users, self.anna)
        self.channel = self.sb.group("Canal", kind="channel")
        await self.sb.settle()

    async def stop(self) -> None:
        await self.app.stop()
        await asyncio.wait_for(self.task, 10)
        await self.sb.stop()

    async def anna_data(self) -> dict[str, Any]:
        """What is held about Anna, but the time she was last seen."""
        async with self.app.db() as session:
            person = await session.scalar(select(Person).where(Person.telegram_id == self.anna.id))
            assert person is not None
            row = {c: getattr(person, c) for c in Person.__table__.columns.keys()}  # noqa: SIM118
            row.pop("last_seen_at")
            consents = (
                await session.execute(
                    select(ConsentEvent.purpose, ConsentEvent.granted).where(
                        ConsentEvent.person_id == person.id
                    )
                )
            ).all()
            assignments = (
                await session.execute(
                    select(Assignment.mission_id, Assignment.status).where(
                        Assignment.person_id == person.id
                    )
                )
            ).all()
            reports = list(
                await session.scalars(
                    select(FieldReport.id).where(FieldReport.author_id == person.id)
                )
            )
        return {"person": row, "consents": consents, "missions": assignments, "reports": reports}

    def uid(self) -> int:
        self.next_update += 1
        return self.next_update


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    bot = Running(tmp_path_factory.mktemp("fuzz"))
    bot(bot.start())
    yield bot
    bot(bot.stop())
    bot.loop.call_soon_threadsafe(bot.loop.stop)
    bot.thread.join(10)


texts = st.one_of(
    st.text(max_size=200),
    st.text(min_size=4097, max_size=6000),
    st.builds(
        lambda name, arg: f"/{name} {arg}".strip(), st.sampled_from(COMMANDS), st.text(max_size=80)
    ),
    st.builds(lambda name: f"/{name}@terrain_test_bot", st.sampled_from(COMMANDS)),
    st.sampled_from(["<b>", "</i>", "&amp;", "<script>", "\u202e", "\x00", "🎉" * 50]),
)
button_data = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
    st.builds(
        lambda p, a, b: f"{p}:{a}:{b}",
        st.sampled_from(PREFIXES),
        st.integers(-5, 10**12),
        st.text("abcdefghij0123456789:-", max_size=12),
    ),
)
actions = st.tuples(
    st.sampled_from(
        ("text", "text", "command", "button", "edited", "group", "channel", "other_type",
         "sticker", "contact", "location")
    ),
    st.integers(0, 2),
    texts,
    button_data,
)  # fmt: skip


async def play(bot: Running, action: tuple[str, int, str, str]) -> None:
    kind, who, text, data = action
    user = bot.users[who]
    sb = bot.sb
    if kind in ("text", "command"):
        await user.send(text if kind == "text" else "/" + text.lstrip("/"))
    elif kind == "group":
        await user.send(text, chat=bot.group)
    elif kind == "channel":
        await bot.channel.post(text)
    elif kind == "button":
        # A forged press on the latest bot message (Telegram registers the query first).
        if any(m.from_bot for m in user.transcript):
            await user.press(callback_data=data, wait=False)
    elif kind == "edited":
        sent = await user.send("avant")
        payload = {
            "message_id": sent.message_id,
            "date": 1_700_000_000,
            "edit_date": 1_700_000_100,
            "chat": {"id": user.id, "type": "private", "first_name": "x"},
            "from": user.api(),
            "text": text or "après",
        }
        sb.push_update("edited_message", payload)
    elif kind == "other_type":
        sb.push_raw(
            {
                "update_id": bot.uid(),
                "message_reaction": {
                    "chat": {"id": user.id, "type": "private", "first_name": "x"},
                    "message_id": 1,
                    "date": 1_700_000_000,
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                },
            }
        )
    elif kind == "sticker":
        sb.push_update(
            "message",
            {
                "message_id": 900_000 + bot.uid() % 100_000,
                "date": 1_700_000_000,
                "chat": {"id": user.id, "type": "private", "first_name": "x"},
                "from": user.api(),
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            },
        )
    elif kind == "contact":
        await user.send_contact("+33612345678", user_id=bot.anna.id, first_name="Anna")
    else:
        await user.send_location(48.39, -4.48)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(actions, min_size=1, max_size=6))
def test_random_updates_never_crash_or_touch_others(running: Running, batch: list) -> None:
    failures = Failures()
    logging.getLogger("bot.errors").addHandler(failures)
    try:
        before = running(running.anna_data())
        started = len(running.sb.requests)

        async def play_all() -> None:
            for action in batch:
                await play(running, action)
            await running.sb.settle(timeout=30)

        running(play_all())
        after = running(running.anna_data())
    finally:
        logging.getLogger("bot.errors").removeHandler(failures)
    assert failures.records == []
    assert after == before
    refused = [
        str(r)
        for r in running.sb.requests[started:]
        if r.error_code == 400 and not r.method.startswith(("getUpdates", "pin", "unpin"))
    ]
    assert refused == []
