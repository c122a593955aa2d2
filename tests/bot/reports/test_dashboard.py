"""build_dashboard on a real SQLite file with known numbers: the campaign, a team, a zone with
and without its subzones, one mission, the week before; coverage of targets and topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.i18n import Catalogs
from models.database import Database, create_database, create_engine, upgrade
from models.missions import Assignment, Mission
from models.people import Person, Role, Team
from models.reports import FieldReport, FieldReportMember
from models.zones import Zone
from reports.dashboard import (
    Dashboard,
    Period,
    Progress,
    Scope,
    Totals,
    build_dashboard,
    build_dashboards,
)
from reports.dashboard_text import dashboard_text

PARIS = "Europe/Paris"
# Monday 2 March 2026 00:00 in Paris, and the week that follows.
WEEK = Period(datetime(2026, 3, 1, 23, 0, tzinfo=UTC), datetime(2026, 3, 8, 23, 0, tzinfo=UTC))
WEEK_BEFORE = Period(WEEK.start - timedelta(days=7), WEEK.start)  # type: ignore[operator]


@dataclass
class World:
    """What the dashboard tests (and the /report tests) write: names to ids."""

    db: Database
    zones: dict[str, int]
    teams: dict[str, int]
    people: dict[str, int]
    missions: dict[str, int]


class Writer:
    """Rows written straight to the database (each flow has its own tests)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.at = datetime(2026, 2, 1, tzinfo=UTC)

    async def add(self, row: Any) -> Any:
        async with self.db.begin() as session:
            session.add(row)
        return row

    async def zone(self, code: str, name: str, parent: Zone | None = None, **targets: int) -> Zone:
        return await self.add(
            Zone(
                code=code,
                name=name,
                kind="commune" if parent is None else "polling_station",
                parent_id=parent.id if parent else None,
                **targets,
            )
        )

    async def team(self, name: str) -> Team:
        return await self.add(Team(name=name, invite_token=f"tok-{name}", created_at=self.at))

    async def person(
        self,
        name: str,
        team: Team | None = None,
        telegram_id: int | None = None,
        locale: str = "fr",
        **extra: Any,
    ) -> Person:
        return await self.add(
            Person(
                telegram_id=telegram_id,
                display_name=name,
                locale=locale,
                team_id=team.id if team else None,
                created_at=self.at,
                last_seen_at=self.at,
                **extra,
            )
        )

    async def mission(
        self,
        zone: Zone,
        starts: datetime,
        *,
        kind: str = "door_knocking",
        team: Team | None = None,
        status: str = "open",
        people: dict[Person, str] | None = None,
    ) -> Mission:
        row = await self.add(
            Mission(
                kind=kind,
                zone_id=zone.id,
                team_id=team.id if team else None,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                meeting_point="Place de la Liberté",
                capacity=10,
                status=status,
                created_at=self.at,
                updated_at=self.at,
            )
        )
        for who, state in (people or {}).items():
            await self.add(
                Assignment(mission_id=row.id, person_id=who.id, status=state, invited_at=self.at)
            )
        return row

    async def report(
        self,
        mission: Mission,
        author: Person,
        members: tuple[Person, ...] = (),
        topics: tuple[str, ...] = (),
        **counts: int,
    ) -> None:
        async with self.db.begin() as session:
            report = FieldReport(
                mission_id=mission.id,
                author_id=author.id,
                zone_id=mission.zone_id,
                kind=mission.kind,
                people=1 + len(members),
                topics=list(topics),
                created_at=self.at,
                updated_at=self.at,
                **counts,
            )
            session.add(report)
            await session.flush()
            for member in members:
                session.add(
                    FieldReportMember(
                        report_id=report.id, mission_id=mission.id, person_id=member.id
                    )
                )


def at(day: int, hour: int = 17) -> datetime:
    """A time in March 2026, UTC."""
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


