"""Horizontal bar charts as plain data for an inline-SVG template. Pure: stdlib only.

The template (`templates/inclusion/_chart.html`) draws what is computed here: no arithmetic in templates,
no script, no inline style (colours come from the `chart-series-N` classes in app.css). Each chart carries
a title and a text description for screen readers, and the page shows the same numbers in a table.

Layout, in viewBox units (the SVG is drawn at 100% of its container's width, so it scales on a phone):
each category is a line of label text, then one bar per series under it, the value written after the bar.
The longest bar is as wide as the chart minus the room kept for the value text; every bar is to that scale,
and a non-zero value is never drawn thinner than `MIN_BAR` so that it does not vanish.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 320
VALUE_ROOM = 40      # right of the longest bar, for its value
LABEL_HEIGHT = 17    # a category label line (text baseline at LABEL_BASELINE)
LABEL_BASELINE = 13
BAR_HEIGHT = 12
BAR_GAP = 3
GROUP_GAP = 9
TOP = 2
MIN_BAR = 1
LABEL_FONT = 13
VALUE_FONT = 11


@dataclass(frozen=True)
class Bar:
    series: int          # index into the chart's series (CSS class chart-series-<series>)
    value: int
    x: int
    y: int
    width: int
    height: int
    text_x: int
    text_y: int
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Series:
    index: int
    name: str

    @property
    def css_class(self) -> str:
        return f"chart-series-{self.index}"


class _Frame:
    """What the chart templates read of any chart: the SVG's viewBox and the ids its title and description
    carry (aria-labelledby, aria-describedby). Needs `id`, `width` and `height`."""

    id: str
    width: int
    height: int

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


@dataclass(frozen=True)
class BarChart(_Frame):
    id: str
    title: str
    desc: str
    width: int
    height: int
    series: list[Series]
    groups: list[Group]


def bar_width(value: int, largest: int, room: int) -> int:
    """The bar length of `value` when `largest` takes `room` units; at least MIN_BAR for a non-zero value."""
    if value <= 0 or largest <= 0:
        return 0
    return max(MIN_BAR, round(room * value / largest))


def describe(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> str:
    """The chart's numbers as text, for its <desc>: "Label: Series 1 12, Series 2 3; Label 2: ..."."""
    parts = []
    for index, category in enumerate(categories):
        values = ", ".join(f"{name} {values[index]}" for name, values in series)
        parts.append(f"{category}: {values}")
    return "; ".join(parts) + ("." if parts else "")


def bar_chart(chart_id: str, title: str, categories: Sequence[str],
              series: Sequence[tuple[str, Sequence[int]]], *, desc: str | None = None) -> BarChart:
    """A grouped horizontal bar chart: one group per category, one bar per series (name, values by category).

    Labels arrive translated; `desc` defaults to `describe(categories, series)`.
    """
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
    largest = max((value for _name, values in series for value in values), default=0)
    room = WIDTH - VALUE_ROOM
    groups: list[Group] = []
    y = TOP
    for index, category in enumerate(categories):
        label_y = y + LABEL_BASELINE
        y += LABEL_HEIGHT
        bars = []
        for number, (_name, values) in enumerate(series):
            value = values[index]
            width = bar_width(value, largest, room)
            bars.append(Bar(series=number, value=value, x=0, y=y, width=width, height=BAR_HEIGHT,
                            text_x=width + 4, text_y=y + BAR_HEIGHT - 2, text=str(value)))
            y += BAR_HEIGHT + BAR_GAP
        groups.append(Group(label=category, label_y=label_y, bars=bars))
        y += GROUP_GAP - BAR_GAP
    height = max(y, TOP + LABEL_HEIGHT)
    return BarChart(
        id=chart_id, title=title, desc=desc if desc is not None else describe(categories, series),
        width=WIDTH, height=height, series=[Series(index, name) for index, (name, _values) in enumerate(series)],
        groups=groups,
    )


