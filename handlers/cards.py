"""How a mission looks: its card, its buttons (with the callback data they carry), its
calendar file, and the words of every message sent about it later (`Composer`, handed to the
domain operations, which decide who is told and when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_datetime, format_time
from babel.numbers import format_decimal
from icalendar import Calendar, Event

from handlers.context import Campaign, Catalogs, Translate, esc
from models.missions import Assignment, AssignmentStatus, Mission
from models.notices import Notice
from models.people import Person

CAPTION_MAX = 1024


# Callback data: ids only. Every handler checks that the presser owns the assignment (or may
# see the mission) and that the version is current: forged or replayed data gets refused.
class AnswerCb(CallbackData, prefix="ma"):
    a: int  # assignment id
    v: int  # mission version the card showed
    yes: bool


class ConfirmCb(CallbackData, prefix="mc"):
    a: int
    v: int
    yes: bool


class JoinCb(CallbackData, prefix="mj"):
    m: int
    v: int


class WithdrawCb(CallbackData, prefix="mw"):
    a: int


class PageCb(CallbackData, prefix="mp"):
    page: int


class ManageCb(CallbackData, prefix="mo"):
    m: int
    act: str  # edit, f_<field>, reschedule, cancel, cancel_yes, noshows


class NoShowCb(CallbackData, prefix="ns"):
    m: int
    a: int


class AutoCb(CallbackData, prefix="au"):
    m: int
    yes: bool


class ReportCb(CallbackData, prefix="rs"):
    m: int  # start the field report of this mission (the debrief nudge's button)


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def when(mission: Mission, timezone: str, locale: str) -> str:
    start, end = local(mission.starts_at, timezone), local(mission.ends_at, timezone)
    day = format_datetime(start, "EEE d MMM y, HH:mm", locale=locale)
    return f"{day}–{format_time(end, 'HH:mm', locale=locale)}"


def card_text(
    t: Translate, locale: str, mission: Mission, timezone: str, taken: int | None = None
) -> str:
    places = f"{taken}/{mission.capacity}" if taken is not None else str(mission.capacity)
    return t(
        "mission.card",
        id=mission.id,
        kind=t(f"mission.kind.{mission.kind}"),
        zone=esc(mission.zone.name),
        code=esc(mission.zone.code),
        when=when(mission, timezone, locale),
        point=esc(mission.meeting_point),
        places=places,
        materials=esc(mission.materials) or "—",
        briefing=esc(mission.briefing) or "—",
    )


def answer_keyboard(t: Translate, assignment_id: int, version: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(t("assign.accept_button"), AnswerCb(a=assignment_id, v=version, yes=True)),
                button(t("assign.decline_button"), AnswerCb(a=assignment_id, v=version, yes=False)),
            ]
        ]
    )


def confirm_keyboard(t: Translate, assignment_id: int, version: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(
                    t("reminder.coming_button"), ConfirmCb(a=assignment_id, v=version, yes=True)
                ),
                button(
                    t("reminder.not_coming_button"),
                    ConfirmCb(a=assignment_id, v=version, yes=False),
                ),
            ]
        ]
    )


def ics(mission: Mission, title: str, description: str, now: datetime) -> str:
    """An RFC 5545 calendar with one event; SEQUENCE follows the mission's version so a
    calendar app replaces the old time on a reschedule."""
    calendar = Calendar()
    calendar.add("prodid", "-//Terrain//missions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"mission-{mission.id}@terrain")
    event.add("sequence", mission.version)
    event.add("dtstamp", now)
    event.add("dtstart", mission.starts_at)
    event.add("dtend", mission.ends_at)
    event.add("summary", title)
    event.add("location", mission.meeting_point)
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical().decode()


class Composer:
    """The words of everything sent later about a mission, in each person's language."""

    def __init__(self, catalogs: Catalogs, campaign: Campaign) -> None:
        self.catalogs = catalogs
        self.campaign = campaign

    def __call__(
        self,
        event: str,
        person: Person,
        mission: Mission,
        assignment: Assignment | None = None,
        **extra: Any,
    ) -> list[Notice]:
        locale = person.locale or self.campaign.default_locale
        if locale not in self.catalogs.locales:
            locale = self.campaign.default_locale
        t = self.catalogs.translator(locale)
        tz = self.campaign.timezone
        card = card_text(t, locale, mission, tz)
        invited = assignment is not None and assignment.status == AssignmentStatus.INVITED
        a_id = assignment.id if assignment is not None else 0
        if event == "flag":
            names = ", ".join(esc(name) for name in extra.get("names", []))
            return [Notice("flag", t("reminder.flag", id=mission.id, names=names))]
        if event == "cancelled":
            return [Notice("text", t("mission.cancelled_notice", card=card))]
        if event == "debrief":
            markup = InlineKeyboardMarkup(
                inline_keyboard=[[button(t("report.now_button"), ReportCb(m=mission.id))]]
            )
            # The nudge now carries the way in: one tap starts the report.
            text = t("report.nudge", id=mission.id)
            return [Notice("text", text, payload=_markup(markup))]
        if event == "report_flag":
            return [Notice("flag", self._report_flag(t, locale, mission, **extra))]
        if event == "remind":
            text = t("reminder.remind", when=when(mission, tz, locale), card=card)
            return [Notice("text", text)]
        if event == "confirm":
            markup = confirm_keyboard(t, a_id, mission.version)
            text = t("reminder.confirm", card=card)
            return [Notice("text", text, payload=_markup(markup))]
        header = {
            "invited": "assign.invited",
            "promoted": "assign.promoted",
            "edited": "mission.edited_notice",
            "rescheduled": "mission.rescheduled_notice",
        }[event]
        payload = _markup(answer_keyboard(t, a_id, mission.version)) if invited else {}
        notices = [Notice("card", t(header, card=card), payload=payload)]
        if event in ("invited", "rescheduled"):
            notices.append(self._calendar(t, mission))
        return notices

    def _report_flag(
        self,
        t: Translate,
        locale: str,
        mission: Mission,
        flags: list[str],
        report: dict[str, Any],
        people: int,
        far_km: float | None = None,
    ) -> str:
        """Quality signals on a report, for the mission's organizer: codes and counts only."""
        counts = ", ".join(
            f"{t(f'report.label.{key}')} {value}"
            for key, value in report.items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
        return t(
            "report.flag",
            id=mission.id,
            kind=t(f"mission.kind.{mission.kind}"),
            people=people,
            flags="; ".join(
                t(
                    f"report.flag.{flag}",
                    km="?" if far_km is None else format_decimal(far_km, "0.#", locale=locale),
                )
                for flag in flags
            ),
            counts=counts or "—",
        )

    def _calendar(self, t: Translate, mission: Mission) -> Notice:
        title = t("mission.ics_title", kind=t(f"mission.kind.{mission.kind}"), id=mission.id)
        content = ics(mission, title, mission.briefing, mission.updated_at)
        caption = t("mission.ics_caption", id=mission.id)[:CAPTION_MAX]
        payload = {
            "file_name": f"mission-{mission.id}.ics",
            "content": content,
            "mime_type": "text/calendar",
        }
        return Notice("ics", caption, kind="document", payload=payload)


def _markup(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    return {"reply_markup": markup.model_dump(exclude_none=True)}
