"""Typeset and render a poster with WeasyPrint, fitting every text to its box.

Each text sits in a fixed box (the ``fit`` macro of templates/base.html.j2).
After layout we measure every such box: a text that runs past its box is
rendered again smaller, until it fits or reaches the smallest size legible at
the format's viewing distance. Below that floor the poster fails, naming the
text and the language; a poster never ships with text running off its box.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .images import PlacedImage, placed_images
from .languages import LANGUAGES
from .templating import Fits, PosterContext, environment, render_html
from .typeset.fonts import use_private_fontconfig

use_private_fontconfig()  # before WeasyPrint creates its font configuration

import weasyprint  # noqa: E402
import weasyprint.css  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import fetch  # noqa: E402

from . import actualtext  # noqa: E402
from .fetcher import ProjectURLFetcher  # noqa: E402

actualtext.install()  # copy and paste gives the printed words (Thai, Khmer, Burmese)

PX_PER_MM = 96 / 25.4
TOLERANCE_PX = 0.75
MAX_FIT_ROUNDS = 8


class PosterError(Exception):
    """This poster cannot be made; the message says which text or resource and why."""

    def __init__(self, message: str, field: tuple | None = None):
        super().__init__(message)
        self.field = field  # the campaign field at fault, when one is


@dataclass(frozen=True)
class Overflow:
    key: str
    lang: str
    role: str
    font_size_mm: float
    ratio: float  # how much of the content fits: below 1 when it overflows
    lines: int = 1


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
    counter_style, color_profiles = {}, {}
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
    """Lay the poster out until every text fits its box, then write the PDF.

    ``context.fits`` may carry scales found on another format of the same
    poster (``build`` passes them on): the layout scales with the page, so
    they usually fit at once and save the rounds of shrinking. A scale that
    would put a text below this format's floor is raised to the floor first.
    """
    with RENDER_LOCK:
        return _render_poster(context, expected_pages)


def _render_poster(context: PosterContext, expected_pages: int) -> RenderedPoster:
    env = environment(context.project)
    fetcher = ProjectURLFetcher(
        context.project,
        context=f"poster {context.job.name} (template '{context.job.template}')",
        fields=context.url_fields,
    )
    fits: Fits = dict(context.fits)
    for _ in range(MAX_FIT_ROUNDS):
        context.fits = fits
        html = render_html(env, context)
        document = weasyprint.HTML(
            string=html, base_url=context.project.resolve().as_uri() + "/", url_fetcher=fetcher
        ).render(font_config=font_config(), cache=_fresh_image_cache())
        _stamp_new_images()
        _refusals(fetcher, context)
        if len(document.pages) != expected_pages:
            raise PosterError(
                f"the layout made {len(document.pages)} pages instead of {expected_pages}: "
                f"content runs past the page in template '{context.job.template}'"
            )
        measured = measure_fits(document)
        if _raise_to_floor(context, measured, fits):
            continue
        overflows = sorted((m for m in measured if m.ratio < 1), key=lambda m: m.ratio)
        if not overflows:
            images = tuple(placed_images(document))
            pdf = document.write_pdf()
            _refusals(fetcher, context, "while drawing the poster")  # pictures inside SVGs
            return RenderedPoster(pdf, len(document.pages), fits, images, document)
        for overflow in overflows:
            fits[(overflow.key, overflow.lang)] = _shrunk_scale(
                context, overflow, fits.get((overflow.key, overflow.lang), 1.0)
            )
    worst = overflows[0]
    raise PosterError(
        _overflow_message(context, worst, "still does not fit after shrinking"),
        context.text_fields.get((worst.key, worst.lang)),
    )


def _refusals(fetcher: ProjectURLFetcher, context: PosterContext, when: str = "") -> None:
    """Fail the poster for any URL the fetcher refused, naming who asked for it."""
    if not fetcher.refused:
        return
    refused = "; ".join(dict.fromkeys(fetcher.refused))
    if fetcher.refused_field is None:  # not from the campaign: from the design
        asker = f"template '{context.job.template}'" + (" or a picture it shows" if when else "")
        refused += f" ({when}, asked for by {asker})" if when else f" (asked for by {asker})"
    raise PosterError(refused, fetcher.refused_field)


def _shrunk_scale(context: PosterContext, overflow: Overflow, scale: float) -> float:
    floor_mm = context.job.format.min_font_size_mm(overflow.role)
    size_at_unit_scale = overflow.font_size_mm / scale
    floor_scale = floor_mm / size_at_unit_scale
    if scale <= floor_scale * 1.001:
        raise PosterError(
            _overflow_message(context, overflow, "does not fit even at its floor"),
            context.text_fields.get((overflow.key, overflow.lang)),
        )
    # A single line shrinks with its size; wrapped text grows with the square of
    # its size (longer lines, and taller), so shrink it by the square root.
    needed = overflow.ratio if overflow.lines <= 1 else math.sqrt(overflow.ratio)
    step = min(0.97, max(0.6, needed * 0.98))
    return max(scale * step, floor_scale)


def _overflow_message(context: PosterContext, overflow: Overflow, what: str) -> str:
    floor = context.job.format.min_font_size_mm(overflow.role)
    language = LANGUAGES[overflow.lang].name
    return (
        f"text '{overflow.key}' in {language} ('{overflow.lang}') {what}: "
        f"{overflow.font_size_mm:.1f} mm, floor for a {overflow.role} text on "
        f"{context.job.format.label} read from {context.job.format.viewing_distance_m:g} m is "
        f"{floor:.1f} mm; shorten the text or use a larger format"
    )


def _raise_to_floor(context: PosterContext, measured: list[Overflow], fits: Fits) -> bool:
    """Raise every shrunk text that sits below this format's floor to the floor.

    Shrinking never goes below the floor by itself; only a scale passed on from
    another format can (the floors do not follow the page size exactly).
    Returns whether a scale changed, so the poster is laid out again.
    """
    changed = False
    for fit in measured:
        scale = fits.get((fit.key, fit.lang), 1.0)
        floor_mm = context.job.format.min_font_size_mm(fit.role)
        if scale < 1 and fit.font_size_mm < floor_mm * 0.999:
            fits[(fit.key, fit.lang)] = min(1.0, scale * floor_mm / fit.font_size_mm)
            changed = True
    return changed


def measure_fits(document) -> list[Overflow]:
    """Every fitted box: its text, role, font size and how much of the text fits."""
    found = []
    for page in document.pages:
        for box in _fit_boxes(page._page_box):
            key_lang, role = box.element.get("data-fit").rsplit("|", 1)
            key, lang = key_lang.rsplit(":", 1)
            font_size_mm = box.style["font_size"] / PX_PER_MM
            lines = len(box.children)
            found.append(Overflow(key, lang, role, font_size_mm, _fit_ratio(box), lines))
    return found


def _fit_boxes(root):
    """The principal box of each element carrying ``data-fit``."""
    stack = [(root, None)]
    while stack:
        box, parent_element = stack.pop()
        box = getattr(box, "_box", box)  # positioned boxes sit in an AbsolutePlaceholder
        element = getattr(box, "element", None)
        if (
            isinstance(box, boxes.BlockBox)
            and element is not None
            and element is not parent_element
            and element.get("data-fit")
        ):
            yield box
        for child in getattr(box, "children", ()):
            stack.append((child, element))


def _fit_ratio(box) -> float:
    """How much of the box's content fits inside it: 1 or more when all of it does."""
    left, top = box.content_box_x(), box.content_box_y()
    right, bottom = left + box.width, top + box.height
    content_right, content_bottom = left, top
    for line in map(_unwrap, box.children):
        content_bottom = max(content_bottom, line.position_y + line.margin_height())
        for child in _descendants(line):
            if isinstance(child, boxes.TextBox):
                content_right = max(content_right, child.position_x + child.width)
    ratios = [1.0]
    if content_bottom > bottom + TOLERANCE_PX:
        ratios.append(box.height / max(content_bottom - top, 1e-6))
    if content_right > right + TOLERANCE_PX:
        ratios.append(box.width / max(content_right - left, 1e-6))
    return min(ratios)


def _unwrap(box):
    return getattr(box, "_box", box)


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(_unwrap(child))
