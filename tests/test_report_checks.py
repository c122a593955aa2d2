"""The pure rules of field reports: numbers, personal details, contradictions, signals, the
flows' navigation, and the configurable topics."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from models import report_flows as flows
from models.report_checks import (
    clean_count,
    clean_text,
    has_personal_details,
    inconsistency,
    plausible_bound,
    quality_flags,
)
from models.validation import Invalid


@pytest.mark.parametrize(("raw", "value"), [("12", 12), (" 7 ", 7), ("+3", 3), ("1 200", 1200)])
def test_counts(raw: str, value: int) -> None:
    assert clean_count(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("douze", "not_number"), ("1.5", "not_number"), ("", "not_number"), ("-3", "negative")],
)
def test_bad_counts(raw: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_count(raw)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "appeler le 06 12 34 56 78",
        "+33 6 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "jean.dupont@example.org",
        "jean (at) example.org",
    ],
)
def test_personal_details_are_spotted(text: str) -> None:
    assert has_personal_details(text)
    with pytest.raises(Invalid):
        clean_text(text, 500)


@pytest.mark.parametrize(
    "text", ["Beaucoup de questions sur le tram", "bâtiment 12, 3e étage", "2026, 40 portes"]
)
def test_ordinary_notes_pass(text: str) -> None:
    assert not has_personal_details(text)
    assert clean_text(text, 500) == text


def test_contradictions() -> None:
    assert inconsistency({"doors_knocked": 10, "doors_opened": 11}) == "opened_more"
    assert inconsistency({"calls": 5, "answered": 6}) == "answered_more"
    assert inconsistency({"doors_opened": 3, "conversations": 4}) == "conversations_more"
    both = {"conversations": 4, "supportive": 3, "opposed": 2}
    assert inconsistency(both) == "outcomes_more"
    assert inconsistency({"conversations": 4, "follow_ups": 5}) == "follow_ups_more"
    assert inconsistency({"doors_knocked": 10, "doors_opened": 3, "conversations": 3}) is None


def test_signals() -> None:
    assert plausible_bound("doors_knocked", 2, 1) == 120
    assert plausible_bound("doors_knocked", 2.5, 2) == 360
    assert plausible_bound("topics", 2, 1) is None
    assert quality_flags({"doors_knocked": 100, "doors_opened": 20}, 2, 1) == []
    assert quality_flags({"doors_knocked": 100, "doors_opened": 90}, 2, 1) == ["contact_rate"]
    assert quality_flags({"doors_knocked": 100, "doors_opened": 1}, 2, 1) == ["contact_rate"]
    assert quality_flags({"doors_knocked": 10, "doors_opened": 9}, 2, 1) == []  # too few
    assert quality_flags({"doors_knocked": 500, "doors_opened": 100}, 2, 1) == ["doors_implausible"]


def test_nobody_home_shortens_the_flow() -> None:
    kind = "door_knocking"
    answers = flows.nobody_home({"doors_knocked": 12})
    assert flows.visible(kind, answers) == [0, 1]
    assert flows.following(kind, 1, answers) is None
    reopened = flows.record(kind, 1, 3, answers)
    assert "nobody_home" not in reopened and len(flows.visible(kind, reopened)) == 12


def test_every_kind_has_a_flow_and_callback_data_stays_small() -> None:
    from handlers.debrief_keypad import KeyCb, ReviewCb
    from models.missions import MissionKind

    assert {k.value for k in MissionKind} == set(flows.FLOWS)
    assert len(KeyCb(i=99, a="cancel", v=100_000).pack().encode()) <= 64
    assert len(ReviewCb(a="send", v=99).pack().encode()) <= 64


def test_topics_are_configurable() -> None:
    settings = Settings(_env_file=None, report_topics="transport, jobs,health")  # type: ignore[call-arg]
    assert settings.report_topics == ["transport", "jobs", "health"]
    assert Settings(_env_file=None).report_topics == list(flows.DEFAULT_TOPICS)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, report_topics="Transport publics")  # type: ignore[call-arg]
