"""The dashboard's two charts as PNG images, made to be read on a phone: square 1080 px,
big type, few bars, the Okabe-Ito colour-blind-safe palette, every word through the catalogs.

matplotlib is imported on first use (it takes about a second). Figures are plain `Figure`
objects drawn by the Agg canvas: no pyplot, no global figure state. Drawing takes a fraction
of a second of CPU, holding the GIL: the bot calls these through its chart worker process
(reports/drawing.py), never on its own event loop."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from reports.figures import Dashboard, DayActivity, Progress

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Translate = Callable[..., str]

SIZE_INCHES = 7.2
DPI = 150  # 7.2 in x 150 dpi = 1080 px
FONT_PT = 14
TITLE_PT = 18
MAX_BARS = 12
MAX_LABEL = 22  # characters of a zone or team name before the ellipsis
MAX_TICKS = 7  # date labels under the activity chart: a week shows every day
MIN_DAYS = 7  # the activity chart's narrowest span, so one day is not one huge bar
MIN_BARS = 6
# An axes title placed where matplotlib would put it, given explicitly: found by itself it
# measures every label of the axes first, a sixth of the drawing time.
TITLE_Y = 1.0

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OUTCOME_COLOURS = {
    "supportive": "#009E73",  # bluish green
    "undecided": "#F0E442",  # yellow
    "opposed": "#D55E00",  # vermillion
    "not_interested": "#999999",  # grey
}
DOORS_COLOUR = "#56B4E9"  # sky blue
DONE_COLOUR = "#0072B2"  # blue
TARGET_COLOUR = "#DDDDDD"
OUTCOMES = tuple(OUTCOME_COLOURS)


def activity_chart(d: Dashboard, t: Translate) -> bytes | None:
    """Doors knocked per day (top) over that day's conversations by outcome, stacked
    (bottom); None when no door was knocked and no outcome recorded."""
    days = d.days
    if not any(day.doors_knocked or _outcomes(day) for day in days):
        return None
    first = days[0].day
    x = [(day.day - first).days for day in days]
    width = 0.8 if x[-1] < 20 else 1.0  # touching bars read better than slivers

    # Fixed margins: the labels are numbers and dates, their room known in advance (the
    # widest count on the left, with its thousands separators).
    tallest = max(max(day.doors_knocked, _outcomes(day)) for day in days)
    widest = len(f"{tallest * 1.5:,.0f}")  # the axes reach past the tallest bar
    figure = _figure(layout=None)
    figure.subplots_adjust(
        left=min(0.3, 0.04 + 0.0155 * widest), right=0.98, top=0.9, bottom=0.07, hspace=0.22
    )
    doors_axes, outcome_axes = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": (1, 2)}
    )
    figure.suptitle(t("chart.activity.title"), fontsize=TITLE_PT, fontweight="bold")

    doors_axes.bar(x, [day.doors_knocked for day in days], width, color=DOORS_COLOUR)
    doors_axes.set_title(t("chart.activity.doors"), loc="left", fontsize=FONT_PT, y=TITLE_Y)

    bottom = [0] * len(days)
    for outcome in OUTCOMES:
        heights = [getattr(day, outcome) for day in days]
        outcome_axes.bar(
            x,
            heights,
            width,
            bottom=bottom,
            color=OUTCOME_COLOURS[outcome],
            edgecolor="#333333" if outcome == "undecided" else None,  # yellow on white
            linewidth=0.5,
            label=t(f"chart.outcome.{outcome}"),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    outcome_axes.set_title(
        t("chart.activity.conversations"), loc="left", fontsize=FONT_PT, y=TITLE_Y
    )
    outcome_axes.legend(loc="upper left", ncols=2, frameon=False, fontsize=FONT_PT - 1)
    # Room above the tallest bar for the legend.
    outcome_axes.set_ylim(0, max(max(bottom), 1) * 1.45)

    ticks = _spread(x, MAX_TICKS)
    outcome_axes.set_xticks(ticks)
    outcome_axes.set_xticklabels([t("chart.day", day=days[x.index(i)].day) for i in ticks])
    pad = max(0, MIN_DAYS - x[-1] - 1) / 2  # a day or two stay thin bars, centred
    outcome_axes.set_xlim(-0.7 - pad, x[-1] + 0.7 + pad)
    for axes in (doors_axes, outcome_axes):
        _integer_axis(axes)
    return _png(figure)


def targets_chart(d: Dashboard, t: Translate) -> bytes | None:
    """Progress against targets: one horizontal bar per zone and measure, done as a share of
    the target, with the percentage and the counts written on it; the biggest targets only.
    Teams have no targets (a campaign-wide dashboard's progress is by team, target 0): then
    the work each team did, per measure. None when there is nothing to draw."""
    targeted = [p for p in d.progress if p.target > 0]
    if targeted:
        return _against_targets(targeted, t)
    done = [p for p in d.progress if p.done > 0]
    return _work_done(done, t) if done else None


def _against_targets(progress: list[Progress], t: Translate) -> bytes:
    bars = sorted(progress, key=lambda p: -p.target)[:MAX_BARS]
    shares = [100 * p.done / p.target for p in bars]
    measures = {p.measure for p in bars}

    figure = _figure()
    axes = figure.subplots()
    figure.suptitle(t("chart.targets.title"), fontsize=TITLE_PT, fontweight="bold")
    y = range(len(bars))
    right = max(100.0, *shares)
    axes.barh(y, [right] * len(bars), 0.7, color=TARGET_COLOUR)
    axes.barh(y, shares, 0.7, color=DONE_COLOUR)
    axes.axvline(100, color="#333333", linewidth=1, linestyle="--")
    axes.set_yticks(list(y))
    axes.set_yticklabels([_label(p, t, len(measures) > 1) for p in bars])
    for row, (p, share) in enumerate(zip(bars, shares, strict=True)):
        text = t("chart.targets.bar", percent=round(share), done=p.done, target=p.target)
        inside = share > right * 0.55
        axes.text(
            share - right * 0.01 if inside else share + right * 0.01,
            row,
            text,
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "#222222",
            fontsize=FONT_PT - 1,
        )
    axes.set_xlim(0, right * 1.05)
    # The biggest target on top; a few bars keep the thickness they would have among six.
    axes.set_ylim(max(len(bars), MIN_BARS) - 0.5, -0.5)
    axes.set_xticks([0, 50, 100])
    axes.set_xticklabels([t("chart.percent", percent=v) for v in (0, 50, 100)])
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="y", length=0)
    if len(measures) == 1:
        axes.set_title(t(f"chart.targets.{measures.pop()}"), loc="left", fontsize=FONT_PT)
    return _png(figure)


def _work_done(progress: list[Progress], t: Translate) -> bytes:
    """One panel per measure (doors and leaflets have different scales), most work on top."""
    measures = list(dict.fromkeys(p.measure for p in progress))
    per_panel = MAX_BARS // len(measures)
    panels = [
        sorted((p for p in progress if p.measure == m), key=lambda p: -p.done)[:per_panel]
        for m in measures
    ]
    figure = _figure()
    figure.suptitle(t("chart.work.title"), fontsize=TITLE_PT, fontweight="bold")
    rows = [max(len(bars), MIN_BARS // len(measures)) for bars in panels]
    grid = figure.subplots(len(measures), 1, squeeze=False, gridspec_kw={"height_ratios": rows})
    for axes, measure, bars, room in zip(grid[:, 0], measures, panels, rows, strict=True):
        y = list(range(len(bars)))
        done = [p.done for p in bars]
        axes.barh(y, done, 0.7, color=DONE_COLOUR)
        for row, value in enumerate(done):
            axes.text(value, row, f" {value}", va="center", ha="left", fontsize=FONT_PT - 1)
        axes.set_yticks(y)
        axes.set_yticklabels([shorten(p.label) for p in bars])
        axes.set_ylim(room - 0.5, -0.5)
        axes.set_xlim(0, max(done) * 1.25)  # room for the counts
        axes.set_xticks([])
        axes.spines[["top", "right", "bottom"]].set_visible(False)
        axes.tick_params(axis="y", length=0)
        axes.set_title(t(f"chart.work.{measure}"), loc="left", fontsize=FONT_PT)
    return _png(figure)


def shorten(name: str, limit: int = MAX_LABEL) -> str:
    """A name cut to `limit` characters, the cut shown by an ellipsis."""
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _label(p: Progress, t: Translate, with_measure: bool) -> str:
    name = shorten(p.label)
    if not with_measure:
        return name
    return t("chart.targets.label", name=name, measure=t(f"chart.measure.{p.measure}"))


def _outcomes(day: DayActivity) -> int:
    return sum(getattr(day, outcome) for outcome in OUTCOMES)


def _spread(x: list[int], most: int) -> list[int]:
    """At most `most` of the positions in `x`, evenly spread, first and last included."""
    if len(x) <= most:
        return x
    step = (len(x) - 1) / (most - 1)
    return sorted({x[round(i * step)] for i in range(most)})


def _figure(layout: str | None = "constrained") -> Figure:
    """A square figure; `layout` None leaves the margins to the caller (constrained layout
    measures every label first: half the drawing time of a chart whose labels are short)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI, layout=layout)
    figure.set_facecolor("white")
    return figure


def _integer_axis(axes: Axes) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    # Thousands apart by a thin space (SI style: reads in French and in English).
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{value:,.0f}".replace(",", "\u202f"))
    )
    axes.tick_params(labelsize=FONT_PT)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    axes.set_axisbelow(True)


def _png(figure: Figure) -> bytes:
    """The figure as a PNG of at most 64 colours: a third of the size of matplotlib's own
    output (anti-aliased text makes thousands of shades), and no metadata."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    for axes in figure.axes:
        axes.tick_params(labelsize=FONT_PT)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    buffer = io.BytesIO()
    # The fast octree: half the time of the default median cut, and smaller files, for
    # charts made of a few flat colours and their anti-aliased edges.
    palette = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    palette.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
