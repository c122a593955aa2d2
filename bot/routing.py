"""Which routers an update can reach, looked up instead of tried one by one.

aiogram offers each event to every router in turn, checking each handler's filters until one
matches: with Terrain's 19 routers and ~150 handlers, a typed answer to a report's question
went through nine other routers first, each copying the event's ~25 keyword arguments half a
dozen times, and routing cost more than the echo bot's whole update (bench/updates_mix.py).

Most handlers name what they wait for: a command, a callback-data prefix, a conversation
state. The index keeps, for each update type, which routers hold a handler for each such key,
and which hold a handler it cannot read (a magic filter alone, say), which are always tried.
An event is then offered, in aiogram's order, only to the routers that can take it; each still
checks its filters as before, so the index decides nothing, it only skips routers that would
have answered "not mine". One filter per handler is enough for that: any filter is a
necessary condition."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

# What a handler waits for: ("command", name), ("data", (separator, prefix)), ("state", raw).
Key = tuple[str, Any]
WILD = None  # a handler the index cannot read: its router is always tried


def handler_keys(handler: HandlerObject) -> frozenset[Key] | None:
    """The keys one of the handler's filters requires (any one of them), or WILD."""
    for found in handler.filters or ():
        check = getattr(found.callback, "__wrapped__", found.callback)
        keys = _filter_keys(check)
        if keys is not WILD:
            return keys
    return WILD


def _filter_keys(check: Any) -> frozenset[Key] | None:
    if isinstance(check, Command):
        if check.prefix != "/" or not all(isinstance(c, str) for c in check.commands):
            return WILD  # patterns and other prefixes: not worth reading
        return frozenset(("command", c.casefold()) for c in check.commands)
    if isinstance(check, CallbackQueryFilter):
        data = check.callback_data
        return frozenset({("data", (data.__separator__, data.__prefix__))})
    if isinstance(check, State):
        return _state_keys([check])
    if isinstance(check, StateFilter):
        return _state_keys(check.states)
    return WILD


def _state_keys(states: Sequence[Any]) -> frozenset[Key] | None:
    keys: set[Key] = set()
    for state in states:
        if isinstance(state, State):
            state = state.state
        if inspect.isclass(state) and issubclass(state, StatesGroup):
            keys.update(("state", name) for name in state.__all_states_names__)
        elif isinstance(state, StatesGroup):
            keys.update(("state", name) for name in type(state).__all_states_names__)
        elif state is None or (isinstance(state, str) and state != "*"):
            keys.add(("state", state))
        else:
            return WILD
    return frozenset(keys)


class _TypeIndex:
    """The routers holding handlers for one update type, by key."""

    def __init__(self, order: list[Router], update_type: str) -> None:
        self.order = order
        self.always: set[Router] = set()
        self.by_key: dict[Key, set[Router]] = {}
        self.separators: set[str] = set()
        for router in order:
            for observer in _observers(router, update_type):
                if observer.outer_middleware:
                    self.always.add(router)  # runs even when no handler matches
                for handler in observer.handlers:
                    keys = handler_keys(handler)
                    if keys is WILD:
                        self.always.add(router)
                        continue
                    for key in keys:
                        self.by_key.setdefault(key, set()).add(router)
                        if key[0] == "data":
                            self.separators.add(key[1][0])
        self._memo: dict[tuple[Key, ...], tuple[Router, ...]] = {}

    def routers(self, event: TelegramObject, raw_state: str | None) -> tuple[Router, ...]:
        keys = tuple(k for k in self._event_keys(event, raw_state) if k in self.by_key)
        found = self._memo.get(keys)
        if found is None:
            reached = set(self.always).union(*(self.by_key[k] for k in keys))
            found = self._memo[keys] = tuple(r for r in self.order if r in reached)
        return found

    def _event_keys(self, event: TelegramObject, raw_state: str | None) -> Iterable[Key]:
        yield ("state", raw_state)
        if isinstance(event, Message):
            text = event.text or event.caption
            if text and text[0] == "/":
                head = text.split(maxsplit=1)
                if head:
                    yield ("command", head[0][1:].partition("@")[0].casefold())
        elif isinstance(event, CallbackQuery) and event.data:
            for separator in self.separators:
                yield ("data", (separator, event.data.split(separator, 1)[0]))


def _observers(router: Router, update_type: str) -> Iterable[TelegramEventObserver]:
    for inner in router.chain_tail:
        observer = inner.observers.get(update_type)
        if observer is not None:
            yield observer


class IndexedDispatcher(Dispatcher):
    """A Dispatcher offering each event only to the routers the index says can take it.
    Routers must all be included before the first update."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index: dict[str, _TypeIndex] = {}  # by update type, built on its first event

    def routers_for(
        self, update_type: str, event: TelegramObject, raw_state: str | None
    ) -> tuple[Router, ...]:
        by_type = self._index.get(update_type)
        if by_type is None:
            by_type = self._index[update_type] = _TypeIndex(list(self.sub_routers), update_type)
        return by_type.routers(event, raw_state)

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        if update_type in ("update", "error") or observer is None:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        # Router._propagate_event, with the sub-routers looked up.
        result, data = await observer.check_root_filters(event, **kwargs)
        if not result:
            return UNHANDLED
        kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:
            return UNHANDLED
        if response is not UNHANDLED:
            return response
        for router in self.routers_for(update_type, event, kwargs.get("raw_state")):
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                break
        return response
