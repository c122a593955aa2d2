"""Badges and the ladder of engagement: the rules, and where one person stands.

Figures are attributed as on the leaderboard (reports/leaderboard.py): a mission counts when it
is done, and doors and leaflets are those of every report a person took part in, a team lead's
group report counting for each member it names. Badges reward taking part, not claiming doors:
someone who knocked with their team did knock those doors with them. /mystats keeps the
stricter split ("with your team") where numbers are compared to one's own.

The ladder, in plain words: a supporter signed up; a volunteer has done a first mission; a
regular comes back (5 missions, or missions in 3 different weeks); a team lead leads a team
(an organizer names them). Each rung has its own condition, so a new team lead is on the top
rung before their first mission."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from models.database import Database, reading
from models.missions import Mission
from models.people import Person, Role, Status
from models.reports import FieldReport
from reports.leaderboard import done_missions, figures
from reports.mystats import week_start

# A report filed this soon after the mission's end is "on time".
ON_TIME = timedelta(hours=24)
# A regular: this many missions done, or missions in this many different weeks.
REGULAR_MISSIONS = 5
REGULAR_WEEKS = 3


@dataclass(frozen=True)
class Badge:
    code: str  # catalog keys badge.<code>.name and badge.<code>.what
    measure: str  # a field of Figures
    threshold: int


# Every badge and its threshold, in the order shown: the one place to change them.
BADGES = (
    Badge("first_mission", "missions", 1),
    Badge("missions_5", "missions", 5),
    Badge("missions_20", "missions", 20),
    Badge("doors_100", "doors", 100),
    Badge("doors_1000", "doors", 1000),
    Badge("leaflets_1000", "leaflets", 1000),
    Badge("on_time", "on_time", 1),
    Badge("first_recruit", "recruits", 1),
    Badge("recruits_5", "recruits", 5),
)
# The ladder, lowest first (catalog keys ladder.<rung>.name, ladder.<rung>.what, ladder.<rung>.how).
RUNGS = ("supporter", "volunteer", "regular", "team_lead")


@dataclass(frozen=True)
class Figures:
    missions: int = 0  # missions done
    weeks: int = 0  # different weeks (in the campaign's time zone) with a mission done
    doors: int = 0
    leaflets: int = 0
    recruits: int = 0
    on_time: int = 0  # reports filed within ON_TIME of the mission's end
    leads: bool = False  # team lead or above


def rungs_reached(figures: Figures) -> list[str]:
    reached = ["supporter"]
    if figures.missions >= 1:
        reached.append("volunteer")
    if figures.missions >= REGULAR_MISSIONS or figures.weeks >= REGULAR_WEEKS:
        reached.append("regular")
    if figures.leads:
        reached.append("team_lead")
    return reached


@dataclass(frozen=True)
class Standing:
    figures: Figures
    rung: str
    next_rung: str | None
    badges: list[Badge]  # reached, in BADGES order
    # The next badge of each measure not yet reached, with the figure so far.
    next_badges: list[tuple[Badge, int]] = field(default_factory=list)
    rungs: list[str] = field(default_factory=list)  # every rung reached

    @property
    def codes(self) -> list[str]:
        """What can be congratulated: rungs above supporter (joining is its own welcome),
        then badges. These are Recognition codes."""
        rungs = [f"rung.{rung}" for rung in self.rungs if rung != "supporter"]
        return rungs + [f"badge.{badge.code}" for badge in self.badges]


def standing_of(figures: Figures) -> Standing:
    rungs = rungs_reached(figures)
    rung = max(rungs, key=RUNGS.index)
    above = RUNGS.index(rung) + 1
    badges, upcoming = [], {}
    for badge in BADGES:
        value = getattr(figures, badge.measure)
        if value >= badge.threshold:
            badges.append(badge)
        elif badge.measure not in upcoming:
            upcoming[badge.measure] = (badge, value)
    return Standing(
        figures=figures,
        rung=rung,
        next_rung=RUNGS[above] if above < len(RUNGS) else None,
        badges=badges,
        next_badges=list(upcoming.values()),
        rungs=rungs,
    )


@cache
def _figures_queries() -> tuple[Select[Any], ...]:
    """figures_of's statements, built once: building them anew (and their cache keys) took
    longer than running them, on every report sent (bench/updates_mix.py)."""
    person_id = bindparam("person_id")
    people = bindparam("people", expanding=True)
    return (
        select(Person.role, Person.status).where(Person.id == person_id),
        done_missions(None, people),
        figures(None, people),
        select(func.count(Person.id)).where(
            Person.referred_by_id == person_id, Person.status != Status.ERASED.value
        ),
        select(FieldReport.created_at, Mission.ends_at)
        .join(Mission, Mission.id == FieldReport.mission_id)
        .where(FieldReport.author_id == person_id),
    )


async def figures_of(db: Database, person_id: int, timezone: str) -> Figures:
    """A person's figures all along."""
    who, done, totals, recruited, on_time = _figures_queries()
    params = {"person_id": person_id, "people": [person_id]}
    async with reading(db) as connection:
        role, status = (await connection.execute(who, params)).one()
        started = [row.starts_at for row in await connection.execute(done, params)]
        _, _, _, doors, leaflets = (await connection.execute(totals, params)).one()
        recruits = await connection.scalar(recruited, params)
        filed = (await connection.execute(on_time, params)).all()
    return Figures(
        missions=len(started),
        weeks=len({week_start(start, timezone) for start in started}),
        doors=int(doors),
        leaflets=int(leaflets),
        recruits=int(recruits or 0),
        on_time=sum(1 for created, ends in filed if created <= ends + ON_TIME),
        leads=Role(role).rank >= Role.TEAM_LEAD.rank and status != Status.ERASED,
    )


async def standing(db: Database, person_id: int, timezone: str) -> Standing:
    return standing_of(await figures_of(db, person_id, timezone))
