"""The Telegram conversation: one Router per feature, thin handlers over models/."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router

from handlers import (
    assign,
    broadcast,
    common,
    debrief,
    export,
    links,
    missions,
    mystats,
    profile,
    recognition,
    report,
    rights,
    roles,
    signup,
    volunteer_missions,
    zones,
)


def routers() -> list[Router]:
    """In order: the first router whose filters match an update handles it."""
    ordered = [
        common.leaving,
        signup.router,
        rights.router,
        roles.router,
        zones.router,
        missions.router,
        assign.router,
        volunteer_missions.router,
        broadcast.router,
        debrief.router,
        links.router,
        mystats.router,
        report.router,
        recognition.router,
        export.router,
        common.router,
        signup.replies,
        profile.router,
        common.fallback,
    ]
    for router in ordered:
        # The routers live at module level, so every Terrain built in this process (the tests
        # build one per test) shares them; aiogram lets a router have one parent, the newest.
        router._parent_router = None
        _check_inline(router)
    return ordered


def _check_inline(router: Router) -> None:
    """aiogram runs every synchronous filter in a worker thread (asyncio.to_thread): magic
    filters such as `F.chat.type == "private"`, and states used as filters. Each is a pure
    comparison whose thread hop costs far more than the check, on every router an update
    passes; so they are made awaitable and checked inline, in nested routers too."""
    for observer in (o for r in router.chain_tail for o in r.observers.values()):
        for handler in (observer._handler, *observer.handlers):  # the router's own first
            for found in handler.filters or ():
                if not found.awaitable:
                    found.callback = _inline(found.callback)
                    found.awaitable = True


def _inline(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    inline.__wrapped__ = check  # type: ignore[attr-defined]  # read by bot/routing.py
    return inline
