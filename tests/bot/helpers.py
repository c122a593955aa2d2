"""Helpers for end-to-end tests: walk a user through sign-up, read the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import Terrain
from models import metadata
from models.people import Person


async def sign_up(
    user: Any,
    *,
    news: bool = False,
    name: str | None = None,
    postal_code: str = "29200",
    phone: str | None = None,
    start: str = "/start",
) -> None:
    """The whole sign-up, in French (the campaign's default language)."""
    await user.send(start)
    await user.expect("Rejoindre")
    await user.press("Coordonner")
    if news:
        await user.press("Actualités")
    await user.press("Rejoindre")
    await user.expect("Quel nom")
    await user.send(name or user.first_name)
    await user.expect("code postal")
    await user.send(postal_code)
    await user.expect("disponible")
    await user.press("Samedis")
    await user.press("Terminé")
    await user.expect("numéro")
    if phone:
        await user.send_contact(phone=phone)
    else:
        await user.send("Passer")
    await user.expect("Bienvenue")


async def person_of(app: Terrain, telegram_id: int) -> Person | None:
    async with app.db() as session:
        return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def all_rows(app: Terrain) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, for scans that must find nothing personal."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with app.db() as session:
        for table in metadata.sorted_tables:
            result = await session.execute(select(table))
            found[table.name] = [dict(row._mapping) for row in result]
    return found
