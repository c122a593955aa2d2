"""The dashboard as Telegram messages (parse_mode HTML): what /report answers and what the
digests post in organizer chats. Every label comes from the catalogs; numbers follow the
locale's conventions (Babel: "1 234", "42 %" in French); zone names and unknown topic tags are
escaped. Each line closes the tags it opens, so a long dashboard is split between lines."""

from __future__ import annotations

import html
from collections.abc import Callable

from babel.numbers import format_decimal, format_percent

from reports.dashboard import Dashboard, Totals, ZoneWork

Translate = Callable[..., str]

# Telegram's limit for one text message.
MESSAGE_LIMIT = 4096
# Shown in this order, each when it or the previous period's is not zero.
FIELD_COUNTS = ("doors_knocked", "doors_opened", "calls", "answered", "conversations")
OUTCOMES = ("supportive", "undecided", "opposed", "not_interested")
LATER_COUNTS = ("follow_ups", "signups", "leaflets", "posters")
TOPICS_SHOWN = 8


class _Writer:
    def __init__(self, t: Translate, locale: str) -> None:
        self.t, self.locale = t, locale

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def share(self, part: int, whole: int) -> str:
        return format_percent(part / whole, locale=self.locale) if whole else "–"

    def change(self, now: int, before: int | None) -> str:
        """ " (+12)" against the previous period; nothing when there is none to compare."""
        if before is None:
            return ""
        delta = now - before
        if delta == 0:
            return self.t("dash.same")
        sign = "+" if delta > 0 else "−"
        return self.t("dash.change", delta=sign + self.number(abs(delta)))

    def line(self, label_key: str, now: int, before: int | None = None) -> str:
        return self.t("dash.line", label=self.t(label_key), value=self.number(now)) + self.change(
            now, before
        )


def _topic_label(t: Translate, tag: str) -> str:
    """The catalog's label for a topic tag; a campaign's own tag without one is shown as is."""
    key = f"report.topic.{tag}"
    label = t(key)
    return html.escape(tag.replace("_", " "), quote=False) if label == key else label


def _totals_lines(w: _Writer, now: Totals, before: Totals | None) -> list[str]:
    def prior(name: str) -> int | None:
        return getattr(before, name) if before is not None else None

    def shown(name: str) -> bool:
        return bool(getattr(now, name) or prior(name))

    lines = []
    for name in FIELD_COUNTS:
        if shown(name):
            lines.append(w.line(f"dash.{name}", getattr(now, name), prior(name)))
            if name == "doors_opened" and now.contact_rate is not None:
                lines.append(
                    w.t("dash.contact_rate", rate=w.share(now.doors_opened, now.doors_knocked))
                )
    for name in OUTCOMES:
        if getattr(now, name):
            lines.append(
                w.t(
                    "dash.outcome",
                    label=w.t(f"dash.{name}"),
                    value=w.number(getattr(now, name)),
                    share=w.share(getattr(now, name), now.conversations),
                )
            )
    for name in LATER_COUNTS:
        if shown(name):
            lines.append(w.line(f"dash.{name}", getattr(now, name), prior(name)))
    return lines


def _zone_line(w: _Writer, zone: ZoneWork) -> str:
    return w.t(
        "dash.zone",
        name=html.escape(zone.name, quote=False),
        code=html.escape(zone.code, quote=False),
        doors=w.number(zone.doors_knocked),
        leaflets=w.number(zone.leaflets),
    )


def _sections(w: _Writer, d: Dashboard, previous: Dashboard | None) -> list[list[str]]:
    t = w.t
    before = previous.totals if previous is not None else None
    sections = [_totals_lines(w, d.totals, before) or [t("dash.no_reports")]]
    people = [
        t(
            "dash.missions",
            done=w.number(d.missions_done),
            planned=w.number(d.missions_planned),
        )
        + w.change(d.missions_done, previous.missions_done if previous else None),
        w.line(
            "dash.active_volunteers",
            d.active_volunteers,
            previous.active_volunteers if previous else None,
        ),
    ]
    if d.no_shows:
        people.append(w.line("dash.no_shows", d.no_shows))
    sections.append(people)
    if d.coverage:
        sections.append(
            [t("dash.coverage_title")]
            + [
                t(
                    f"dash.coverage_{p.measure}",
                    done=w.number(p.done),
                    target=w.number(p.target),
                    share=w.share(p.done, p.target),
                )
                for p in d.coverage
            ]
        )
    if d.busiest:
        sections.append([t("dash.busiest_title")] + [_zone_line(w, z) for z in d.busiest])
    if d.quietest:
        sections.append([t("dash.quietest_title")] + [_zone_line(w, z) for z in d.quietest])
    if d.topics:
        sections.append(
            [t("dash.topics_title")]
            + [
                t("dash.topic", label=_topic_label(t, tag), value=w.number(count))
                for tag, count in d.topics[:TOPICS_SHOWN]
            ]
        )
    if previous is not None:
        sections.append([t("dash.change_note")])
    return sections


def _size(text: str) -> int:
    """An upper bound of the length Telegram counts (UTF-16 units, after entities): tags and
    escapes only shrink when parsed."""
    return len(text.encode("utf-16-le")) // 2


def split_lines(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole lines packed into as few messages as fit `limit`; a blank line that would open or
    close a message is dropped. Lines are short (names are capped), so each fits alone."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        extra = _size(line) + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size = [], 0
            if not line:
                continue
            extra = _size(line)
        current.append(line)
        size += extra
    if current and "\n".join(current).strip():
        parts.append("\n".join(current).strip("\n"))
    return parts


def dashboard_text(
    d: Dashboard,
    previous: Dashboard | None,
    t: Translate,
    locale: str,
    title: str,
    limit: int = MESSAGE_LIMIT,
) -> list[str]:
    """The dashboard in messages of at most `limit` characters. `title` is HTML already
    (escape any name in it); `previous` is the period of the same length just before, for
    the changes shown in brackets (None: no comparison)."""
    w = _Writer(t, locale)
    lines = [f"<b>{title}</b>"]
    for section in _sections(w, d, previous):
        lines.append("")
        lines.extend(section)
    return split_lines(lines, limit)
