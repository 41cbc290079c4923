"""Previews for the workspace: the build's own pipeline, kept warm in the server process.

A preview is made as ``poster build`` makes a poster (``PosterContext`` →
``render_poster`` with its fit loop → ``prepress``), with the digital profile,
then drawn with PDFium at screen resolution, in one long-lived render process
(``draw_preview``) under the build's time and memory limits. WeasyPrint and the
fonts are loaded there once, when the server starts (``warm_up``), and every
preview after that reuses them: no process is started per request.

The final layout also says where each text is: every element that prints a
campaign text carries its text id (``data-text-id``, or the fit box's
``data-fit="key:lang|role"``, mapped back to the text id through the field it
came from). Their boxes (the fit loop's boxes), as fractions of the trim box, let the page lay a
clickable overlay over the picture.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign import LoadedCampaign
from ..campaign.content import campaign_texts
from ..errors import PosterFailure
from ..planning.inputs import job_key, templates_digest
from ..planning.plan import PosterJob
from ..prepress.profiles import resolve_print
from ..typeset.layout import describe_fits

LOGGER = logging.getLogger(__name__)

# The preview's long side in pixels: enough to read an A5 flyer's small print on screen,
# without drawing an A1 poster at print resolution. Within these resolutions.
PREVIEW_LONG_SIDE_PX = 1200
PREVIEW_DPI_RANGE = (30, 150)
THUMBNAIL_PX = 360
CACHE_SIZE = 64
PREVIEW_SECONDS = 120  # a poster that takes longer to lay out is broken (the build's limit: 300)


@dataclass(frozen=True)
class TextBox:
    """Where one text sits on a page, as fractions of the trim box (0 to 1)."""

    text_id: str
    lang: str
    page: int  # 1-based
    left: float
    top: float
    width: float
    height: float

    def style(self) -> str:
        return (
            f"left:{self.left * 100:.3f}%;top:{self.top * 100:.3f}%;"
            f"width:{self.width * 100:.3f}%;height:{self.height * 100:.3f}%"
        )


@dataclass
class Preview:
    job: PosterJob
    pages: list[bytes] = field(default_factory=list)  # PNG of each page, trim box only
    boxes: list[TextBox] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # the poster cannot be made: why (located when it can be)
    seconds: float = 0.0
    key: str = ""
    fits: dict = field(default_factory=dict)  # the scales its texts needed, for the next time
    transient: bool = False  # the render process died: try again next time, never cache it

    @property
    def ok(self) -> bool:
        return self.error is None

    def thumbnail(self) -> bytes:
        return thumbnail_png(self.pages[0])


def thumbnail_png(png: bytes) -> bytes:
    """A picture made small for the overview."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


class Renderer:
    """Has previews drawn one at a time by the render process, keeping the latest ones by
    their inputs, and each poster's fitted scales so that a poster drawn again after an
    edit usually needs a single layout."""

    def __init__(self, project: Path):
        self.project = project
        self.seconds = PREVIEW_SECONDS  # the most one preview may take
        self._cache: OrderedDict[str, Preview] = OrderedDict()
        self._fits: dict[tuple[str, str], dict] = {}  # by campaign file and poster
        # One layout at a time (the engine is one per process), foreground first.
        self._turns = threading.Condition()
        self._busy = False
        self._waiting = 0  # foreground requests waiting for their turn

    def warm_up(self) -> None:
        warm_up()

    def key(self, loaded: LoadedCampaign, job: PosterJob) -> str:
        setup = resolve_print(loaded.campaign, self.project, "digital")
        inputs = job_key(job, loaded.campaign, self.project, templates_digest(self.project),
                         setup.key())  # fmt: skip
        # The draft state is not among the build's inputs (it names the file instead).
        return hashlib.sha256(f"{inputs}:{loaded.path}:{job.name}".encode()).hexdigest()

    def cached(self, loaded: LoadedCampaign, job: PosterJob) -> Preview | None:
        return self._cache.get(self.key(loaded, job))

    def preview(self, loaded: LoadedCampaign, job: PosterJob, foreground: bool = True) -> Preview:
        """The poster's preview, drawn now if it is not cached. A foreground request (the
        poster someone is looking at) goes before any thumbnail still waiting its turn."""
        key = self.key(loaded, job)
        with self._turns:
            self._waiting += foreground
            try:
                while (found := self._cache.get(key)) is None and (
                    self._busy or (not foreground and self._waiting)
                ):
                    self._turns.wait()
                if found is not None:
                    self._cache.move_to_end(key)
                    return found
                self._busy = True
            finally:
                self._waiting -= foreground
        try:  # ``found`` is None here: nobody had drawn it
            found = self._render(loaded, job)
            found.key = key
        finally:
            with self._turns:
                if found is not None and not found.transient:
                    self._cache[key] = found
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
                self._busy = False
                self._turns.notify_all()
        return found

    def _render(self, loaded: LoadedCampaign, job: PosterJob) -> Preview:
        family = (str(loaded.path), job.name.removesuffix("_DRAFT"))
        fits = dict(self._fits.get(family, {}))
        try:
            preview = (
                _worker()
                .submit(draw_preview, loaded, job, self.project, fits, self.seconds)
                .result()
            )
        except BrokenProcessPool:
            _reset_worker()
            preview = Preview(job, error=(
                "the renderer stopped while drawing this poster (it ran out of memory or "
                "crashed): a template or text of it is broken; it was restarted"
            ), transient=True)  # fmt: skip
        if preview.ok:
            self._fits[family] = preview.fits
        LOGGER.info("preview %s in %.2f s", job.name, preview.seconds)
        return preview


