"""Charts as inline SVG: matplotlib figures drawn without pyplot (no global state), saved with text
as text, and given a title, a description and ids of their own so several sit in one page.

Colours are the Okabe-Ito palette (distinguishable by colour-blind readers); every series also
gets its own line style and marker, so the charts read in greyscale too.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Okabe & Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73", "orange": "#E69F00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
}
#: Series styles in order: colour, line style, marker (each differs from its neighbours on all three).
SERIES_STYLES = (
    (OKABE_ITO["blue"], "-", "o"),
    (OKABE_ITO["vermillion"], "--", "s"),
    (OKABE_ITO["green"], "-.", "^"),
    (OKABE_ITO["purple"], ":", "D"),
    (OKABE_ITO["orange"], (0, (5, 1, 1, 1)), "v"),
    (OKABE_ITO["sky"], (0, (1, 1)), "P"),
)
#: Fill hatches for bars whose colours must also differ in greyscale.
HATCHES = ("", "//", "\\\\", "xx", "--", "||", "++", "-|", "/-", "\\\\-")

#: Points drawn per series at most; longer series are downsampled (`downsample`).
MAX_POINTS = 500


@dataclass
class Chart:
    """One chart of the page.

    Args:
        key: What the chart shows (`loss`, `feature-spread`...), for the page and for tests.
        title: Its title (also the SVG's `<title>`).
        svg: The inline SVG markup.
        headers: Column names of the table of the numbers it shows (its text alternative).
        rows: The table's rows.
        note: One sentence under the chart (what was downsampled, what was left out).
    """

    key: str
    title: str
    svg: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


#: Chart settings: SVG text stays text (searchable, small).
STYLE: dict[RcKeyType, Any] = {"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10,
         "axes.titleweight": "bold", "font.family": "DejaVu Sans"}


def chart_style():
    """A context in which charts are built and saved with `STYLE` (the global settings are untouched)."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


def label(text: str) -> str:
    """Input text (a feature, class or trial name) as a chart label shows it verbatim: control
    characters escaped, `$` never read as mathtext, a leading `_` not taken as "no legend entry"."""
    from advisor.errors import escape_control

    shown = escape_control(str(text)).replace("$", r"\$")
    return "\u200b" + shown if shown.startswith("_") else shown


def figure(width: float, height: float, left: float = 0.8, right: float = 0.2, bottom: float = 0.6,
           top: float = 0.35):
    """A matplotlib Figure with no pyplot state behind it, and one set of axes.

    Margins are fixed, in inches (a layout engine would draw every chart several times over).

    Args:
        width, height: The figure's size in inches.
        left, right, bottom, top: The margins around the axes in inches (tick labels, axis labels,
            title, a legend outside the axes).

    Returns:
        (figure, axes).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)
    return fig, fig.add_subplot()


def name_margin(names, fontsize: float = 7) -> float:
    """The left margin in inches that tick labels of these names need, beside an axis label."""
    longest = max((len(str(name)) for name in names), default=4)
    return 0.55 + longest * fontsize * 0.0085


def to_svg(fig, chart_id: str, title: str, description: str) -> str:
    """The figure as SVG markup to inline in HTML.

    Args:
        fig: The matplotlib figure.
        chart_id: A page-unique id; every id inside the SVG is prefixed with it.
        title: The chart's `<title>` (what a screen reader announces first).
        description: Its `<desc>`: the chart's numbers in a sentence.

    Returns:
        An `<svg>` element with `role="img"` and `aria-labelledby` naming its title and description.
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{chart_id}-\1"', text)
    opening = text.index(">", text.index("<svg")) + 1
    labels = (f'<title id="{chart_id}-title">{_escape(title)}</title>'
              f'<desc id="{chart_id}-desc">{_escape(description)}</desc>')
    root = text[:opening - 1] + (f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
                                 f' data-chart="{chart_id}">')
    return root + labels + text[opening:].strip()


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def downsample(values: Sequence[float], max_points: int = MAX_POINTS) -> list[int]:
    """The indices of the points to draw: all of them up to `max_points`, else the lowest and the
    highest finite value of each of `max_points / 2` equal buckets (spikes and dips survive), plus
    the first and last point.

    Args:
        values: One value per epoch (NaN and infinities allowed; they are never chosen).
        max_points: Points to keep at most (about).

    Returns:
        Sorted indices into `values`.
    """
    count = len(values)
    if count <= max_points:
        return list(range(count))
    import numpy as np

    array = np.asarray(values, dtype=float)
    finite = np.isfinite(array)
    buckets = max(1, max_points // 2)
    edges = np.linspace(0, count, buckets + 1).astype(int)
    kept = {0, count - 1}
    for start, stop in itertools.pairwise(edges):
        mask = finite[start:stop]
        if not mask.any():
            continue
        chunk = np.where(mask, array[start:stop], np.nan)
        kept.add(start + int(np.nanargmin(chunk)))
        kept.add(start + int(np.nanargmax(chunk)))
    return sorted(kept)


def spans_decades(values: Sequence[float], decades: float = 2.0) -> bool:
    """Whether positive finite values span at least `decades` powers of ten (a log axis shows them
    better); False when any value is zero or negative."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2 or min(finite) <= 0:
        return False
    return math.log10(max(finite) / min(finite)) >= decades


def number(value: Any) -> str:
    """A number as a table shows it: 4 significant digits, integers whole, NaN and infinity named."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"
