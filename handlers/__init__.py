"""The Telegram conversation: one Router per feature, thin handlers over models/."""

from aiogram import Router

from handlers import common, profile, rights, roles, signup


def routers() -> list[Router]:
    """In order: the first router whose filters match an update handles it."""
    return [
        signup.router,
        rights.router,
        roles.router,
        common.router,
        signup.replies,
        profile.router,
        common.fallback,
    ]
