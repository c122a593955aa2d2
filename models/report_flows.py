"""The questions of a field report: one flow per kind of mission, and how an answer moves the
conversation on. Pure functions over plain dicts, so the conversation state (kept by the FSM
storage in the database) is all there is to resume after a restart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.missions import MissionKind

SMALL = (0, 1, 2, 3, 5, 10)
DOORS = (0, 10, 20, 30, 50, 80)
LEAFLETS = (0, 50, 100, 200, 300, 500)
# Where leaflets went, as a short choice (a typed place is also accepted, checked).
PLACES = ("market", "station", "street", "mailboxes", "shops")
OUTCOMES = ("supportive", "undecided", "opposed", "not_interested")


@dataclass(frozen=True)
class Step:
    key: str  # the answer's key: a count column of FieldReport, or an extra
    kind: str = "count"  # count, scale, place, topics, note, photo, location
    optional: bool = False
    presets: tuple[int, ...] = SMALL


def _count(key: str, presets: tuple[int, ...] = SMALL) -> Step:
    return Step(key, presets=presets)


# Asked at the end of every kind of mission, all optional.
TAIL = (
    Step("topics", "topics", optional=True),
    Step("note", "note", optional=True),
    Step("photo_file_id", "photo", optional=True),
    Step("location_shared", "location", optional=True),
)
OUTCOME_STEPS = tuple(_count(key) for key in OUTCOMES)

FLOWS: dict[str, tuple[Step, ...]] = {
    MissionKind.DOOR_KNOCKING.value: (
        _count("doors_knocked", DOORS),
        _count("doors_opened", DOORS),
        _count("conversations"),
        *OUTCOME_STEPS,
        _count("follow_ups"),
        *TAIL,
    ),
    MissionKind.LEAFLETING.value: (
        _count("leaflets", LEAFLETS),
        Step("place", "place"),
        Step("reception", "scale"),
        *TAIL,
    ),
    MissionKind.POSTERS.value: (
        _count("posters", DOORS),
        _count("spots", DOORS),
        *TAIL,
    ),
    MissionKind.MARKET_STALL.value: (_count("conversations", DOORS), _count("signups"), *TAIL),
    MissionKind.EVENT.value: (_count("conversations", DOORS), _count("signups"), *TAIL),
    MissionKind.PHONE_BANK.value: (
        _count("calls", DOORS),
        _count("answered", DOORS),
        _count("conversations"),
        *OUTCOME_STEPS,
        *TAIL,
    ),
}
# Door-knocking's "nobody home at all" ends the flow: these are then zero.
NOBODY_HOME_ZEROES = ("doors_opened", "conversations", *OUTCOMES, "follow_ups")


def flow(kind: str) -> tuple[Step, ...]:
    return FLOWS[kind]


def visible(kind: str, answers: dict[str, Any]) -> list[int]:
    """The indexes of the steps asked, given the answers so far."""
    steps = flow(kind)
    if answers.get("nobody_home"):
        last = next(i for i, s in enumerate(steps) if s.key == "doors_opened")
        return list(range(last + 1))
    return list(range(len(steps)))


def following(kind: str, index: int, answers: dict[str, Any]) -> int | None:
    """The step after `index`, or None: time for the summary."""
    later = [i for i in visible(kind, answers) if i > index]
    return later[0] if later else None


def previous(kind: str, index: int, answers: dict[str, Any]) -> int:
    earlier = [i for i in visible(kind, answers) if i < index]
    return earlier[-1] if earlier else index


def last_step(kind: str, answers: dict[str, Any]) -> int:
    return visible(kind, answers)[-1]


def record(kind: str, index: int, value: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with step `index` answered (None: skipped)."""
    key = flow(kind)[index].key
    updated = dict(answers)
    if value is None:
        updated.pop(key, None)
    else:
        updated[key] = value
    if key == "location_shared" and value is None:
        # A skipped location leaves no trace of an earlier one's check.
        updated.pop("location_near", None)
        updated.pop("location_km", None)
    if key == "doors_opened" and value:
        # A count of opened doors overrides an earlier "nobody home".
        updated.pop("nobody_home", None)
    return updated


def nobody_home(answers: dict[str, Any]) -> dict[str, Any]:
    updated = dict(answers)
    updated.update({key: 0 for key in NOBODY_HOME_ZEROES}, nobody_home=True)
    return updated


# Topics voters raised, as tag keys (TERRAIN_REPORT_TOPICS); each has a translated label.
DEFAULT_TOPICS = ("transport", "housing", "security", "schools", "cost_of_living", "environment")
