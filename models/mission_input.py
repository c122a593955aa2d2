"""What organizers type about a mission, checked: kinds (English or French words), dates
(2026-03-14 or 14/03/2026), times (10:00, 10h, 10h30) in the campaign's time zone, capacity.
Each check returns the clean value or raises Invalid with a reason code that the handlers turn
into a translated message (`mission.invalid.<reason>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.missions import MissionKind
from models.validation import Invalid
from models.zones import fold

MEETING_POINT_MAX = 200
MATERIALS_MAX = 200
BRIEFING_MAX = 2000
CAPACITY_MAX = 500
# A mission longer than this is a typo (or a festival, which is not field work).
LONGEST = timedelta(hours=16)

KIND_WORDS: dict[str, MissionKind] = {
    "leafleting": MissionKind.LEAFLETING,
    "leaflets": MissionKind.LEAFLETING,
    "tractage": MissionKind.LEAFLETING,
    "tracts": MissionKind.LEAFLETING,
    "door_knocking": MissionKind.DOOR_KNOCKING,
    "doorknocking": MissionKind.DOOR_KNOCKING,
    "porte_a_porte": MissionKind.DOOR_KNOCKING,
    "pap": MissionKind.DOOR_KNOCKING,
    "posters": MissionKind.POSTERS,
    "poster_run": MissionKind.POSTERS,
    "poster": MissionKind.POSTERS,
    "affichage": MissionKind.POSTERS,
    "collage": MissionKind.POSTERS,
    "market_stall": MissionKind.MARKET_STALL,
    "market": MissionKind.MARKET_STALL,
    "marche": MissionKind.MARKET_STALL,
    "stand": MissionKind.MARKET_STALL,
    "phone_bank": MissionKind.PHONE_BANK,
    "phoning": MissionKind.PHONE_BANK,
    "telephone": MissionKind.PHONE_BANK,
    "event": MissionKind.EVENT,
    "evenement": MissionKind.EVENT,
    "reunion": MissionKind.EVENT,
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME = re.compile(r"^(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Schedule:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


@dataclass(frozen=True)
class OneLine:
    """The one-line /newmission, split and checked except the zone (that needs the
    database): kind | zone | date start | end | meeting point | capacity [| materials
    [| briefing]]."""

    kind: MissionKind
    zone: str
    schedule: Schedule
    meeting_point: str
    capacity: int
    materials: str
    briefing: str


def clean_kind(raw: str) -> MissionKind:
    word = re.sub(r"[\s\-']+", "_", fold(raw))
    kind = KIND_WORDS.get(word)
    if kind is None:
        raise Invalid("kind")
    return kind


def clean_date(raw: str) -> date:
    text = raw.strip()
    try:
        if match := ISO_DATE.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := FRENCH_DATE.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise Invalid("date")


def clean_time(raw: str) -> time:
    match = TIME.match(raw.strip())
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise Invalid("time")


def schedule(day: date, start: time, end: time, zone: ZoneInfo, now: datetime) -> Schedule:
    """Local day and times to UTC; refuses the past, an end not after the start."""
    starts_at = datetime.combine(day, start, tzinfo=zone).astimezone(now.tzinfo)
    ends_at = datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)
    if starts_at <= now:
        raise Invalid("in_past")
    if ends_at <= starts_at:
        raise Invalid("end_before_start")
    if ends_at - starts_at > LONGEST:
        raise Invalid("too_long_mission")
    return Schedule(starts_at, ends_at)


def clean_schedule(raw: str, zone: ZoneInfo, now: datetime) -> Schedule:
    """'14/03/2026 10:00 12:00' or '2026-03-14 10h-12h' (reschedule, guided date step)."""
    parts = raw.replace("-", " ").split() if "/" in raw else _split_iso(raw)
    if len(parts) != 3:
        raise Invalid("schedule_format")
    return schedule(clean_date(parts[0]), clean_time(parts[1]), clean_time(parts[2]), zone, now)


def _split_iso(raw: str) -> list[str]:
    day, _, rest = raw.strip().partition(" ")
    return [day, *rest.replace("-", " ").split()] if day else []


def clean_capacity(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit():
        raise Invalid("capacity")
    value = int(text)
    if value < 1:
        raise Invalid("capacity_zero")
    if value > CAPACITY_MAX:
        raise Invalid("capacity_too_big")
    return value


def clean_text(raw: str, limit: int, *, required: bool, reason: str) -> str:
    text = raw.strip()
    if text in ("-", "—"):
        text = ""
    if required and not text:
        raise Invalid(f"{reason}_empty")
    if len(text) > limit:
        raise Invalid(f"{reason}_too_long")
    return text


def parse_one_line(raw: str, zone: ZoneInfo, now: datetime) -> OneLine:
    parts = [part.strip() for part in raw.split("|")]
    if not 6 <= len(parts) <= 8:
        raise Invalid("fields")
    parts += [""] * (8 - len(parts))
    kind_raw, zone_raw, start_raw, end_raw, point_raw, capacity_raw, materials, briefing = parts
    kind = clean_kind(kind_raw)
    if not zone_raw:
        raise Invalid("zone")
    day_raw, _, start_time = start_raw.partition(" ")
    plan = schedule(clean_date(day_raw), clean_time(start_time), clean_time(end_raw), zone, now)
    return OneLine(
        kind=kind,
        zone=zone_raw,
        schedule=plan,
        meeting_point=clean_text(point_raw, MEETING_POINT_MAX, required=True, reason="point"),
        capacity=clean_capacity(capacity_raw),
        materials=clean_text(materials, MATERIALS_MAX, required=False, reason="materials"),
        briefing=clean_text(briefing, BRIEFING_MAX, required=False, reason="briefing"),
    )


REASONS = (
    "kind",
    "zone",
    "zone_ambiguous",
    "date",
    "time",
    "in_past",
    "end_before_start",
    "too_long_mission",
    "schedule_format",
    "capacity",
    "capacity_zero",
    "capacity_too_big",
    "capacity_below_accepted",
    "point_empty",
    "point_too_long",
    "materials_too_long",
    "briefing_empty",
    "briefing_too_long",
    "fields",
)
