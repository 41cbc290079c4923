"""Typeset and render a poster with WeasyPrint, fitting its texts to the page.

A design is laid out by CSS flow on sheets of the page's size (templates/base.css).
After layout we measure each sheet: when its content runs past the page, the fit
scales shrink in their fixed order (``layout.SHRINK_ORDER``: gaps, secondary
languages, primary, headline) by as much as the overflow asks, and the poster is
laid out again, usually once. A text wider than its column (an unbreakable word)
is narrowed on its own. When the first layout leaves room to spare, the texts
grow into it once, by scales predicted from the room measured (``grow_plan``),
and what they cannot take goes to the illustration; a grown layout that does
not fit gives way to the first. No text goes below the floor of its role at the
format's viewing distance: when even the floors do not fit, the poster fails,
saying which text is too long by how much, and which formats would hold it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..campaign.languages import LANGUAGES
from ..errors import PosterFailure
from ..planning.formats import PX_PER_MM
from ..render.images import PlacedImage, placed_images
from ..render.templating import PosterContext, environment, render_html
from .fonts import use_private_fontconfig
from .layout import (
    GROUP,
    GROW_CAPS,
    GROW_FILL,
    GROW_GAIN,
    MIN_GAP_SCALE,
    PICTURE,
    ROLES,
    TEXT_GROUPS,
    TYPE_PER_PAGE,
    Fits,
    GrowingText,
    Room,
    grow_plan,
    scale_group,
    shrink_plan,
)

use_private_fontconfig()  # before WeasyPrint creates its font configuration

import weasyprint  # noqa: E402
import weasyprint.css  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import fetch  # noqa: E402

from ..render.fetcher import ProjectURLFetcher  # noqa: E402
from . import actualtext, fill  # noqa: E402
from .box_tree import descendants, elements_with, regions, unwrap  # noqa: E402

actualtext.install()  # copy and paste gives the printed words (Thai, Khmer, Burmese)
fill.install()  # the room a sheet leaves goes to its messages (templates/base.css)

TOLERANCE_PX = 0.75
TOLERANCE_MM = 0.3
# What a grown page may run past its sheet: the measuring's float noise (1e-13 mm seen),
# nothing a printer could see. Without it a page that fits is taken for overgrown.
GROWN_OVERFLOW_MM = 0.001
MAX_FIT_ROUNDS = 6
GAP_SHARE = 0.7
# A page grows its texts into its spare room when that is at least this share of its
# height; more when it starts from its family's scales, which mostly fill it already
# (each grow step costs a layout).
GROW_MIN_SHARE = 0.025
GROW_MIN_SHARE_SEEDED = 0.06


class PosterError(PosterFailure):
    """The layout cannot make this poster; the message says which text or resource and why."""


class FitError(PosterError):
    """The texts do not fit the page, even at their floors."""


@dataclass(frozen=True)
class RenderedPoster:
    pdf: bytes
    pages: int
    fits: Fits  # the scale each shrunk text needed
    images: tuple[PlacedImage, ...] = ()  # every image with its printed size
    # The final layout, for whoever needs to know where each text is (the workspace's
    # preview); never sent between processes.
    document: object = field(default=None, repr=False, compare=False)


_FONT_CONFIG: FontConfiguration | None = None
_FONT_CONFIG_FILE: Path | None = None
# Pango's font map, shared by every layout of the process, is not thread-safe:
# two threads laying out at once aborted the process. A build on a thread pool
# (any Executor will do) lays posters out one at a time in each process; the
# usual process pool never contends for this lock.
RENDER_LOCK = threading.RLock()
# WeasyPrint's image cache, by URL, kept for the life of the process: a picture
# used by every poster is read and decoded once, not in every layout round. An
# entry whose file changed since is dropped before the next layout.
_IMAGE_CACHE: dict = {}
_IMAGE_STAMPS: dict[str, tuple[int, int] | None] = {}


def _file_stamp(url: str) -> tuple[int, int] | None:
    try:
        stat = Path(unquote(urlsplit(url).path)).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _fresh_image_cache() -> dict:
    """The image cache without the pictures whose files changed since they were read, nor
    those that failed to load (tried, and so reported, again by each poster)."""
    for url in [url for url, image in _IMAGE_CACHE.items() if image is None]:
        del _IMAGE_CACHE[url]
    for url, stamp in list(_IMAGE_STAMPS.items()):
        if _file_stamp(url) != stamp:
            _IMAGE_CACHE.pop(url, None)
            del _IMAGE_STAMPS[url]
    return _IMAGE_CACHE


def _stamp_new_images() -> None:
    for url in _IMAGE_CACHE:
        if isinstance(url, str) and url.startswith("file:") and url not in _IMAGE_STAMPS:
            _IMAGE_STAMPS[url] = _file_stamp(url)


# Stylesheets parsed once per process, by content (see ``cached_stylesheet``).
_STYLESHEETS: dict[tuple, weasyprint.CSS] = {}
MAX_CACHED_STYLESHEETS = 512  # each poster's own <style> varies with format and languages


class _RecordingFetcher:
    """The document's fetcher, noting what a stylesheet fetches while it is parsed."""

    def __init__(self, fetcher):
        self.fetcher, self.urls = fetcher, []
        self._fail_on_errors = getattr(fetcher, "_fail_on_errors", False)

    def __call__(self, url):
        self.urls.append(url)
        return self.fetcher(url)


