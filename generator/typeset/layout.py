"""The geometry of a poster, computed once in Python and handed to its template.

A design is laid out by CSS flow (templates/base.css); what the flow needs to
know is here: the page with its bleed and safe area, the unit, the spacing,
and the type scale, a size for each text role derived from the distance the
poster is read from. Templates receive one ``Geometry`` and hold presentation
only.

The fit of a poster is a handful of scales in a fixed shrink priority
(``SHRINK_ORDER``): first the gaps, then the secondary languages' texts, then
the primary's, the headline last. Every text keeps to its role's floor, and a
secondary language is never set larger than the primary in the same role.
A page with room to spare grows its texts by one ratio, each group to its cap
(``grow_plan``), and its illustration with what is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup

from ..planning.formats import ROLE_READING_SHARE, SAFE_MARGIN_MM, PaperFormat

ROLES = tuple(ROLE_READING_SHARE)
# How far above its floor a role is designed: the room it has to shrink into.
ROLE_BOOST: dict[str, float] = {
    "headline": 1.12,
    "number": 1.1,
    "subheadline": 1.2,
    "cta": 1.2,
    "message": 1.2,
    "contact_name": 1.2,
    "place": 1.15,
    "label": 1.1,
}
# Each further language in a stack is set this much smaller than the one before it
# (never below its floor): the primary reads first.
SECONDARY_STEP = 0.9
# The primary headline catches the eye from the full viewing distance; the others
# are read as one comes closer, so their floor is set from a shorter distance.
SECONDARY_HEADLINE_FLOOR = 0.75

# Fit scales, in the order they shrink. Keys of ``Fits`` are (GROUP, name) for these
# and (text key, language) for one text narrowed to its column.
GROUP = "*"
SHRINK_ORDER = ("gap", "secondary", "primary", "headline-secondary", "headline")
MIN_GAP_SCALE = 0.35
# A page with room to spare grows its texts into it, all by one ratio, each group
# to its cap; the secondary languages stop before the primary, and the headline
# (with the numbers) before the running texts, so each role keeps its rank. What
# the texts cannot take goes to the illustration (``PICTURE``), up to its cap.
GROW_CAPS = {"gap": 1.0, "headline": 1.3, "primary": 1.5, "headline-secondary": 1.25,
             "secondary": 1.4}  # fmt: skip
PICTURE = "picture"
PICTURE_CAP = 1.8
TEXT_GROUPS = SHRINK_ORDER[1:]
# Not a scale: the headline's designed size over the page's height where the scales were
# found. A poster of the family at another format, whose type is larger or smaller for its
# page (the viewing distance does not follow the paper size exactly), corrects its texts'
# scales by it before its first layout.
TYPE_PER_PAGE = "type-per-page"
# Not a scale either: how much more height a grow step took than its plan said, measured
# on the family's seed; the others plan with their room divided by it.
GROW_GAIN = "grow-gain"
# Aim below the room measured: a text that wraps once more takes more than the model says,
# and a grown page that overflows costs another layout.
GROW_FILL = 0.85

Fits = dict[tuple[str, str], float]


def scale_group(role: str, rank: int) -> str:
    """Which fit scale a text of ``role`` at ``rank`` (0: primary language) follows."""
    if role in ("headline", "number"):
        return "headline" if rank == 0 else "headline-secondary"
    return "primary" if rank == 0 else "secondary"


@dataclass(frozen=True)
class TypeScale:
    """A size and a floor for each role, in mm of font size."""

    sizes: dict[str, float]
    floors: dict[str, float]

    def size(self, role: str, rank: int = 0) -> float:
        """The designed size of ``role`` for the language at ``rank`` in the stack."""
        return max(self.sizes[role] * SECONDARY_STEP ** min(rank, 1), self.floor(role, rank))

    def floor(self, role: str, rank: int = 0) -> float:
        """The smallest legible size of ``role`` for the language at ``rank``."""
        if role == "headline" and rank > 0:
            return self.floors[role] * SECONDARY_HEADLINE_FLOOR
        return self.floors[role]

    def __getattr__(self, role: str) -> float:
        try:
            return self.sizes[role]
        except KeyError:
            raise AttributeError(role) from None


def type_scale(paper: PaperFormat, distance_m: float | None = None) -> TypeScale:
    floors = {role: paper.layout_floor_mm(role, distance_m) for role in ROLES}
    return TypeScale({role: floors[role] * ROLE_BOOST[role] for role in ROLES}, floors)


@dataclass(frozen=True)
class Geometry:
    """What a template needs to know of its page, all lengths in mm."""

    width: float
    height: float
    bleed: float
    unit: float  # 1% of the shorter side
    margin: float  # from the trim to the text, left and right
    safe: float  # text keeps this far inside the trim
    safe_bottom: float  # more on a roll-up banner, whose foot stands in its cassette
    landscape: bool
    format: str
    viewing_distance_m: float
    sides: int
    type: TypeScale
    gap: float  # the basic vertical gap, already scaled by the fit
    scales: dict[str, float] = field(default_factory=dict)

    @property
    def diagonal_deg(self) -> float:
        return math.degrees(math.atan2(self.height, self.width))

    @property
    def draft(self) -> dict[str, float]:
        """Where the DRAFT mark goes: centred on the page, along its diagonal."""
        diagonal = math.hypot(self.width, self.height)
        width, height = 0.62 * diagonal, 0.2 * diagonal
        return {
            "left": round((self.width - width) / 2, 2),
            "top": round((self.height - height) / 2, 2),
            "width": round(width, 2),
            "height": round(height, 2),
            "angle": round(self.diagonal_deg, 2),
            "word": round(0.14 * diagonal, 2),
            "why": round(0.018 * diagonal, 2),
        }

    def of_height(self, share: float) -> float:
        """A share of the page's height in mm, for a picture: ``page.of_height(0.1)``; more
        when the fit gives the picture the room the texts leave (``PICTURE``)."""
        return round(self.height * share * self.scales.get(PICTURE, 1.0), 2)

    @property
    def content_width(self) -> float:
        return self.width - 2 * self.margin

    @property
    def floor(self) -> dict[str, float]:
        return self.type.floors

    def css(self) -> Markup:
        """The geometry as CSS custom properties for templates/base.css: numbers only."""
        g = self.gap
        # Icons and the pictogram grow with the texts beside them (they never shrink:
        # a row as tall as its icon would not give room back).
        grown = max(1.0, self.scales.get("primary", 1.0))
        icon = self.type.size("message") * 2.6 * grown
        values = {
            "page-width": self.width,
            "page-height": self.height,
            "bleed": self.bleed,
            "bleed-out": -self.bleed,
            "full-width": self.width + 2 * self.bleed,  # a picture from bleed to bleed
            "margin": self.margin,
            "pad-x": self.margin + self.bleed,  # a band into the bleed, text at the margin
            "safe": self.safe,
            "safe-bottom": self.safe_bottom,
            "gap-xs": 0.25 * g,
            "gap-s": 0.5 * g,
            "gap": g,
            "gap-l": 1.6 * g,
            "top-in-bleed": self.bleed + self.safe + 0.5 * g,  # tall marks stay in the safe area
            "icon": icon,
            "icon-room": icon + g,
            "icon-half-out": -icon / 2,
            "pictogram": self.type.size("subheadline") * 4.2 * grown,
            "logo": self.type.size("place") * 3.4,
            "rule": max(0.3, self.unit * 0.12),
        }
        return Markup(" ".join(f"--{name}: {value:.2f}mm;" for name, value in values.items()))


def geometry(
    paper: PaperFormat,
    sides: int,
    fits: Fits,
    distance_m: float | None = None,
    safe_bottom_mm: float = 0.0,
) -> Geometry:
    width, height = paper.trim_mm
    unit = min(width, height) / 100
    safe = max(SAFE_MARGIN_MM, 2.5 * unit)
    scale = type_scale(paper, distance_m)
    gap = max(2.0, 1.8 * unit) * fits.get((GROUP, "gap"), 1.0)
    return Geometry(
        width=width,
        height=height,
        bleed=paper.bleed_mm,  # none on a screen format
        unit=unit,
        margin=max(safe, 6 * unit),
        safe=safe,
        safe_bottom=max(safe, safe_bottom_mm),
        landscape=paper.orientation == "landscape",
        format=paper.label,
        viewing_distance_m=distance_m or paper.viewing_distance_m,
        sides=sides,
        type=scale,
        gap=gap,
        scales={name: fits.get((GROUP, name), 1.0) for name in (*SHRINK_ORDER, PICTURE)},
    )


def text_size(
    scale: TypeScale, fits: Fits, role: str, rank: int, key: str, lang: str
) -> tuple[float, float]:
    """(size, floor) of one text: its role's size for its rank, times its group's fit
    scale and its own, never below the floor."""
    group = fits.get((GROUP, scale_group(role, rank)), 1.0)
    own = fits.get((key, lang), 1.0)
    floor = scale.floor(role, rank)
    return max(scale.size(role, rank) * group * own, floor), floor


def shrink_plan(
    fits: Fits, overflow_mm: float, heights: dict[str, float], gaps_mm: float, mins: dict
) -> tuple[Fits, float] | None:
    """New scales that take ``overflow_mm`` out of a page's height, in the fixed order.

    ``heights``: the measured height of the texts of each group on the page;
    ``gaps_mm``: the height that is neither text nor picture (gaps, padding);
    ``mins``: each group's smallest scale (its texts at their floors).
    Text wrapped in a column grows about as the square of its size (longer
    lines, and taller); a little less in practice, so 1.7 is used.
    Returns the new scales with the height they are expected to take out, or
    None when every scale is already at its smallest.
    """
    new = dict(fits)
    left = overflow_mm * 1.06 + 0.5
    changed = False
    # Texts grown above their designed size (a grow step) come back to it first: the
    # fixed order applies from there.
    for name in reversed(TEXT_GROUPS):
        current, height = fits.get((GROUP, name), 1.0), heights.get(name, 0.0)
        if left <= 0 or current <= 1.0 or height <= 0.01:
            continue
        take = min(height * (1 - (1 / current) ** 1.7), left)
        new[(GROUP, name)] = max(1.0, current * (1 - take / height) ** (1 / 1.7))
        left -= take
        changed = True
    for name in SHRINK_ORDER:
        if left <= 0:
            break
        current = new.get((GROUP, name), 1.0)
        if name == "gap":
            lowest = MIN_GAP_SCALE
            room = gaps_mm * (1 - lowest / current)
            if room <= 0.01:
                continue
            take = min(room, left)
            new[(GROUP, name)] = current * (1 - take / gaps_mm)
        else:
            height = heights.get(name, 0.0)
            lowest = mins.get(name, 1.0)
            if height <= 0.01 or current <= lowest * 1.001:
                continue
            room = height * (1 - (lowest / current) ** 1.7)
            take = min(room, left)
            new[(GROUP, name)] = max(lowest, current * (1 - take / height) ** (1 / 1.7))
        left -= take
        changed = True
    return (new, overflow_mm * 1.06 + 0.5 - max(left, 0)) if changed else None


@dataclass(frozen=True)
class GrowingText:
    """One measured text, as a grow step sees it (lengths in mm)."""

    group: str
    top: float
    height: float
    lines: int
    length: float  # its lines' widths together
    measure: float  # its column's width

    def added(self, ratio: float) -> float:
        """How much taller it gets set ``ratio`` times larger: each line by the ratio,
        and more lines once it no longer fits on as few (wrapped lines are ragged)."""
        if self.lines <= 0 or ratio <= 1.0:
            return 0.0
        fill = 1.0 if self.lines == 1 else 0.92
        lines = max(self.lines, math.ceil(self.length * ratio / (fill * self.measure) - 1e-6))
        return self.height * (ratio * lines / self.lines - 1)


@dataclass(frozen=True)
class Room:
    """What one page offers a grow step: its spare height, its texts, the height of
    its gaps and of its illustration, in mm."""

    spare_mm: float
    texts: tuple[GrowingText, ...]
    gaps_mm: float
    picture_mm: float = 0.0

    def added(self, ratios: dict[str, float]) -> float:
        """How much taller the page gets with each group grown by its ratio; texts side
        by side (a grid of contacts) take the height of the tallest of them."""
        total = self.gaps_mm * (ratios.get("gap", 1.0) - 1)
        row_bottom, row_added = -math.inf, 0.0
        for text in sorted(self.texts, key=lambda t: t.top):
            grown = text.added(ratios.get(text.group, 1.0))
            if text.top >= row_bottom - 0.01:  # a new row
                total += row_added
                row_bottom, row_added = text.top + text.height, grown
            else:
                row_bottom = max(row_bottom, text.top + text.height)
                row_added = max(row_added, grown)
        return total + row_added


def grow_plan(fits: Fits, rooms: list[Room], caps: dict[str, float]) -> Fits | None:
    """New scales that fill the pages' spare room: one layout, predicted, not searched.

    Every text group grows by one ratio (the gaps back to their designed size),
    each up to its cap in ``caps``; the ratio is the largest that keeps each
    page's growth, by the model of ``shrink_plan``, within ``GROW_FILL`` of its
    spare height (``Room.added``). What a page then has left goes to its illustration. None when
    nothing would grow by more than 2 %.
    """
    current = {name: fits.get((GROUP, name), 1.0) for name in caps}

    def added(room: Room, ratio: float) -> float:
        ratios = {name: max(1.0, min(cap / current[name], ratio)) for name, cap in caps.items()}
        return room.added(ratios)

    def holds(ratio: float) -> bool:
        return all(added(room, ratio) <= GROW_FILL * room.spare_mm for room in rooms)

    low, high = 1.0, max(caps[name] / min(current[name], caps[name]) for name in caps)
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if holds(middle) else (low, middle)
    new = dict(fits)
    changed = False
    for name, cap in caps.items():
        grown = max(current[name], min(cap, current[name] * low))
        if grown > current[name] * 1.02:
            new[(GROUP, name)] = round(grown, 4)
            changed = True
    pictures = [room for room in rooms if room.picture_mm > 0]
    if pictures:
        scale = fits.get((GROUP, PICTURE), 1.0)
        share = min(
            (GROW_FILL * room.spare_mm - added(room, low)) / room.picture_mm for room in pictures
        )
        grown = min(PICTURE_CAP, scale * (1 + max(0.0, share)))
        if grown > scale * 1.02:
            new[(GROUP, PICTURE)] = round(grown, 4)
            changed = True
    return new if changed else None


# --- balanced headlines ------------------------------------------------------------

# Scripts whose spaces separate phrases rather than words: a break at a space reads
# better there than one between two words of a phrase.
PHRASE_SPACED = {"Laoo", "Thai", "Khmr", "Mymr"}
BOLD_WIDTH = 1.08  # a headline is bold; the width estimate is for the regular weight
LINE_SLACK = 0.94  # aim below the measure: the estimate is unshaped


def balanced_lines(
    pieces: list[tuple[str, float, bool]], measure_em: float, phrase_spaced: bool
) -> list[int] | None:
    """Where to break a headline so that its lines come out even.

    ``pieces``: the text's unbreakable pieces with their width in em and whether
    a space follows (a break there costs nothing in spaced scripts, and is the
    preferred, phrase break in Lao, Thai, Khmer and Burmese). Returns the
    indices after which to break, for the fewest lines that fit ``measure_em``,
    or None for a one-line headline.
    """
    total = sum(w for _, w, _ in pieces)
    if total <= measure_em * LINE_SLACK or len(pieces) < 2:
        return None
    widths = [w for _, w, _ in pieces]
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    limit = measure_em * LINE_SLACK
    n = len(pieces)
    lines = max(2, math.ceil(total / limit))
    for count in range(lines, lines + 4):
        target = total / count
        best = _best_breaks(prefix, pieces, n, count, target, limit, phrase_spaced)
        if best is not None:
            return best
    return None


def _best_breaks(prefix, pieces, n, count, target, limit, phrase_spaced):
    """Dynamic programme: ``count`` lines, each within ``limit``, least squared deviation
    from ``target``, with a penalty for a break inside a phrase."""
    inf = float("inf")
    # cost[k][i]: best cost of setting pieces[:i] on k lines
    cost = [[inf] * (n + 1) for _ in range(count + 1)]
    back = [[-1] * (n + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for k in range(1, count + 1):
        for i in range(1, n + 1):
            for j in range(k - 1, i):
                if cost[k - 1][j] == inf:
                    continue
                width = prefix[i] - prefix[j]
                if width > limit and i - j > 1:
                    continue
                penalty = (width - target) ** 2
                if width > limit:
                    penalty += 1000 * (width - limit) ** 2
                if i < n and phrase_spaced and not pieces[i - 1][2]:
                    penalty += (0.35 * target) ** 2  # a break inside a phrase
                if cost[k - 1][j] + penalty < cost[k][i]:
                    cost[k][i] = cost[k - 1][j] + penalty
                    back[k][i] = j
    if cost[count][n] == inf:
        return None
    breaks, i = [], n
    for k in range(count, 0, -1):
        j = back[k][i]
        if j > 0:
            breaks.append(j - 1)
        i = j
    return sorted(breaks)


GROUP_NAMES = {
    "gap": "gaps",
    "secondary": "texts in the secondary languages",
    "primary": "texts in the primary language",
    "headline-secondary": "headline in the secondary languages",
    "headline": "headline and numbers",
}


def describe_fits(fits: Fits) -> list[str]:
    """The fit as warnings: what was shrunk, and by how much."""
    out = []
    for (key, lang), scale in sorted(fits.items()):
        if scale >= 0.995 or lang in (PICTURE, TYPE_PER_PAGE, GROW_GAIN):
            continue
        if key == GROUP:
            out.append(f"{GROUP_NAMES.get(lang, lang)} shrunk to {scale:.0%} to fit")
        else:
            out.append(f"text '{key}' ({lang}) shrunk to {scale:.0%} to fit its column")
    return out
