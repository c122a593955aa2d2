"""/mystats and /invite end to end through the sandbox, and the aggregation on a real
database: own reports, group reports shown apart, this week against all along, recruits."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta

from bot.app import Terrain
from models.clock import ManualClock
from models.missions import Mission
from models.people import Person, Role, Status
from models.reports import FieldReport, FieldReportMember
from reports.mystats import Counts, stats_for, week_start
from sandbox import Sandbox
from tests.bot.helpers import sign_up
from tests.bot.missions.kit import person
from tests.bot.reports.kit import mission


async def file_report(
    app: Terrain, mission_id: int, author: Person, members: tuple[Person, ...] = (), **counts: int
) -> None:
    """A confirmed report, written straight to the database (the flows have their own tests)."""
    now = app.clock.now()
    async with app.db.begin() as session:
        found = await session.get_one(Mission, mission_id)
        report = FieldReport(
            mission_id=mission_id,
            author_id=author.id,
            zone_id=found.zone_id,
            kind=found.kind,
            people=1 + len(members),
            version=1,
            created_at=now,
            updated_at=now,
            **counts,
        )
        session.add(report)
        await session.flush()
        for member in members:
            session.add(
                FieldReportMember(report_id=report.id, mission_id=mission_id, person_id=member.id)
            )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_mystats_this_week_and_all_along(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = sandbox.user("Anna", language_code="fr")
    who = await person(app, anna)
    first = await mission(app, "door_knocking", (who,))
    await file_report(app, first.id, who, doors_knocked=50, doors_opened=12, conversations=9)
    await anna.send("/mystats")
    reply = await anna.expect("Vos chiffres")
    week, total = reply.text.split("Depuis le début")
    assert "Missions faites : 1 sur 1 acceptées" in week
    assert "Portes frappées : 50" in week and "Conversations : 9" in week
    assert "Portes frappées : 50" in total
    assert "Tracts" not in reply.text  # a count never given is not shown

    clock.advance(timedelta(days=7))
    second = await mission(app, "leafleting", (who,))
    await file_report(app, second.id, who, leaflets=300)
    await mission(app, "door_knocking", (who,), ended_ago=timedelta(hours=-30))  # not yet
    await anna.send("/mystats")
    reply = await anna.expect("Vos chiffres")
    week, total = reply.text.split("Depuis le début")
    assert "Missions faites : 1 sur 2 acceptées" in week
    assert "Tracts distribués : 300" in week and "Portes frappées" not in week
    assert "Missions faites : 2 sur 3 acceptées" in total
    assert "Portes frappées : 50" in total and "Tracts distribués : 300" in total


async def test_recruits_count_friends_who_join_through_the_invite_link(
    sandbox: Sandbox, app: Terrain
) -> None:
    anna = sandbox.user("Anna", language_code="en")
    await person(app, anna)
    await anna.send("/invite")
    text = await anna.expect("invite link")
    code = re.search(r"start=(r_[A-Za-z0-9_-]+)", text.text)
    assert code is not None
    photo = await anna.expect("QR code")
    assert photo.photo is not None
    width, height = png_size(photo.photo)
    assert width == height and 150 <= width <= 1000
    assert len(photo.photo) < 20_000

    await anna.send("/mystats")
    assert "People you recruited: 0" in (await anna.expect("Your figures")).text
    assert "No field report yet" in anna.last.text

    bob = sandbox.user("Bob", language_code="fr")
    await sign_up(bob, start=f"/start {code.group(1)}")
    await anna.send("/mystats")
    reply = await anna.expect("Your figures")
    assert reply.text.count("People you recruited: 1") == 2  # this week and all along


async def test_someone_who_never_joined_gets_the_no_data_message(
    sandbox: Sandbox, app: Terrain
) -> None:
    stranger = sandbox.user("Zoé", language_code="fr")
    await stranger.send("/mystats")
    await stranger.expect("aucune donnée")
    await stranger.send("/invite")
    await stranger.expect("aucune donnée")
    assert all(m.photo is None for m in stranger.transcript)


async def test_group_reports_are_shown_with_the_team_not_as_ones_own(
    sandbox: Sandbox, app: Terrain
) -> None:
    lead_user, anna_user = sandbox.user("Léa"), sandbox.user("Anna", language_code="en")
    lead = await person(app, lead_user, role=Role.TEAM_LEAD, team="Brest")
    anna = await person(app, anna_user, team="Brest")
    solo = await mission(app, "door_knocking", (anna,))
    group = await mission(app, "door_knocking", (lead, anna))
    await file_report(app, solo.id, anna, doors_knocked=10, doors_opened=3)
    await file_report(app, group.id, lead, (anna,), doors_knocked=100, doors_opened=40)

    mine = await stats_for(app.db, anna.id)
    assert (mine.accepted, mine.done) == (2, 2)
    assert mine.own == Counts(doors_knocked=10, doors_opened=3)
    assert mine.with_team == Counts(doors_knocked=100, doors_opened=40)
    leads = await stats_for(app.db, lead.id)
    assert leads.own == Counts() and leads.with_team.doors_knocked == 100

    await anna_user.send("/mystats")
    reply = await anna_user.expect("Your figures")
    assert "Doors knocked: 10 (+100 with your team)" in reply.text
    assert "With your team" in reply.text


async def test_aggregation_periods_recruits_and_erasure(
    sandbox: Sandbox, app: Terrain, clock: ManualClock
) -> None:
    anna = await person(app, sandbox.user("Anna"))
    old = await mission(app, "phone_bank", (anna,), ended_ago=timedelta(days=10))
    await file_report(app, old.id, anna, calls=40, conversations=12)
    friends = [await person(app, sandbox.user(f"Ami{i}")) for i in range(3)]
    async with app.db.begin() as session:
        for i, friend in enumerate(friends):
            row = await session.get_one(Person, friend.id)
            row.referred_by_id = anna.id
            row.created_at = clock.now() - timedelta(days=10 * i)
            if i == 2:
                row.status = Status.ERASED.value
    since = week_start(clock.now(), "Europe/Paris")
    week = await stats_for(app.db, anna.id, since)
    total = await stats_for(app.db, anna.id)
    assert (week.accepted, week.own, week.recruits) == (0, Counts(), 1)
    assert (total.accepted, total.done, total.recruits) == (1, 1, 2)
    assert total.own == Counts(calls=40, conversations=12)
    # Someone with nothing: all zeros, no error.
    assert await stats_for(app.db, friends[0].id) == type(total)()


def test_week_starts_on_monday_midnight_in_the_campaign_time_zone() -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Paris (winter time): a new week there.
    sunday_night = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert week_start(sunday_night, "Europe/Paris") == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert week_start(sunday_night, "UTC") == datetime(2026, 2, 23, tzinfo=UTC)
    wednesday = datetime(2026, 7, 8, 12, 0, tzinfo=UTC)  # summer time: UTC+2
    assert week_start(wednesday, "Europe/Paris") == datetime(2026, 7, 5, 22, 0, tzinfo=UTC)