def cached_stylesheet(**options) -> weasyprint.CSS:
    """A document's stylesheet (``<style>`` or ``<link>``), parsed once per process.

    WeasyPrint parses every stylesheet again for every layout: the same few
    files for every poster and fit round. This stands in for ``CSS`` where
    WeasyPrint finds a document's stylesheets (``weasyprint.css``), like the
    process-wide fonts and images. A linked file is still fetched every time,
    through the poster's own fetcher (its refusals count for every poster), and
    the cache is keyed by the content, so an edited file is parsed afresh. A
    sheet whose parsing fetched something (``@import``, ``@font-face``) or
    declared what belongs to the whole document (``@layer``, ``@counter-style``,
    ``@color-profile``) is parsed for each document, as WeasyPrint does.
    """
    fetcher, font_config_ = options.get("url_fetcher"), options.get("font_config")
    url, string = options.get("url"), options.get("string")
    media = options.get("media_type")
    if fetcher is None or (url is None) == (string is None):
        return weasyprint.CSS(**options)
    if url is not None:
        with fetch(fetcher, url) as response:
            if response.content_type != "text/css" or response.charset:
                return weasyprint.CSS(**options)  # WeasyPrint's own checks and decoding
            source, base_url = response.read(), response.url
    else:
        source, base_url = string, options.get("base_url")
    key = (source, str(base_url), media, id(font_config_))
    sheet = _STYLESHEETS.get(key)
    if sheet is not None:
        return sheet
    recording = _RecordingFetcher(fetcher)
    counter_style: dict[str, object] = {}  # filled by WeasyPrint
    color_profiles: dict[str, object] = {}
    sheet = weasyprint.CSS(
        string=source, base_url=base_url, url_fetcher=recording, media_type=media,
        font_config=font_config_, counter_style=counter_style, color_profiles=color_profiles,
    )  # fmt: skip
    if recording.urls or sheet.layers or counter_style or color_profiles:
        return weasyprint.CSS(**options)  # parsed with the document's own lists
    if len(_STYLESHEETS) >= MAX_CACHED_STYLESHEETS:
        _STYLESHEETS.clear()
    _STYLESHEETS[key] = sheet
    return sheet


if weasyprint.css.CSS is weasyprint.CSS:  # the name find_stylesheets calls
    weasyprint.css.CSS = cached_stylesheet


def font_config() -> FontConfiguration:
    """One font configuration per process: fonts load once and serve every poster."""
    global _FONT_CONFIG, _FONT_CONFIG_FILE
    # Again, not only at import: a campaign may have declared languages with fonts of
    # their own since; their configuration gets a font configuration of its own.
    config = use_private_fontconfig()
    if _FONT_CONFIG is None or config != _FONT_CONFIG_FILE:
        _FONT_CONFIG, _FONT_CONFIG_FILE = FontConfiguration(), config
    return _FONT_CONFIG