async def write_world(db: Database, telegram_ids: dict[str, int] | None = None) -> World:
    """Brest (doors target 1000) with bureaux 76 (doors 300) and 77 (leaflets 500); Guipavas;
    teams Nord and Sud; a week of missions and the week before."""
    ids = telegram_ids or {}
    w = Writer(db)
    brest = await w.zone("29019", "Brest", target_doors=1000)
    b76 = await w.zone("29019_0076", "Brest bureau 76", brest, target_doors=300)
    b77 = await w.zone("29019_0077", "Brest bureau 77", brest, target_leaflets=500)
    guipavas = await w.zone("29075", "Guipavas")
    nord, sud = await w.team("Nord"), await w.team("Sud")
    lea = await w.person("Léa", nord, ids.get("lea"), role=Role.TEAM_LEAD.value)
    anna = await w.person("Anna", nord, ids.get("anna"))
    bob = await w.person("Bob", sud, ids.get("bob"))
    chloe = await w.person("Chloé", None, ids.get("chloe"))
    accepted = "accepted"
    m1 = await w.mission(b76, at(3), team=nord, people={lea: accepted, anna: accepted})
    await w.report(
        m1,
        lea,
        (anna,),
        ("transport", "housing"),
        doors_knocked=100,
        doors_opened=40,
        conversations=30,
        supportive=10,
        undecided=8,
        opposed=7,
        not_interested=5,
    )
    m2 = await w.mission(b77, at(4), people={bob: accepted, anna: "done"})
    await w.report(
        m2,
        bob,
        topics=("transport",),
        doors_knocked=50,
        doors_opened=10,
        conversations=6,
        supportive=3,
        opposed=3,
    )
    await w.report(m2, anna, doors_knocked=20, doors_opened=5, conversations=2, supportive=2)
    m3 = await w.mission(b77, at(5), kind="leafleting", people={chloe: accepted, bob: "no_show"})
    await w.report(m3, chloe, leaflets=300)
    m4 = await w.mission(guipavas, at(7), kind="leafleting", team=sud, status="cancelled")
    m5 = await w.mission(brest, at(8, 10), people={chloe: accepted})
    m0 = await w.mission(b76, datetime(2026, 2, 24, 17, tzinfo=UTC), team=nord)
    await w.report(m0, lea, doors_knocked=80, doors_opened=20, conversations=4)
    return World(
        db,
        {"brest": brest.id, "b76": b76.id, "b77": b77.id, "guipavas": guipavas.id},
        {"nord": nord.id, "sud": sud.id},
        {"lea": lea.id, "anna": anna.id, "bob": bob.id, "chloe": chloe.id},
        {"m0": m0.id, "m1": m1.id, "m2": m2.id, "m3": m3.id, "m4": m4.id, "m5": m5.id},
    )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    yield await write_world(create_database(engine))
    await engine.dispose()


async def dashboard(world: World, period: Period = WEEK, **scope: Any) -> Dashboard:
    return await build_dashboard(world.db, Scope(**scope), period, PARIS)


async def test_the_whole_campaign_this_week(world: World) -> None:
    d = await dashboard(world)
    assert d.totals == Totals(
        reports=4,
        doors_knocked=170,
        doors_opened=55,
        conversations=38,
        supportive=15,
        undecided=8,
        opposed=10,
        not_interested=5,
        leaflets=300,
    )
    assert d.totals.contact_rate == pytest.approx(55 / 170)
    # m1, m2, m3 and m5 are planned (m4 was cancelled); m5 has no report yet.
    assert (d.missions_done, d.missions_planned) == (3, 4)
    assert d.active_volunteers == 4  # Anna, counted in Léa's group report and her own, once
    assert d.no_shows == 1
    assert d.topics == (("transport", 2), ("housing", 1))
    assert [day.day for day in d.days] == [date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)]
    assert d.days[0].doors_knocked == 100 and d.days[2].leaflets == 300
    # Brest's target is the doors target; its bureau's 300 is not added to it.
    assert d.coverage == (Progress("", "doors", 170, 1000), Progress("", "leaflets", 300, 500))
    assert [(z.name, z.doors_knocked, z.leaflets) for z in d.busiest] == [
        ("Brest bureau 77", 70, 300),
        ("Brest bureau 76", 100, 0),
    ]
    assert d.quietest == ()
    # Against the zones' targets, the finest zones first.
    assert d.progress == (
        Progress("Brest bureau 76", "doors", 100, 300),
        Progress("Brest bureau 77", "leaflets", 300, 500),
    )


