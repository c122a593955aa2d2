"""How a field report looks on a phone: one message per question, edited in place as keys
are tapped; one-tap keypads (common numbers, +/-, done); the summary to confirm or fix.
Callback data carry a step index and small numbers only (well under Telegram's 64 bytes)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.cards import button
from handlers.context import Translate, esc
from models import report_flows as flows
from models.report_flows import PLACES, Step

Rows = list[list[InlineKeyboardButton]]


class KeyCb(CallbackData, prefix="rk"):
    i: int  # the step the keypad was drawn for: a stale keypad is refused
    a: str  # n (a number), p (+/-), ok, back, skip, cancel, nobody, t (topic), c (place), yes, no
    v: int = 0


class ReviewCb(CallbackData, prefix="rv"):
    a: str  # send, fix, back, cancel, f (fix step v)
    v: int = 0


class MemberCb(CallbackData, prefix="rm"):
    p: int  # a person's id to tick or untick; 0: done; -1: cancel


class EditCb(CallbackData, prefix="re"):
    r: int  # report id


def _nav(t: Translate, index: int, step: Step, first: bool) -> list[InlineKeyboardButton]:
    row = []
    if not first:
        row.append(button(t("report.back_button"), KeyCb(i=index, a="back")))
    if step.optional:
        row.append(button(t("report.skip_button"), KeyCb(i=index, a="skip")))
    row.append(button(t("report.cancel_button"), KeyCb(i=index, a="cancel")))
    return row


def _keypad(t: Translate, data: dict[str, Any], topics: tuple[str, ...]) -> InlineKeyboardMarkup:
    index, kind = data["i"], data["kind"]
    step = flows.flow(kind)[index]
    first = index == flows.visible(kind, data["answers"])[0]
    cur = data.get("cur", 0) if step.kind == "count" else 0
    chosen = tuple(data.get("cur_topics", [])) if step.kind == "topics" else ()
    return _drawn(t, kind, index, first, cur, chosen, topics)


@lru_cache(maxsize=2048)
def _drawn(
    t: Translate,
    kind: str,
    index: int,
    first: bool,
    cur: int,
    chosen: tuple[str, ...],
    topics: tuple[str, ...],
) -> InlineKeyboardMarkup:
    """A keypad, drawn once for each look it can have: every answer and tap shows one, and
    its dozen buttons (each a pydantic model, its callback data packed) took ~0.17 ms of a
    step's ~3.5. Shared, so never changed once drawn."""
    step = flows.flow(kind)[index]
    rows: Rows = []
    if step.kind == "count":
        rows.append([button(str(n), KeyCb(i=index, a="n", v=n)) for n in step.presets])
        rows.append(
            [
                button("−1", KeyCb(i=index, a="p", v=-1)),
                button("+1", KeyCb(i=index, a="p", v=1)),
                button("+10", KeyCb(i=index, a="p", v=10)),
                button(t("report.ok_button", value=cur), KeyCb(i=index, a="ok")),
            ]
        )
        if step.key == "doors_opened":
            rows.append([button(t("report.nobody_home_button"), KeyCb(i=index, a="nobody"))])
    elif step.kind == "scale":
        rows.append([button(str(n), KeyCb(i=index, a="n", v=n)) for n in range(1, 6)])
    elif step.kind == "place":
        places = [
            button(t(f"report.place.{p}"), KeyCb(i=index, a="c", v=n)) for n, p in enumerate(PLACES)
        ]
        rows += [places[n : n + 3] for n in range(0, len(places), 3)]
    elif step.kind == "topics":
        ticks = [
            button(
                f"{'☑' if tag in chosen else '☐'} {topic_label(t, tag)}",
                KeyCb(i=index, a="t", v=n),
            )
            for n, tag in enumerate(topics)
        ]
        rows += [ticks[n : n + 2] for n in range(0, len(ticks), 2)]
        rows.append([button(t("report.done_button"), KeyCb(i=index, a="ok"))])
    rows.append(_nav(t, index, step, first))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def topic_label(t: Translate, tag: str) -> str:
    label = t(f"report.topic.{tag}")
    # A tag configured without a translation shows as itself.
    return tag.replace("_", " ") if label == f"report.topic.{tag}" else label