def render_poster(context: PosterContext, expected_pages: int = 1) -> RenderedPoster:
    """Lay the poster out until every text fits, then write the PDF.

    ``context.fits`` may carry the scales found on another format of the same
    poster (``build`` passes them on): the layout scales with the page, so they
    usually fit at once. Each text keeps to its role's floor whatever the scale.
    """
    with RENDER_LOCK:
        return _render_poster(context, expected_pages)


def _layout(context: PosterContext, fetcher: ProjectURLFetcher, expected_pages: int):
    html = render_html(environment(context.project), context)
    document = weasyprint.HTML(
        string=html, base_url=context.project.resolve().as_uri() + "/", url_fetcher=fetcher
    ).render(font_config=font_config(), cache=_fresh_image_cache())
    _stamp_new_images()
    _refusals(fetcher, context)
    if len(document.pages) != expected_pages:
        raise PosterError(
            f"the layout made {len(document.pages)} pages instead of {expected_pages}: "
            f"template '{context.job.template}' breaks the flow (content outside its "
            f"sheets, or more sheets than template.toml's pages = {expected_pages})"
        )
    return document


def _fetcher(context: PosterContext) -> ProjectURLFetcher:
    return ProjectURLFetcher(
        context.project,
        context=f"poster {context.job.name} (template '{context.job.template}')",
        field_of=context.url_field,
    )


