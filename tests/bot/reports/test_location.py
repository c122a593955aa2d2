"""A shared location is checked against the mission's zone, then dropped: far from it, the
organizer gets a flag saying how far (never where) and the volunteer is not blocked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from bot.app import Terrain
from models.zones import Zone
from sandbox import Sandbox
from tests.bot.helpers import all_rows
from tests.bot.missions.kit import outbox, person
from tests.bot.reports.kit import mission, organizer, reports

FAR = (48.31234, -4.31234)  # about 17 km from bureau 76
NEAR = (48.40911, -4.49012)


async def report_with_location(sandbox: Sandbox, app: Terrain, where: tuple[float, float]) -> Any:
    boss, creator = await organizer(app, sandbox)
    anna = sandbox.user("Anna", username="anna", language_code="fr")
    # Brest bureau 76 as BureauxVoteBrest.geojson gives it.
    made = await mission(app, "posters", (await person(app, anna),), created_by=creator)
    async with app.db.begin() as session:
        values = {"lat": 48.408585, "lon": -4.490097, "radius_m": 407}
        await session.execute(update(Zone).where(Zone.id == made.zone_id).values(**values))
    await anna.send("/debrief")
    await anna.send("30")
    await anna.send("12")
    for _ in range(3):  # topics, note, photo
        await anna.press("Passer")
    await anna.expect("position")
    await anna.send_location(*where)
    await anna.expect("Tout est juste")
    await anna.press("Envoyer")
    await anna.expect("enregistré")  # never blocked
    return boss


def holds(rows: dict[str, list[dict[str, object]]], where: tuple[float, float]) -> list[str]:
    needles = [f"{v}" for v in where] + [f"{v:.4f}" for v in where]
    return [
        f"{table}.{column}"
        for table, found in rows.items()
        for row in found
        for column, value in row.items()
        if value is not None and any(needle in str(value) for needle in needles)
    ]


async def test_far_location_is_flagged_and_dropped(sandbox: Sandbox, app: Terrain) -> None:
    boss = await report_with_location(sandbox, app, FAR)
    [report] = await reports(app)
    assert report.location_shared and report.location_near is False
    assert report.flags == ["far"]
    [flag] = await outbox(app, "report_flag:")
    assert "16,9 km" in flag.text, flag.text  # French decimals
    assert "48.3" not in flag.text and "4.31" not in flag.text
    await app.outbox.drain()
    await boss.expect("bien en dehors")
    assert holds(await all_rows(app), FAR) == []


async def test_near_location_is_not_flagged(sandbox: Sandbox, app: Terrain) -> None:
    await report_with_location(sandbox, app, NEAR)
    [report] = await reports(app)
    assert report.location_shared and report.location_near is True
    assert report.flags == []
    assert await outbox(app, "report_flag:") == []
    assert holds(await all_rows(app), NEAR) == []