# --- signed values (differences from a reference), drawn either side of a zero line ----------------------------

SIGNED_VALUE_ROOM = 44  # each side of the chart keeps this much room for a value written past its bar's end
HIGHLIGHT_SERIES = 5    # the colour of a highlighted bar (vermillion, apart from series 0's blue)


@dataclass(frozen=True)
class SignedBar:
    """One category of a signed chart: a bar from the zero line (`x`, `width`: to the left for a negative value),
    its text past the bar's end (`text_anchor` "end" on the left, "start" on the right), the category's label
    above it; `series` picks the colour (0 usual, HIGHLIGHT_SERIES highlighted). A missing value draws no bar
    and the text "–"."""

    label: str
    label_y: int
    value: float | None
    series: int
    x: int
    y: int
    width: int
    height: int
    text_x: int
    text_y: int
    text_anchor: str
    text: str


@dataclass(frozen=True)
class SignedChart(_Frame):
    id: str
    title: str
    desc: str
    width: int
    height: int
    zero_x: int
    guide_x: int | None   # a dashed line at the `guide` value (e.g. the threshold of a note), when given
    series: list[Series]
    bars: list[SignedBar]


def signed_bar_chart(chart_id: str, title: str, categories: Sequence[str], values: Sequence[float | None],
                     texts: Sequence[str], *, highlighted: Sequence[bool] = (), guide: float | None = None,
                     series_names: Sequence[str] = (), desc: str | None = None) -> SignedChart:
    """Horizontal bars either side of a zero line in the middle: negative values to the left, positive to the
    right, every bar to the scale of the largest magnitude (the `guide` included, so its line is always drawn).
    `texts` are the values as people read them (translated, with the reader's separator); `highlighted[i]`
    draws category i in HIGHLIGHT_SERIES; `series_names` name the usual and the highlighted bars for the
    legend. `desc` defaults to "category: text; ..."."""
    if not len(values) == len(texts) == len(categories):
        raise ValueError(f"{len(categories)} categories, {len(values)} values, {len(texts)} texts")
    highlighted = list(highlighted) + [False] * (len(categories) - len(highlighted))
    zero_x = WIDTH // 2
    room = zero_x - SIGNED_VALUE_ROOM
    largest = max([abs(value) for value in values if value is not None] + ([abs(guide)] if guide else []),
                  default=0.0)

    def length(value: float) -> int:
        if largest <= 0 or value == 0:
            return 0
        return max(MIN_BAR, round(room * abs(value) / largest))

    bars: list[SignedBar] = []
    y = TOP
    for category, value, text, marked in zip(categories, values, texts, highlighted):
        label_y = y + LABEL_BASELINE
        y += LABEL_HEIGHT
        width = length(value) if value is not None else 0
        negative = value is not None and value < 0
        x = zero_x - width if negative else zero_x
        text_x = x - 4 if negative else zero_x + width + 4
        bars.append(SignedBar(label=category, label_y=label_y, value=value,
                              series=HIGHLIGHT_SERIES if marked else 0, x=x, y=y, width=width,
                              height=BAR_HEIGHT, text_x=text_x, text_y=y + BAR_HEIGHT - 2,
                              text_anchor="end" if negative else "start", text=text if value is not None else "–"))
        y += BAR_HEIGHT + GROUP_GAP
    height = max(y, TOP + LABEL_HEIGHT)
    guide_x = None
    if guide is not None and largest > 0:
        guide_x = zero_x + (1 if guide > 0 else -1) * length(guide)
    description = desc if desc is not None else (
        "; ".join(f"{category}: {bar.text}" for category, bar in zip(categories, bars)) + ("." if bars else ""))
    return SignedChart(id=chart_id, title=title, desc=description, width=WIDTH, height=height, zero_x=zero_x,
                       guide_x=guide_x,
                       series=[Series(index, name) for index, name in zip((0, HIGHLIGHT_SERIES), series_names)],
                       bars=bars)