def _render_poster(context: PosterContext, expected_pages: int) -> RenderedPoster:
    fetcher = _fetcher(context)
    grow_share = GROW_MIN_SHARE_SEEDED if context.fits else GROW_MIN_SHARE
    fits = _for_this_page(context, dict(context.fits))
    gain_of_growing = fits.pop((GROUP, GROW_GAIN), 1.0)
    # How much more to ask of the next round than the overflow: the measured shortfall of
    # the last round's shrinking (a model of how text reflows is only so good).
    gain, expected, last_overflow = 1.0, 0.0, 0.0
    # One grow step at most, planned from the first layout's spare room. If the grown
    # page does not fit, the first layout (which did) is the poster: no third layout.
    before_growing: tuple[Fits, object] | None = None
    first_sheets: list[SheetMeasure] = []
    for round_number in range(1, MAX_FIT_ROUNDS + 1):
        context.fits = fits
        document = _layout(context, fetcher, expected_pages)
        sheets = measure_sheets(document)
        narrow = [t for sheet in sheets for t in sheet.texts if t.ratio < 1]
        tall = [sheet for sheet in sheets if sheet.overflow_mm > TOLERANCE_MM]
        if round_number == 1 and not narrow and not tall:
            grown = _grown(context, fits, sheets, grow_share, gain_of_growing)
            if grown is not None:
                before_growing = (fits, document)
                first_sheets = sheets
                fits = grown
                continue
        if before_growing is not None and round_number == 2:
            # How much more (or less) the grown page took than planned: the family's
            # other posters plan with it.
            planned = max(GROW_FILL * s.spare_mm / gain_of_growing for s in first_sheets)
            took = max(a.spare_mm - b.spare_mm + max(b.overflow_mm, 0.0)
                       for a, b in zip(first_sheets, sheets, strict=True))  # fmt: skip
            gain_of_growing = min(3.0, max(0.7, gain_of_growing * took / max(planned, 1.0)))
        passed_on = None  # the scales the family's other posters start from, if not these
        # A grown page must fit outright: the tolerance is for shrinking, and a grown
        # page that runs past its sheet at all pushes its foot into the safe area.
        overgrown = before_growing is not None and any(
            s.overflow_mm > GROWN_OVERFLOW_MM for s in sheets
        )
        if before_growing is not None and (tall or narrow or overgrown):
            fits, document = before_growing
            if grow_share == GROW_MIN_SHARE:  # a family's seed (it started from nothing)
                # The others start from the grow step planned again with what it took.
                passed_on = _grown(context, fits, first_sheets, 0.0, gain_of_growing)
            context.fits = fits
            context.geometry = context._geometry()
            narrow, tall = [], []
        if not narrow and not tall:
            images = tuple(placed_images(document))
            pdf = document.write_pdf()
            _refusals(fetcher, context, "while drawing the poster")  # pictures inside SVGs
            fits = {**(passed_on or fits), (GROUP, TYPE_PER_PAGE): _type_per_page(context)}
            if gain_of_growing != 1.0:
                fits[(GROUP, GROW_GAIN)] = round(gain_of_growing, 3)
            return RenderedPoster(pdf, len(document.pages), fits, images, document)
        fits = dict(fits)
        for text in narrow:
            fits[(text.key, text.lang)] = _narrowed_scale(context, text, fits)
        if not tall:
            continue
        worst = max(tall, key=lambda sheet: sheet.overflow_mm)
        if fits.get((GROUP, PICTURE), 1.0) > 1.0 and worst.picture_mm > 0:
            # The illustration gave the texts' room back first: it is decoration.
            scale = fits[(GROUP, PICTURE)]
            room = worst.picture_mm * (1 - 1 / scale)
            take = min(room, worst.overflow_mm * 1.1 + 0.5)
            fits[(GROUP, PICTURE)] = max(1.0, scale * (1 - take / worst.picture_mm))
            if take >= worst.overflow_mm * 1.1:
                continue
        if expected > 0:
            taken = last_overflow - worst.overflow_mm
            gain = min(4.0, max(1.0, gain * expected / max(taken, expected / 4)))
        minimums = _group_minimums(context)
        shrunk: dict[tuple[str, str], float] | None
        if round_number == MAX_FIT_ROUNDS - 1:
            # Not settled yet: the last round lays out with every scale at its smallest.
            shrunk = {(GROUP, name): low for name, low in minimums.items()}
            shrunk[(GROUP, "gap")] = MIN_GAP_SCALE
            at_smallest = all(fits.get(key, 1.0) <= low * 1.001 for key, low in shrunk.items())
            shrunk = None if at_smallest else shrunk
        else:
            shrunk = None
            shrinking = shrink_plan(
                fits, worst.overflow_mm * gain, worst.heights, worst.gaps_mm, minimums
            )
            if shrinking is not None:
                shrunk, expected = shrinking
                expected /= gain
                last_overflow = worst.overflow_mm
        if shrunk is None:
            raise _too_long(context, worst)
        fits.update(shrunk)
    if tall:
        raise _too_long(context, max(tall, key=lambda sheet: sheet.overflow_mm))
    worst_text = min(narrow, key=lambda t: t.ratio)
    raise FitError(
        _floor_message(context, worst_text, "does not fit its column after shrinking"),
        context.text_fields.get((worst_text.key, worst_text.lang)),
    )


def _type_per_page(context: PosterContext) -> float:
    return context.geometry.type.size("headline") / context.geometry.height


def _for_this_page(context: PosterContext, fits: Fits) -> Fits:
    """A family's scales, corrected for this format's type being larger or smaller for
    its page than on the format where they were found (``TYPE_PER_PAGE``)."""
    theirs = fits.pop((GROUP, TYPE_PER_PAGE), None)
    if not theirs:
        return fits
    ratio = theirs / _type_per_page(context)
    if abs(ratio - 1) < 0.005:
        return fits
    for name in TEXT_GROUPS:
        scale = fits.get((GROUP, name), 1.0) * ratio
        fits[(GROUP, name)] = min(scale, max(GROW_CAPS[name], fits.get((GROUP, name), 1.0)))
    return fits


