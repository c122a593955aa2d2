"""The routing index (bot/routing.py): it may only skip routers that cannot take an event, and
it does skip them. Handling itself is exercised by every conversation test, which all run
through the indexed dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Chat, Message, User

import handlers
from bot.routing import IndexedDispatcher, handler_keys
from handlers.debrief_steps import Debrief

NOW = datetime(2026, 12, 7, tzinfo=UTC)
PERSON = User(id=5, is_bot=False, first_name="Anna")
CHAT = Chat(id=5, type="private")


def _dispatcher() -> tuple[IndexedDispatcher, list[Router]]:
    routers = handlers.routers()
    dp = IndexedDispatcher()
    dp.include_routers(*routers)
    return dp, routers


def _text(text: str) -> Message:
    return Message(message_id=1, date=NOW, chat=CHAT, from_user=PERSON, text=text)


def _tap(data: str) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=PERSON, chat_instance="c", data=data)


def _registered() -> list[tuple[str, Router, tuple[str, object]]]:
    """Every (update type, top-level router, key) a handler of Terrain's waits for."""
    found = []
    for router in handlers.routers():
        for inner in router.chain_tail:
            for update_type, observer in inner.observers.items():
                for handler in observer.handlers:
                    # Sorted: a frozenset's order varies between processes (pytest-xdist's
                    # workers must collect the same tests in the same order).
                    for key in sorted(handler_keys(handler) or (), key=repr):
                        found.append((update_type, router, key))
    return found


def test_most_handlers_are_indexed() -> None:
    """If the index could read few filters, it would skip little: guard its reach."""
    keyed = {(t, k) for t, _, k in _registered()}
    assert len({k for _, k in keyed if k[0] == "command"}) >= 25
    assert len({k for _, k in keyed if k[0] == "data"}) >= 20
    assert len({k for _, k in keyed if k[0] == "state"}) >= 20


@pytest.mark.parametrize(
    ("update_type", "router", "key"),
    [pytest.param(*found, id=f"{found[1].name}-{found[2]}") for found in _registered()],
)
def test_every_handler_stays_reachable(update_type: str, router: Router, key: tuple) -> None:
    dp, routers = _dispatcher()
    kind, value = key
    state = value if kind == "state" else None
    if kind == "command":
        events = [_text(f"/{value} something"), _text(f"/{value.upper()}@terrain_bot")]
    elif kind == "data":
        separator, prefix = value
        events = [_tap(f"{prefix}{separator}1{separator}x")]
    else:
        events = [_text("40"), _tap("zz:1")]
    for event in events:
        if update_type == "callback_query" and not isinstance(event, CallbackQuery):
            continue
        if update_type != "callback_query" and isinstance(event, CallbackQuery):
            continue
        reached = dp.routers_for(update_type, event, state)
        assert router in reached, (key, event)
        # In aiogram's order: the first router that matches must stay first.
        assert list(reached) == [r for r in routers if r in reached]


def test_routers_that_cannot_take_an_event_are_skipped() -> None:
    dp, routers = _dispatcher()
    by_name = {r.name: r for r in routers}
    typed = dp.routers_for("message", _text("40"), Debrief.step.state)
    assert by_name["debrief"] in typed
    for name in ("signup", "assign", "zones", "missions", "broadcast", "roles"):
        assert by_name[name] not in typed, name
    assert len(typed) < len(routers) / 2

    help_ = dp.routers_for("message", _text("/help"), None)
    assert by_name["common"] in help_ and by_name["debrief"] not in help_

    # A forged or stale button: only the routers with an unreadable filter (and the fallback).
    forged = dp.routers_for("callback_query", _tap("nothing:1"), None)
    assert by_name["fallback"] in forged
    assert by_name["volunteer_missions"] not in forged


def test_an_unreadable_filter_keeps_its_router_always() -> None:
    router = Router(name="magic")

    @router.message(lambda message: message.text == "hello")
    async def hello(message: Message) -> None: ...

    commands = Router(name="commands")

    @commands.message(Command("only"))
    async def only(message: Message) -> None: ...

    dp = IndexedDispatcher()
    dp.include_routers(commands, router)
    assert dp.routers_for("message", _text("hello"), None) == (router,)
    assert dp.routers_for("message", _text("/only"), None) == (commands, router)
    assert dp.routers_for("callback_query", _tap("x"), None) == ()
