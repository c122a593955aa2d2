"""The report tests run on the mission tests' Terrain (fast outbox)."""

from tests.bot.missions.conftest import app

__all__ = ["app"]