def _grown(
    context: PosterContext,
    fits: Fits,
    sheets: list[SheetMeasure],
    min_share: float,
    gain: float = 1.0,
) -> Fits | None:
    """The scales that fill the spare room of ``sheets``, or None when there is too little
    of it (below ``min_share`` of the page's height) or nothing can grow."""
    page_mm = context.geometry.height
    if context.job.format.is_pixel:
        return None  # a social-media card sizes its texts by its shape (social.CardContext)
    if max(sheet.spare_mm for sheet in sheets) < min_share * page_mm:
        return None
    # A group below its smallest scale prints at its floors: it grows from there.
    fits = dict(fits)
    for name, lowest in _group_minimums(context).items():
        if fits.get((GROUP, name), 1.0) < lowest:
            fits[(GROUP, name)] = lowest
    caps = dict(GROW_CAPS)
    # A number is set on one line: it grows no wider than its column.
    for sheet in sheets:
        for text in sheet.texts:
            if text.role == "number" and text.content_mm > 0:
                room = text.width_mm / text.content_mm * 0.97
                group = scale_group(text.role, text.rank)
                caps[group] = max(
                    fits.get((GROUP, group), 1.0),
                    min(caps[group], fits.get((GROUP, group), 1.0) * room),
                )
    rooms = [
        Room(
            sheet.spare_mm / gain,
            tuple(
                GrowingText(
                    scale_group(t.role, t.rank),
                    t.top_mm,
                    t.height_mm,
                    t.lines,
                    t.length_mm,
                    t.width_mm if t.wraps else math.inf,
                )
                for t in sheet.texts
            ),
            sheet.gaps_mm,
            sheet.picture_mm,
        )
        for sheet in sheets
    ]
    return grow_plan(fits, rooms, caps)


def _refusals(fetcher: ProjectURLFetcher, context: PosterContext, when: str = "") -> None:
    """Fail the poster for any URL the fetcher refused, naming who asked for it."""
    if not fetcher.refused:
        return
    refused = "; ".join(dict.fromkeys(fetcher.refused))
    if fetcher.refused_field is None:  # not from the campaign: from the design
        asker = f"template '{context.job.template}'" + (" or a picture it shows" if when else "")
        refused += f" ({when}, asked for by {asker})" if when else f" (asked for by {asker})"
    raise PosterError(refused, fetcher.refused_field)


def fits_at_smallest(context: PosterContext, expected_pages: int) -> bool:
    """Whether the poster holds its texts with every scale at its smallest: one layout."""
    fits: Fits = {(GROUP, name): low for name, low in _group_minimums(context).items()}
    fits[(GROUP, "gap")] = MIN_GAP_SCALE
    context.fits = fits
    context.geometry = context._geometry()
    with RENDER_LOCK:
        try:
            sheets = measure_sheets(_layout(context, _fetcher(context), expected_pages))
        except PosterError:
            return False
    return all(
        sheet.overflow_mm <= TOLERANCE_MM and all(t.ratio >= 1 for t in sheet.texts)
        for sheet in sheets
    )


def _group_minimums(context: PosterContext) -> dict[str, float]:
    """Each fit group's smallest scale: the one that sets its smallest role at its floor."""
    scale = context.geometry.type
    ranks = range(len(context.job.languages))
    mins: dict[str, list[float]] = {}
    for role in ROLES:
        for rank in ranks:
            group = scale_group(role, rank)
            mins.setdefault(group, []).append(scale.floor(role, rank) / scale.size(role, rank))
    return {group: min(values) for group, values in mins.items()}


def _narrowed_scale(context: PosterContext, text: MeasuredText, fits: Fits) -> float:
    """A smaller scale for a text wider than its column (an unbreakable word, a number)."""
    scale = fits.get((text.key, text.lang), 1.0)
    if text.font_size_mm <= text.floor_mm * 1.002:
        raise FitError(
            _floor_message(
                context, text, "does not fit even at its floor, too wide for its column"
            ),
            context.text_fields.get((text.key, text.lang)),
        )
    wanted = scale * max(0.5, text.ratio * 0.98)
    return max(wanted, scale * text.floor_mm / text.font_size_mm)


def _floor_message(context: PosterContext, text: MeasuredText, what: str) -> str:
    language = LANGUAGES[text.lang].name
    paper = context.job.format
    distance = context.geometry.viewing_distance_m
    too_wide = text.width_mm * (1 / max(text.ratio, 1e-6) - 1)
    return (
        f"text '{text.key}' in {language} ('{text.lang}') {what}: set at "
        f"{text.font_size_mm:.1f} mm it is about {too_wide:.0f} mm too wide; the floor for a "
        f"{text.role.replace('_', ' ')} text on {paper.label} read from {distance:g} m is "
        f"{text.floor_mm:.1f} mm. Give it a place to break (a space), or shorten it"
    )


