"""What a field report's answers must be (each problem a reason code the handlers translate),
and the quality signals an organizer can act on. Signals never block the volunteer."""

from __future__ import annotations

import math
import re
from typing import Any

from models.report_flows import OUTCOMES
from models.validation import Invalid
from models.zone_shapes import haversine_m
from models.zones import Centre

NOTE_MAX = 500
PLACE_MAX = 80
COUNT_MAX = 100_000
# Looks like a phone number (8+ digits, with the usual separators) or an e-mail address.
PHONE_LIKE = re.compile(r"(?:\+|\b00)?\d(?:[\s.\-/()]{0,2}\d){7,}")
EMAIL_LIKE = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Per volunteer and hour of mission: more than this asks "are you sure?".
PLAUSIBLE_PER_HOUR = {
    "doors_knocked": 60,
    "doors_opened": 60,
    "calls": 40,
    "answered": 40,
    "conversations": 30,
    "follow_ups": 20,
    "leaflets": 400,
    "posters": 40,
    "spots": 40,
    "signups": 20,
}
# A shared location farther than this beyond the zone's radius is flagged (GPS error, a
# street just across the boundary, the outline being a rough circle).
FAR_MARGIN_M = 1_500
# The usual share of opened doors is 10-30%; flagged only far outside it, on enough doors.
CONTACT_RATE_LOW, CONTACT_RATE_HIGH, CONTACT_RATE_MIN_DOORS = 0.03, 0.6, 20


def clean_count(raw: str) -> int:
    text = raw.strip().replace(" ", "")
    if re.fullmatch(r"[-−]\d+", text):
        raise Invalid("negative")
    if not re.fullmatch(r"\+?\d{1,9}", text):
        raise Invalid("not_number")
    value = int(text.lstrip("+"))
    if value > COUNT_MAX:
        raise Invalid("not_number")
    return value


def clean_scale(raw: str) -> int:
    value = clean_count(raw)
    if not 1 <= value <= 5:
        raise Invalid("scale")
    return value


def has_personal_details(text: str) -> bool:
    return bool(PHONE_LIKE.search(text) or EMAIL_LIKE.search(text))


def clean_text(raw: str, limit: int) -> str:
    """A free note or a typed place: never a third person's phone number or e-mail address."""
    text = " ".join(raw.split())
    if not text:
        raise Invalid("empty")
    if has_personal_details(text):
        raise Invalid("personal")
    if len(text) > limit:
        raise Invalid("too_long")
    return text


def inconsistency(answers: dict[str, Any]) -> str | None:
    """The first count that contradicts another, as a reason code, or None."""

    def more(a: str, b: str) -> bool:
        return a in answers and b in answers and answers[a] > answers[b]

    if more("doors_opened", "doors_knocked"):
        return "opened_more"
    if more("answered", "calls"):
        return "answered_more"
    if more("conversations", "doors_opened") or more("conversations", "answered"):
        return "conversations_more"
    outcomes = sum(answers.get(key, 0) for key in OUTCOMES)
    if "conversations" in answers and outcomes > answers["conversations"]:
        return "outcomes_more"
    if more("follow_ups", "conversations"):
        return "follow_ups_more"
    return None


def plausible_bound(key: str, hours: float, people: int) -> int | None:
    rate = PLAUSIBLE_PER_HOUR.get(key)
    if rate is None:
        return None
    return rate * max(1, math.ceil(hours)) * max(1, people)


def quality_flags(answers: dict[str, Any], hours: float, people: int) -> list[str]:
    """Signals for the organizer: a contact rate far outside the usual range, more doors than
    the mission's length makes plausible, a shared location far from the mission's zone."""
    flags = []
    knocked, opened = answers.get("doors_knocked"), answers.get("doors_opened")
    if knocked and knocked >= CONTACT_RATE_MIN_DOORS and opened is not None:
        rate = opened / knocked
        if rate < CONTACT_RATE_LOW or rate > CONTACT_RATE_HIGH:
            flags.append("contact_rate")
    bound = plausible_bound("doors_knocked", hours, people)
    if knocked is not None and bound is not None and knocked > bound:
        flags.append("doors_implausible")
    if answers.get("location_shared") and answers.get("location_near") is False:
        flags.append("far")
    return flags


def distance_beyond(lat: float, lon: float, centre: Centre | None) -> tuple[bool | None, float]:
    """(near, km from the zone's centre) for a shared location: near is None when the zone
    has no centre. The coordinates go no further than this function's caller."""
    if centre is None:
        return None, 0.0
    distance = haversine_m(lat, lon, centre.lat, centre.lon)
    return distance <= centre.radius_m + FAR_MARGIN_M, round(distance / 1000, 1)