# --- the render process -----------------------------------------------------------------
#
# One long-lived worker process draws every preview, for every workspace of this process:
# it loads WeasyPrint and the fonts once, runs each layout in its main thread where the
# build's time limit works (a timer signal) and under the build's memory limit, and a
# crash of the layout engine takes only it down (it is started again).

_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _worker() -> ProcessPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            context = multiprocessing.get_context("spawn")  # never fork a threaded server
            _POOL = ProcessPoolExecutor(1, mp_context=context, initializer=_load_fonts)
        return _POOL


def _reset_worker() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


def _load_fonts() -> None:
    from ..typeset.pdf import font_config

    font_config()


def warm_up() -> None:
    """Start the render process and load the fonts in it now, not on the first request."""
    _worker().submit(_load_fonts).result()


def draw_preview(
    loaded: LoadedCampaign, job: PosterJob, project: Path, fits: dict, seconds: float
) -> Preview:
    """In the render process: the poster laid out, prepared and drawn, or why it cannot be."""
    from jinja2 import TemplateError

    from ..build.campaign import locating
    from ..build.limits import LIMIT_ERRORS, Limits, poster_limits
    from ..build.poster import template_frame
    from ..build.results import PosterResult
    from ..prepress.prepress import prepress
    from ..render.social import context_type
    from ..render.templating import template_pages
    from ..typeset.pdf import render_poster

    started = time.monotonic()
    campaign = loaded.campaign
    preview = Preview(job)
    limits = Limits(seconds=seconds, builder_pid=os.getppid())
    try:
        with poster_limits(limits):
            setup = resolve_print(campaign, project, "digital")
            pages = template_pages(project, job.template)
            make = context_type(job)  # a social-media card sets its lead number large
            context = make(job, campaign, project, fits, print_setup=setup)
            rendered = render_poster(context, expected_pages=pages)
            prepared = prepress(rendered.pdf, job.format, setup)
            preview.pages = _draw(prepared.pdf)
            preview.boxes = text_boxes(rendered.document, context, loaded)
            preview.fits = dict(rendered.fits)
            # The build's own wording: fit groups ("gaps", "secondary languages") by name.
            preview.warnings = describe_fits(rendered.fits) + list(prepared.notes)
    except LIMIT_ERRORS as error:
        preview.error = limits.describe(error)
    except PosterFailure as error:
        # Located like the build's message: file:line:column: field: what.
        result = PosterResult(job, False, error=str(error), field=error.field)
        locating(loaded, lambda r: None)(result)
        preview.error = result.error
    except TemplateError as error:
        where = template_frame(error) or f"template '{job.template}'"
        preview.error = f"{where}: {error}"
    preview.seconds = time.monotonic() - started
    return preview


def _draw(pdf: bytes) -> list[bytes]:
    """Each page's trim box as a PNG, its long side about ``PREVIEW_LONG_SIDE_PX``."""
    from ..preflight.pdfium_access import open_pdf

    images = []
    with open_pdf(pdf) as document:
        for page in document:
            left, bottom, right, top = page.get_trimbox()
            dpi = PREVIEW_LONG_SIDE_PX / (max(right - left, top - bottom) / 72)
            scale = min(max(dpi, PREVIEW_DPI_RANGE[0]), PREVIEW_DPI_RANGE[1]) / 72
            media_left, media_bottom, media_right, media_top = page.get_mediabox()
            crop = (left - media_left, bottom - media_bottom, media_right - right,
                    media_top - top)  # fmt: skip
            images.append(page.render(scale=scale, crop=crop).to_pil())
    out = []
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        out.append(buffer.getvalue())
    return out


def text_boxes(document, context, loaded: LoadedCampaign) -> list[TextBox]:
    """Every campaign text's box on each page of the final layout: the outermost box of each
    element that names a text (``data-text-id``, or a fit box's ``data-fit``)."""
    by_field = {text.loc: text.id for text in campaign_texts(loaded.campaign).values()}
    found = []
    for number, page in enumerate(document.pages, start=1):
        root = page._page_box
        page_width, page_height = root.margin_width(), root.margin_height()
        for box in _text_boxes(root):
            ids = _text_id(box.element, context, by_field)
            if ids is None:
                continue
            text_id, lang = ids
            found.append(
                TextBox(
                    text_id,
                    lang,
                    number,
                    box.border_box_x() / page_width,
                    box.border_box_y() / page_height,
                    box.border_width() / page_width,
                    box.border_height() / page_height,
                )
            )
    return found


def _text_boxes(root):
    """The first (outermost) box of each element naming a text, walking the layout as the
    fit loop does (``box_tree.descendants``: positioned boxes unwrapped)."""
    from ..typeset.box_tree import descendants, unwrap

    seen: set[int] = set()
    for box in descendants(unwrap(root)):
        element = getattr(box, "element", None)
        if element is None or id(element) in seen:
            continue
        if element.get("data-text-id") or element.get("data-fit"):
            seen.add(id(element))
            yield box


def _text_id(element, context, by_field: dict) -> tuple[str, str] | None:
    lang = element.get("lang")
    if element.get("data-text-id") and lang:
        return element.get("data-text-id"), lang
    fit = element.get("data-fit")
    if not fit:
        return None
    key, lang = fit.rsplit("|", 1)[0].rsplit(":", 1)
    source = context.text_fields.get((key, lang))
    if source is None:
        return None
    text_id = by_field.get(tuple(source[:-1]))
    return (text_id, lang) if text_id else None