def _too_long(context: PosterContext, sheet: SheetMeasure) -> FitError:
    """The error for a page whose texts do not fit at their floors: which text, by how
    much, and the formats of the design that were tried and hold it."""
    candidates = [t for t in sheet.texts if t.role != "number"] or sheet.texts
    text = max(candidates, key=lambda t: t.height_mm)
    raw = context.printed.get((text.key, text.lang), "")
    line_mm = max(text.height_mm / max(text.lines, 1), 1e-6)
    lines_over = math.ceil(sheet.overflow_mm / line_mm)
    per_line = len(raw) / max(text.lines, 1)
    chars_over = max(1, round(sheet.overflow_mm / line_mm * per_line / 5) * 5)
    language = LANGUAGES[text.lang].name
    paper = context.job.format
    lines = "one line" if lines_over == 1 else f"{lines_over} lines"
    # Counted in fives: the estimate is no finer than that.
    chars = "a few characters" if chars_over < 5 else f"about {chars_over} characters"
    holds = formats_that_hold(context)
    if holds:
        advice = f"It fits on {', '.join(holds)} of this design (tried)"
    else:
        advice = "No other format of this design holds it either (tried)"
    message = (
        f"text '{text.key}' in {language} ('{text.lang}') does not fit: it is "
        f"{chars} ({lines}) too long for template '{context.job.template}' on {paper.label}: with every "
        f"text at its floor (a {text.role.replace('_', ' ')} text on {paper.label} read from "
        f"{context.geometry.viewing_distance_m:g} m: {text.floor_mm:.1f} mm) the page is "
        f"{sheet.overflow_mm:.0f} mm short. {advice}; or shorten it"
    )
    return FitError(message, context.text_fields.get((text.key, text.lang)))


def formats_that_hold(context: PosterContext) -> list[str]:
    """The design's other formats and orientations that hold this content, by trying each."""
    from ..planning.formats import FORMAT_NAMES, PaperFormat

    meta = context.metadata
    held = []
    for name in meta.formats or FORMAT_NAMES:
        for orientation in meta.orientations:
            paper = PaperFormat(name, orientation)
            if paper == context.job.format:
                continue
            job = replace(context.job, format=paper)
            trial = type(context)(job, context.campaign, context.project, {}, context.print_setup)
            if fits_at_smallest(trial, meta.pages):
                held.append(paper.label)
    return held


@dataclass(frozen=True)
class MeasuredText:
    key: str
    lang: str
    role: str
    rank: int
    font_size_mm: float
    floor_mm: float
    height_mm: float
    width_mm: float
    lines: int
    ratio: float  # how much of its width fits its column: below 1 when it runs over
    content_mm: float = 0.0  # the width of its widest line
    length_mm: float = 0.0  # its lines' widths together
    top_mm: float = 0.0
    wraps: bool = True  # False: its box is as wide as its text (grows wider, not taller)


@dataclass(frozen=True)
class SheetMeasure:
    """One page of the poster: how far its content runs past the page, and its texts."""

    overflow_mm: float
    texts: tuple[MeasuredText, ...]
    heights: dict[str, float]  # text height by fit group
    gaps_mm: float  # the height that is neither text nor picture, about
    spare_mm: float = 0.0  # the room its flexible regions hold beyond their content
    picture_mm: float = 0.0  # the height of its illustration (which may grow)