async def test_without_zone_targets_the_campaign_shows_each_teams_work(world: World) -> None:
    async with world.db.begin() as session:
        await session.execute(update(Zone).values(target_doors=None, target_leaflets=None))
    d = await dashboard(world)
    assert d.coverage == ()
    # The work on each team's own missions (Sud's only mission was cancelled).
    assert d.progress == (Progress("Nord", "doors", 100, 0),)


async def test_a_team_counts_its_missions_and_its_members_reports(world: World) -> None:
    d = await dashboard(world, team_id=world.teams["nord"])
    assert (d.totals.reports, d.totals.doors_knocked) == (2, 120)
    assert (d.missions_done, d.missions_planned) == (2, 2)
    assert (d.active_volunteers, d.no_shows) == (2, 0)
    # A team lead's zone report: the team AND the zone (Anna's report in bureau 77).
    there = await dashboard(world, team_id=world.teams["nord"], zone_id=world.zones["b77"])
    assert (there.totals.doors_knocked, there.missions_planned, there.active_volunteers) == (
        20,
        1,
        1,
    )
    sud = await dashboard(world, team_id=world.teams["sud"])
    assert (sud.totals.doors_knocked, sud.no_shows, sud.missions_planned) == (50, 1, 1)
    # Built beside another dashboard (as /report does), a team's people and topics are read in
    # the same session instead of beside its work: the same figures.
    scope = Scope(team_id=world.teams["nord"])
    assert await build_dashboard(world.db, scope, WEEK, PARIS, alone=False) == d


async def test_the_period_before_holds_what_the_change_is_shown_for(world: World) -> None:
    for scope in (Scope(), Scope(team_id=world.teams["nord"]), Scope(team_id=world.teams["sud"])):
        full = await build_dashboard(world.db, scope, WEEK, PARIS)
        shown, before = await build_dashboards(world.db, scope, WEEK, WEEK, PARIS)
        assert shown == full and before is not None
        compared = ("totals", "missions_done", "missions_planned", "active_volunteers", "days")
        for name in compared:
            assert getattr(before, name) == getattr(full, name), (scope, name)
        # The rest is not read for the period before: nothing the text would not show.
        assert (before.topics, before.no_shows, before.progress, before.busiest) == ((), 0, (), ())


async def test_a_zone_with_or_without_its_subzones(world: World) -> None:
    whole = await dashboard(world, zone_id=world.zones["brest"])
    assert (whole.totals.doors_knocked, whole.totals.leaflets) == (170, 300)
    assert (whole.missions_done, whole.missions_planned) == (3, 4)
    alone = await dashboard(world, zone_id=world.zones["brest"], with_subzones=False)
    assert (alone.totals.reports, alone.missions_done, alone.missions_planned) == (0, 0, 1)
    assert alone.coverage == (Progress("", "doors", 0, 1000),)
    bureau = await dashboard(world, zone_id=world.zones["b76"])
    assert bureau.totals.doors_knocked == 100
    assert bureau.progress == (Progress("Brest bureau 76", "doors", 100, 300),)
    assert bureau.coverage == (Progress("", "doors", 100, 300),)
    guipavas = await dashboard(world, zone_id=world.zones["guipavas"])
    assert guipavas == Dashboard(guipavas.scope, WEEK)  # only a cancelled mission: nothing


