"""The dashboard's data: what /report, the digests and the live dashboard show, and what the
charts draw, for one scope and period (reports/dashboard.py computes it; import these names
from there).

Counts are attributed by the mission's start (when the work was done), like /mystats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Scope:
    """The whole campaign, or narrowed to a team, a zone (and, by default, every zone under
    it), or one mission. Fields combine: a team lead's zone report is team AND zone."""

    team_id: int | None = None
    zone_id: int | None = None
    with_subzones: bool = True
    mission_id: int | None = None


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC (aware datetimes); `start` None means since the first mission."""

    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Totals:
    reports: int = 0
    doors_knocked: int = 0
    doors_opened: int = 0
    conversations: int = 0
    supportive: int = 0
    undecided: int = 0
    opposed: int = 0
    not_interested: int = 0
    follow_ups: int = 0
    leaflets: int = 0
    posters: int = 0
    calls: int = 0
    answered: int = 0
    signups: int = 0

    @property
    def contact_rate(self) -> float | None:
        """Doors opened per door knocked; None when no door was knocked."""
        return self.doors_opened / self.doors_knocked if self.doors_knocked else None


@dataclass(frozen=True)
class ZoneWork:
    """Work done in one zone (its subzones included when the scope says so)."""

    zone_id: int
    code: str
    name: str
    doors_knocked: int = 0
    leaflets: int = 0
    target_doors: int | None = None
    target_leaflets: int | None = None


@dataclass(frozen=True)
class Progress:
    """One bar of "progress against targets": a team or a zone, doors or leaflets."""

    label: str
    measure: str  # "doors" or "leaflets"
    done: int
    target: int


@dataclass(frozen=True)
class DayActivity:
    """One day (campaign time zone) of conversation outcomes, for the activity chart."""

    day: date
    doors_knocked: int = 0
    supportive: int = 0
    undecided: int = 0
    opposed: int = 0
    not_interested: int = 0
    leaflets: int = 0


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    period: Period
    totals: Totals = field(default_factory=Totals)
    missions_done: int = 0
    missions_planned: int = 0
    active_volunteers: int = 0  # distinct people covered by a report in the period
    no_shows: int = 0
    # Overall coverage of zone targets in scope: at most one Progress per measure.
    coverage: tuple[Progress, ...] = ()
    busiest: tuple[ZoneWork, ...] = ()  # most work done first
    quietest: tuple[ZoneWork, ...] = ()  # zones with missions or targets, least work first
    topics: tuple[tuple[str, int], ...] = ()  # (topic key, reports that heard it), most first
    days: tuple[DayActivity, ...] = ()  # every day of the period that saw work, in order
    # By zone against its targets (the finest zones worked in or with a target); for a
    # campaign-wide scope where no zone has a target, the work on each team's own missions
    # instead (target 0: teams have none).
    progress: tuple[Progress, ...] = ()