def measure_sheets(document) -> list[SheetMeasure]:
    """Each ``.sheet`` of the layout (one per page): overflow and the texts in it."""
    sheets = []
    for page in document.pages:
        for sheet in elements_with(page._page_box, "data-sheet"):
            content_top = sheet.content_box_y()
            bottom = content_top + float(sheet.element.get("data-sheet")) * PX_PER_MM
            content_bottom = max(
                [content_top] + [box.position_y + box.margin_height() for box in regions(sheet)]
            )
            fitted = elements_with(sheet, "data-fit", inside_found=False)
            found = [(box, _measure_text(box)) for box in fitted]
            texts = tuple(text for _, text in found)
            # Texts side by side (a grid of contacts) take the page's height once:
            # each group counts the height its texts cover, not the sum of theirs.
            spans: dict[str, list[tuple[float, float]]] = {}
            for box, text in found:
                group = scale_group(text.role, text.rank)
                spans.setdefault(group, []).append(_span(box))
            heights = {group: _covered(found) for group, found in spans.items()}
            covered = _covered(
                [_span(box) for box, _ in found] + [_span(box) for box in _images(sheet)]
            )
            used = (content_bottom - content_top) / PX_PER_MM
            # Not all of what is left scales with the gaps (the bleed, the safe area).
            gaps = max(0.0, used - covered) * GAP_SHARE
            overflow = (content_bottom - bottom) / PX_PER_MM
            # The spare room: what the flexible regions (data-spare) and the columns of
            # messages hold beyond their content; columns side by side offer the least
            # any of them has. A column whose rows need more than the height it was
            # given (flex lines in WeasyPrint take the height of their first item)
            # overflows as well.
            spare = sum(max(0.0, _leftover(box)) for box in elements_with(sheet, "data-spare"))
            columns: dict[float, float] = {}
            for column in elements_with(sheet, "data-column"):
                left = _leftover(column)
                overflow = max(overflow, -left)
                row = round(column.position_y)  # columns side by side start level
                columns[row] = min(columns.get(row, math.inf), left)
            spare += sum(max(0.0, left) for left in columns.values())
            pictures = [
                _span(box)
                for box in _images(sheet)
                if "illustration" in (box.element.get("class") or "")
            ]
            sheets.append(
                SheetMeasure(
                    overflow, texts, heights, gaps, max(0.0, spare - max(overflow, 0.0)),
                    sum(bottom - top for top, bottom in pictures),
                )
            )  # fmt: skip
    return sheets


def _leftover(box) -> float:
    """How much taller a box is than its children together, in mm (below 0: shorter)."""
    rows = sum(unwrap(child).margin_height() for child in box.children)
    return (box.height - rows) / PX_PER_MM


def _span(box) -> tuple[float, float]:
    top = box.position_y / PX_PER_MM
    return top, top + box.margin_height() / PX_PER_MM


def _covered(spans: list[tuple[float, float]]) -> float:
    """The length of the union of intervals: how much height they cover together."""
    total, end = 0.0, -math.inf
    for top, bottom in sorted(spans):
        if bottom > end:
            total += bottom - max(top, end)
            end = bottom
    return total


def _measure_text(box) -> MeasuredText:
    key_lang, role, rank, floor = box.element.get("data-fit").split("|")
    key, lang = key_lang.rsplit(":", 1)
    left = box.content_box_x()
    right = left + box.width
    content_right = left
    lines = 0
    length = 0.0  # the lines' widths together: the text's length set on one line
    for line in map(unwrap, box.children):
        lines += 1
        line_right = left
        for child in descendants(line):
            if isinstance(child, boxes.TextBox):
                line_right = max(line_right, child.position_x + child.width)
        content_right = max(content_right, line_right)
        length += line_right - left
    ratio = 1.0
    if content_right > right + TOLERANCE_PX:
        ratio = box.width / max(content_right - left, 1e-6)
    return MeasuredText(
        key,
        lang,
        role,
        int(rank),
        box.style["font_size"] / PX_PER_MM,
        float(floor),
        box.margin_height() / PX_PER_MM,
        box.width / PX_PER_MM,
        lines,
        ratio,
        (content_right - left) / PX_PER_MM,
        length / PX_PER_MM,
        box.position_y / PX_PER_MM,
        # A box as wide as its one line is sized to it (an inline block, a flex item
        # that does not stretch): it grows wider, not onto more lines.
        not (lines == 1 and length >= box.width * 0.995),
    )


def _images(root):
    for box in descendants(root):
        if isinstance(box, boxes.ReplacedBox) and "block-image" in (box.element.get("class") or ""):
            yield box