async def test_one_mission_and_the_week_before(world: World) -> None:
    d = await dashboard(world, mission_id=world.missions["m2"])
    assert (d.totals.reports, d.totals.doors_knocked, d.active_volunteers) == (2, 70, 2)
    assert (d.missions_done, d.missions_planned) == (1, 1)
    assert [z.name for z in d.busiest] == ["Brest bureau 77"]
    before = await dashboard(world, WEEK_BEFORE)
    assert (before.totals.doors_knocked, before.missions_planned) == (80, 1)
    everything = await dashboard(world, Period(None, WEEK.end))
    assert everything.totals.doors_knocked == 250
    # "Since the start" counts people and topics over every report at once; a period with a
    # start filters by mission: both ways give the same figures.
    since_2000 = await dashboard(world, Period(datetime(2000, 1, 1, tzinfo=UTC), WEEK.end))
    for name in ("totals", "active_volunteers", "topics", "no_shows", "missions_done", "days"):
        assert getattr(everything, name) == getattr(since_2000, name), name
    # Built alone, everything's people and topics are read beside its work; beside another
    # dashboard, in its one session: the same figures.
    assert await build_dashboard(world.db, Scope(), everything.period, PARIS, alone=False) == (
        everything
    )
    # Up to the week before, with reports after it: people and topics filtered by mission.
    so_far = await dashboard(world, Period(None, WEEK_BEFORE.end))
    for name in ("totals", "active_volunteers", "topics", "missions_done"):
        assert getattr(so_far, name) == getattr(before, name), name


async def test_a_mission_not_over_is_planned_not_done(world: World) -> None:
    early = await build_dashboard(world.db, Scope(), WEEK, PARIS, now=at(4, 12))
    # Only m1 had ended by Wednesday noon.
    assert (early.missions_done, early.missions_planned) == (1, 4)


async def test_the_text_in_both_languages_with_the_change(world: World) -> None:
    catalogs = Catalogs("fr")
    now, before = await dashboard(world), await dashboard(world, WEEK_BEFORE)
    (en,) = dashboard_text(now, before, catalogs.translator("en"), "en", "Week &lt;1&gt;")
    assert en.startswith("<b>Week &lt;1&gt;</b>\n")
    assert "Doors knocked: <b>170</b> (+90)" in en
    assert "Contact rate: <b>32%</b>" in en
    assert "• supportive: 15 (39%)" in en
    assert "Missions done: <b>3</b> of 4 planned (+2)" in en
    assert "Active volunteers: <b>4</b> (+3)" in en
    assert "Leaflets handed out: <b>300</b> (+300)" in en
    assert "Doors: 170 of 1,000 (17%)" in en
    assert "• Brest bureau 77 (29019_0077): 70 doors, 300 leaflets" in en
    assert "• Transport: 2\n• Housing: 1" in en
    (fr,) = dashboard_text(now, None, catalogs.translator("fr"), "fr", "Semaine")
    assert "Portes frappées : <b>170</b>\n" in fr  # no comparison asked: no brackets
    assert "Portes : 170 sur 1\u202f000 (17\u00a0%)" in fr
    assert "Entre parenthèses" not in fr


async def test_a_long_dashboard_is_split_between_lines(world: World) -> None:
    t = Catalogs("fr").translator("en")
    d = await dashboard(world)
    whole = dashboard_text(d, None, t, "en", "Title")
    parts = dashboard_text(d, None, t, "en", "Title", limit=200)
    assert len(whole) == 1 and len(parts) > 2
    assert all(len(p) <= 200 and p == p.strip("\n") for p in parts)
    # Nothing lost, nothing cut: the parts are the whole message's lines, blank ones aside.
    assert [x for p in parts for x in p.split("\n") if x] == [x for x in whole[0].split("\n") if x]


async def test_a_zone_aimed_at_but_not_worked_is_among_the_quietest(world: World) -> None:
    w = Writer(world.db)
    async with world.db() as session:
        brest = await session.get_one(Zone, world.zones["brest"])
    await w.zone("29019_0078", "Brest bureau 78", brest, target_doors=250)
    d = await dashboard(world)
    assert [z.name for z in d.busiest] == ["Brest bureau 77", "Brest bureau 76"]
    assert [(z.name, z.doors_knocked, z.target_doors) for z in d.quietest] == [
        ("Brest bureau 78", 0, 250)
    ]
    # Brest's own target still stands for its bureaux: theirs are not added to it.
    assert d.coverage[0] == Progress("", "doors", 170, 1000)
    bureaux = await dashboard(world, zone_id=world.zones["brest"])
    assert [p.label for p in bureaux.progress] == [
        "Brest bureau 76",
        "Brest bureau 77",
        "Brest bureau 78",
    ]