def header(t: Translate, data: dict[str, Any]) -> str:
    steps = flows.visible(data["kind"], data["answers"])
    number = steps.index(data["i"]) + 1 if data["i"] in steps else len(steps)
    return t(
        "report.header",
        id=data["m"],
        kind=t(f"mission.kind.{data['kind']}"),
        n=number,
        total=len(steps),
    )


def question(
    t: Translate, data: dict[str, Any], topics: tuple[str, ...], error: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    step = flows.flow(data["kind"])[data["i"]]
    parts = [header(t, data), t(f"report.q.{step.key}")]
    if step.kind == "count" and data.get("cur"):
        parts.append(t("report.current", value=data["cur"]))
    if error:
        parts.append(f"⚠️ {error}")
    return "\n\n".join(parts), _keypad(t, data, topics)


def high_check(t: Translate, data: dict[str, Any], value: int) -> tuple[str, InlineKeyboardMarkup]:
    """A number beyond the plausible for the mission's length: asked, not refused."""
    text = t(
        "report.high",
        value=value,
        hours=round(data["hours"], 1),
        people=data["people"],
    )
    index = data["i"]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t("report.high_yes_button"), KeyCb(i=index, a="yes", v=value)),
                button(t("report.high_no_button"), KeyCb(i=index, a="no")),
            ]
        ]
    )
    return f"{header(t, data)}\n\n{text}", markup


def value_text(t: Translate, key: str, value: Any, topics: tuple[str, ...]) -> str:
    if key == "topics":
        return ", ".join(topic_label(t, tag) for tag in value) or "—"
    if key == "place":
        return t(f"report.place.{value}") if value in PLACES else esc(str(value))
    if key == "note":
        return esc(str(value))
    if key == "photo_file_id":
        return t("report.photo_attached")
    if key == "location_shared":
        return t("report.location_kept") if value else "—"
    return str(value)


def summary(
    t: Translate, data: dict[str, Any], topics: tuple[str, ...]
) -> tuple[str, InlineKeyboardMarkup]:
    answers = data["answers"]
    lines = []
    if answers.get("nobody_home"):
        lines.append(t("report.nobody_home_line"))
    for index in flows.visible(data["kind"], answers):
        key = flows.flow(data["kind"])[index].key
        shown = value_text(t, key, answers[key], topics) if key in answers else "—"
        lines.append(t("report.summary_line", label=t(f"report.label.{key}"), value=shown))
    group = t("report.summary_group", people=data["people"]) if data["people"] > 1 else ""
    text = t(
        "report.summary",
        id=data["m"],
        kind=t(f"mission.kind.{data['kind']}"),
        group=group,
        lines="\n".join(lines),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(t("report.send_button"), ReviewCb(a="send"))],
            [
                button(t("report.fix_button"), ReviewCb(a="fix")),
                button(t("report.back_button"), ReviewCb(a="back")),
                button(t("report.cancel_button"), ReviewCb(a="cancel")),
            ],
        ]
    )
    return text, markup


def fix_menu(t: Translate, data: dict[str, Any]) -> InlineKeyboardMarkup:
    keys = [
        button(t(f"report.label.{flows.flow(data['kind'])[i].key}"), ReviewCb(a="f", v=i))
        for i in flows.visible(data["kind"], data["answers"])
    ]
    rows = [keys[n : n + 2] for n in range(0, len(keys), 2)]
    rows.append([button(t("report.back_button"), ReviewCb(a="review"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def members_keyboard(
    t: Translate, choices: list[list[Any]], chosen: list[int]
) -> InlineKeyboardMarkup:
    rows = [
        [button(f"{'☑' if person_id in chosen else '☐'} {name}"[:60], MemberCb(p=person_id))]
        for person_id, name in choices
    ]
    done = "report.members_done_button" if chosen else "report.just_me_button"
    rows.append([button(t(done), MemberCb(p=0)), button(t("report.cancel_button"), MemberCb(p=-1))])
    return InlineKeyboardMarkup(inline_keyboard=rows)
