"""The Telegram conversation: one Router per feature, thin handlers over models/."""

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
        recognition.router,
        report.router,
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
    return ordered
