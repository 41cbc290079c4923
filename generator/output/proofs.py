"""What goes out with the posters: preview images, a proof sheet and a print order.

Everything here is made from the files a build wrote (the PDFs and the
manifest), never from what the code meant to write: a preview shows the very
PDF the print shop gets. Every file is written atomically
(``output.write_atomically``), like the posters, and holds no date, so building
twice gives the same bytes.

- ``write_previews``: a PNG beside each PDF, for a quick look or a web page.
- ``write_proof_sheet``: ``proof.pdf``, A4 pages of thumbnails with each
  poster's format, languages, quantity and preflight status, for whoever
  signs the campaign off.
- ``write_order_sheet``: ``print-order.csv``, the quantities per file and per
  paper size, for the print shop.

The proof sheet is drawn here (fpdf2) and not from a template under templates/:
every file there is part of each poster's inputs (``inputs.templates_digest``),
so a change to the proof sheet would otherwise rebuild every poster.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from ..campaign.languages import LANGUAGES, LATIN_FONT, all_font_families
from ..planning.formats import FORMAT_NAMES, MM_PER_PT, PaperFormat
from ..preflight.pdfium_access import open_pdf
from ..preflight.report import PreflightSummary
from .files import atomic_file, write_atomically
from .manifest import Manifest, ManifestEntry

LOGGER = logging.getLogger(__name__)

PROOF_SHEET = "proof.pdf"
ORDER_SHEET = "print-order.csv"
POSTERS_PER_PROOF_PAGE = 6  # 3 rows × 2 columns on A4 portrait
PAGES_PER_BATCH = 20  # drawn at a time: fpdf2 holds a batch's pictures and output in memory
THUMBNAIL_PX = 560  # longest side of a proof sheet thumbnail at most: about 200 dpi as printed
PREVIEW_DPI = 50  # an A4 preview is 585 px high: the whole poster on a screen
PT_PER_INCH = 72
# The proof sheet's thumbnails, made by the workers with the previews (a cache, not a
# deliverable): the build's own process then only embeds them.
THUMBNAILS = ".thumbnails"


# --- previews -------------------------------------------------------------------


def preview_paths(folder: Path, file: str, pages: int) -> list[Path]:
    """Where the previews of a PDF go: ``<stem>.png`` for page 1, ``<stem>-p2.png`` on.

    Public so that whoever lists or publishes the previews names them the same way.
    """
    stem = Path(file).stem
    return [
        folder / (f"{stem}.png" if page == 1 else f"{stem}-p{page}.png")
        for page in range(1, pages + 1)
    ]


def render_previews(
    folder: Path, file: str, pdf: Path | bytes, dpi: int = PREVIEW_DPI
) -> list[Path]:
    """Render every page of one PDF (a path or its bytes) to its previews; return them.

    The build calls this in its worker right after writing a poster, so the
    previews are made in parallel from bytes already in memory.
    """
    with open_pdf(pdf) as document:
        paths = preview_paths(folder, file, len(document))
        images = [document[i].render(scale=dpi / PT_PER_INCH).to_pil() for i in range(len(paths))]
        thumbnail = _thumbnail_jpeg(_thumbnail_pages(document))
    for png, image in zip(paths, images, strict=True):
        write_atomically(png, _png_bytes(image, dpi))
    _remove_stale_pages(folder, file, len(paths))
    write_atomically(thumbnail_path(folder, file), thumbnail)
    return paths


def thumbnail_path(folder: Path, file: str) -> Path:
    """Where a poster's proof sheet thumbnail is kept."""
    return folder / THUMBNAILS / f"{Path(file).stem}.jpg"


def write_previews(
    folder: Path, entries: Sequence[ManifestEntry], dpi: int = PREVIEW_DPI
) -> list[Path]:
    """Render a PNG of every page of every listed PDF; return the PNGs written by this call.

    Rendering the larger formats takes a while, so a poster's previews are left
    alone when they are up to date: each one exists, is not older than its PDF
    (modification time) and was made at this ``dpi`` (kept in the PNG's own
    resolution field, so no sidecar file is needed). Otherwise all of that
    poster's pages are rendered again from the PDF, and previews of pages the
    PDF no longer has are removed. Entries whose PDF is missing are skipped
    with a warning: the manifest lists only complete files, so this means
    someone deleted one after the build.
    """
    written: list[Path] = []
    for entry in entries:
        file = entry.file
        if entry.is_card:
            continue  # a social-media card's PNG is its own preview
        pdf_path = folder / file
        if not pdf_path.is_file():
            LOGGER.warning("no preview for %s: the file is missing", file)
            continue
        if entry.pages > 0:
            known = preview_paths(folder, file, entry.pages)
            if all(_preview_fresh(png, pdf_path, dpi) for png in known):
                continue
        written += render_previews(folder, file, pdf_path, dpi)
    return written


def _preview_fresh(png: Path, pdf: Path, dpi: int) -> bool:
    try:
        if png.stat().st_mtime_ns < pdf.stat().st_mtime_ns:
            return False
        with Image.open(png) as image:  # reads the header only
            found = image.info.get("dpi")
    except (OSError, ValueError):
        return False
    if not found:
        return False
    return round(found[0]) == dpi and round(found[1]) == dpi


def _png_bytes(image: Image.Image, dpi: int | None = None) -> bytes:
    buffer = io.BytesIO()
    # compress_level 1: 40% less time than the default, for files 2% larger.
    # Z_RLE: a quarter less time again, for the same size (posters are flat colour).
    dpi_info = {"dpi": (dpi, dpi)} if dpi else {}
    image.save(buffer, format="PNG", compress_level=1, compress_type=zlib.Z_RLE, **dpi_info)
    return buffer.getvalue()


def _remove_stale_pages(folder: Path, file: str, pages: int) -> None:
    stem = Path(file).stem
    pattern = re.compile(re.escape(stem) + r"-p(\d+)\.png")
    for path in folder.glob(glob_escape(stem) + "-p*.png"):
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) > pages:
            path.unlink(missing_ok=True)


# --- proof sheet ------------------------------------------------------------------
#
# Drawn with fpdf2 from the previews, not laid out by WeasyPrint (that was a sixth of a
# build's time): A4 pages, each with the campaign's header, six cards and a footer.
# Every label is real text (fonts embedded, shaped by HarfBuzz, a ToUnicode map), so it
# can be searched and copied. A card's texts wrap inside its width and its thumbnail
# takes the height they leave; no text runs off a card, whatever the file name.

PAGE_MM = (210.0, 297.0)
MARGIN_MM = 12.0
CARD_MM = (89.0, 81.0)  # with its 2.5 mm padding
CARD_GAP_MM = (6.0, 2.0)
CARDS_TOP_MM = 33.0
CARD_PADDING_MM = 2.5
LABEL_COLUMN_MM = 17.0
MIN_THUMB_MM = 24.0  # a card gives its texts room down to this thumbnail height
TEXT_SIZES_PT = (7.5, 6.5, 5.5)  # a card's texts shrink before its thumbnail gets too small
INK, MUTED, RULE, THUMB_BACKGROUND = "#1d2b4f", "#6b7280", "#d1d5db", "#eef0f4"
STATUS_COLOURS = {"ok": "#15803d", "warn": "#b45309", "failed": "#b91c1c", "unknown": "#6b7280"}
FOOTER = "Poster proof sheet: check every poster before it goes to print"
# Where a long text may wrap: after these, or before a hyphen (a line ending in one reads
# as hyphenated to a PDF reader, which drops it from the copied text); anywhere if it must.
BREAKS = re.compile(r"(?<=[_+·/ ])|(?=-)")


class ProofError(Exception):
    """The proof sheet could not be made; the message says why."""


def preflight_status(preflight: PreflightSummary | None) -> tuple[str, str]:
    """(label, CSS class): "OK", "n warnings" or "FAILED", as a reviewer reads it."""
    if preflight is None:
        return "not checked", "unknown"
    if not preflight.ok:
        return "FAILED", "failed"
    warnings = len(preflight.warnings)
    if warnings:
        return f"{warnings} warning{'' if warnings == 1 else 's'}", "warn"
    return "OK", "ok"


def write_proof_sheet(folder: Path, manifest: Manifest, project: Path | None = None) -> Path:
    """Write ``folder/proof.pdf``: every poster of the manifest as a thumbnail with its facts.

    One look at a few A4 pages shows every poster, what it is and whether
    preflight passed, before anything is printed. Thumbnails are made from the
    previews the workers wrote (or from the PDFs, when a preview is missing or
    stale). The sheet carries no date: the same posters give the same bytes.
    ``project`` is not needed any more; it is accepted for older callers.
    """
    posters = manifest.posters
    cards = []
    for entry in posters:
        status, status_class = preflight_status(entry.preflight)
        pdf_path = folder / entry.file
        card = entry.card if entry.is_card else None  # a social-media card, beside the posters
        sides = (1 if card else _pages(pdf_path)) if pdf_path.is_file() else None
        shown = " · card {} × {} px".format(*card.pixels) if card else ""
        cards.append(
            _Card(
                file=entry.file,
                rows=(
                    (
                        "Format",
                        (entry.format or "?") + (" · two-sided" if sides == 2 else "") + shown,
                    ),
                    ("Languages", _languages_label(list(entry.languages))),
                    ("Quantity", str(entry.quantity)),
                ),
                status=status,
                status_class=status_class,
                folder=folder if sides else None,
            )
        )
    total = sum(entry.quantity for entry in posters if not entry.is_card)  # cards: posted
    header = _Header(
        campaign=manifest.campaign or folder.name,
        summary=(
            f"{len(posters)} poster{'' if len(posters) == 1 else 's'}"
            f" · {total} print{'' if total == 1 else 's'} in all"
            + (f" · from {manifest.source}" if manifest.source else "")
        ),
        draft=manifest.draft,
        review_note=manifest.review_note or "",
    )
    path = folder / PROOF_SHEET
    _draw_sheet(header, cards, path)
    return path


@dataclass(frozen=True)
class _Card:
    file: str
    rows: tuple[tuple[str, str], ...]
    status: str
    status_class: str
    folder: Path | None  # where its PDF is; None when it is missing

    def thumbnail(self) -> tuple[bytes, tuple[int, int]] | None:
        """The JPEG and its size in pixels: read when the card is drawn, so that a sheet of
        thousands of posters never holds all of them at once."""
        return None if self.folder is None else _thumbnail(self.folder, self.file)[0]


@dataclass(frozen=True)
class _Header:
    campaign: str
    summary: str
    draft: bool
    review_note: str


def _draw_sheet(header: _Header, cards: list[_Card], path: Path) -> None:
    """Draw the pages a few dozen at a time, each batch into a file of its own, and join
    them: a campaign of thousands of posters never has all its thumbnails in memory."""
    texts = [header.campaign, header.summary, header.review_note, FOOTER]
    texts += [text for card in cards for text in (card.file, *(v for _, v in card.rows))]
    fonts = _font_files(texts)
    sheets = list(_chunks(cards, POSTERS_PER_PROOF_PAGE)) or [[]]
    batches = []
    try:
        for first in range(0, len(sheets), PAGES_PER_BATCH):
            batches.append(_temporary(path))
            pdf = _new_document(fonts)
            for number, sheet in enumerate(sheets[first : first + PAGES_PER_BATCH], first + 1):
                _draw_page(pdf, header, sheet, f"Page {number} of {len(sheets)}")
            pdf.output(str(batches[-1]))
            del pdf
        with atomic_file(path) as temporary:
            _join_reproducibly(batches, temporary, f"Proof sheet: {header.campaign}")
    finally:
        for batch in batches:
            batch.unlink(missing_ok=True)


def _temporary(path: Path) -> Path:
    """A temporary file beside ``path``, named like a killed build's leftover (which the
    next build removes)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    return Path(name)


def _draw_page(pdf, header: _Header, sheet: list[_Card], page_label: str) -> None:
    pdf.add_page()
    _draw_header(pdf, header)
    _draw_footer(pdf, page_label)
    if not sheet:
        _text(pdf, MARGIN_MM, CARDS_TOP_MM + 8, "This campaign has no finished posters.", 11,
              colour=MUTED)  # fmt: skip
    for index, card in enumerate(sheet):
        row, column = divmod(index, 2)
        x = MARGIN_MM + column * (CARD_MM[0] + CARD_GAP_MM[0])
        y = CARDS_TOP_MM + row * (CARD_MM[1] + CARD_GAP_MM[1])
        _draw_card(pdf, card, x, y)


def _draw_header(pdf, header: _Header) -> None:
    width = PAGE_MM[0] - 2 * MARGIN_MM
    title = "Proof sheet "
    _text(pdf, MARGIN_MM, 12.5, title, 15, bold=True)
    left = MARGIN_MM + _width(pdf, title, 15, bold=True)
    campaign = _shortened(pdf, header.campaign, MARGIN_MM + width - left, 15)
    _text(pdf, left, 12.5, campaign, 15, colour=MUTED)
    _text(pdf, MARGIN_MM, 19.5, _shortened(pdf, header.summary, width, 9), 9)
    if header.draft:
        banner = "DRAFT — translations await review"
        _text(pdf, MARGIN_MM, 23.4, banner, 9, bold=True, colour="#b91c1c")
        if header.review_note:
            # The review note says who wrote the drafts: it wraps to a second line
            # rather than losing its end.
            left = MARGIN_MM + _width(pdf, banner + " ", 9, bold=True)
            lines = _wrapped(pdf, f"({header.review_note})", MARGIN_MM + width - left, 7)
            for index, line in enumerate(_cut(pdf, lines, 2, MARGIN_MM + width - left, 7)):
                _text(pdf, left, 23.6 + 3.2 * index, line, 7, colour=MUTED)
    pdf.set_draw_color(INK)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN_MM, 30.0, MARGIN_MM + width, 30.0)


def _draw_footer(pdf, page_label: str) -> None:
    y = PAGE_MM[1] - 12.0
    _text(pdf, MARGIN_MM, y, FOOTER, 7, colour=MUTED)
    _text(pdf, PAGE_MM[0] - MARGIN_MM - _width(pdf, page_label, 7), y, page_label, 7, colour=MUTED)


def _draw_card(pdf, card: _Card, x: float, y: float) -> None:
    pdf.set_draw_color(RULE)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, *CARD_MM)
    inner_x, inner_y = x + CARD_PADDING_MM, y + CARD_PADDING_MM
    inner_w, inner_h = CARD_MM[0] - 2 * CARD_PADDING_MM, CARD_MM[1] - 2 * CARD_PADDING_MM
    size, file_lines, rows = _card_texts(pdf, card, inner_w, inner_h)
    line = size * MM_PER_PT * 1.3
    thumb_h = inner_h - _texts_height(size, len(file_lines), rows)
    _draw_thumbnail(pdf, card, inner_x, inner_y, inner_w, thumb_h)
    cursor = inner_y + thumb_h + 1.5
    for text in file_lines:
        _text(pdf, inner_x, cursor, text, size, bold=True)
        cursor += line
    cursor += 1.0
    value_x = inner_x + LABEL_COLUMN_MM
    for label, lines in rows:
        _text(pdf, inner_x, cursor, label, size, colour=MUTED)
        for text in lines:
            _text(pdf, value_x, cursor, text, size)
            cursor += line
    _text(pdf, inner_x, cursor, "Preflight", size, colour=MUTED)
    pill = _width(pdf, card.status, size, bold=True) + 2.4
    pdf.set_fill_color(STATUS_COLOURS.get(card.status_class, STATUS_COLOURS["unknown"]))
    pdf.rect(value_x, cursor, pill, line, style="F", round_corners=True, corner_radius=0.8)
    _text(pdf, value_x + 1.2, cursor, card.status, size, bold=True, colour="#ffffff")


def _card_texts(pdf, card: _Card, width: float, height: float):
    """The largest text size at which a card's texts leave its thumbnail enough room, and
    its texts wrapped at that size; at the smallest size, lines past the room are cut."""
    value_width = width - LABEL_COLUMN_MM
    for size in TEXT_SIZES_PT:
        file_lines = _wrapped(pdf, card.file, width, size, bold=True)
        rows = [(label, _wrapped(pdf, value, value_width, size)) for label, value in card.rows]
        if height - _texts_height(size, len(file_lines), rows) >= MIN_THUMB_MM:
            return size, file_lines, rows
    # Only a name of hundreds of characters gets here: shortened, with an ellipsis.
    line = size * MM_PER_PT * 1.3
    room = int((height - MIN_THUMB_MM - 2.5) / line) - len(card.rows) - 1
    rows = [(label, lines[:1]) for label, lines in rows]
    return size, _cut(pdf, file_lines, max(1, room), width, size), rows


def _texts_height(size: float, file_lines: int, rows: list) -> float:
    line = size * MM_PER_PT * 1.3
    return 1.5 + file_lines * line + 1.0 + (sum(len(lines) for _, lines in rows) + 1) * line


def _draw_thumbnail(pdf, card: _Card, x: float, y: float, width: float, height: float) -> None:
    pdf.set_fill_color(THUMB_BACKGROUND)
    pdf.rect(x, y, width, height, style="F")
    thumbnail = card.thumbnail()
    if thumbnail is None:
        label = "PDF missing"
        left = x + (width - _width(pdf, label, 8, bold=True)) / 2
        _text(pdf, left, y + height / 2 - 2, label, 8, bold=True, colour="#b91c1c")
        return
    jpeg, (px_w, px_h) = thumbnail
    room_w, room_h = width - 1.0, height - 2.0
    scale = min(room_w / px_w, room_h / px_h)
    w, h = px_w * scale, px_h * scale
    left, top = x + (width - w) / 2, y + 1.0
    pdf.image(io.BytesIO(jpeg), left, top, w, h)
    pdf.set_draw_color("#9ca3af")
    pdf.set_line_width(0.2)
    pdf.rect(left, top, w, h)


# --- text with fpdf2 ------------------------------------------------------------------


def _new_document(fonts: dict[str, tuple]):
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("poster-generator")
    fallbacks = []
    for name, (regular, bold) in fonts.items():
        pdf.add_font(name, "", str(regular.file), collection_font_number=regular.index)
        pdf.add_font(name, "B", str(bold.file), collection_font_number=bold.index)
        fallbacks.append(name)
    pdf.set_fallback_fonts(fallbacks[1:], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_font(fallbacks[0])
    return pdf


def _font_files(texts: list[str]) -> dict[str, tuple]:
    """The declared font families the texts need, Noto Sans first: (regular, bold) faces."""
    from ..typeset.fonts import faces_of, stack_charset

    needed = [LATIN_FONT]
    for char in dict.fromkeys("".join(texts)):
        if char.isspace() or ord(char) in stack_charset((LATIN_FONT,)):
            continue
        for family in all_font_families():
            if ord(char) in stack_charset((family,)):
                if family not in needed:
                    needed.append(family)
                break
    files = {}
    for number, family in enumerate(needed):
        faces = faces_of(family)
        regular = next((f for f in faces if "Regular" in f.file.name), faces[0])
        bold = next((f for f in faces if "Bold" in f.file.name and "Italic" not in f.file.name),
                    regular)  # fmt: skip
        files[f"f{number}"] = (regular, bold)
    return files


def _text(pdf, x: float, y: float, text: str, size: float, bold: bool = False,
          colour: str = INK) -> None:  # fmt: skip
    """One line of text with its top at ``y``."""
    _set_font(pdf, text, size, bold)
    pdf.set_text_color(colour)
    pdf.set_xy(x, y)
    pdf.cell(h=size * MM_PER_PT * 1.3, text=text)


def _width(pdf, text: str, size: float, bold: bool = False) -> float:
    _set_font(pdf, text, size, bold)
    return pdf.get_string_width(text)


def _set_font(pdf, text: str, size: float, bold: bool) -> None:
    """The font for ``text``, shaped by HarfBuzz when it is not plain ASCII (a Lao title):
    shaping every file name and number took 60% of the proof sheet's time."""
    pdf.set_text_shaping(not text.isascii())
    pdf.set_font(style="B" if bold else "", size=size)


def _wrapped(pdf, text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width``, broken at ``BREAKS`` or, for a piece
    wider than a line, between two characters (never right after a hyphen)."""
    pieces = [piece for piece in BREAKS.split(text) if piece]
    lines, current = [], ""
    for piece in pieces:
        if _width(pdf, (current + piece).rstrip(), size, bold) <= width:
            current += piece
            continue
        if current:
            lines.append(current.rstrip())
            current = ""
        while _width(pdf, piece.rstrip(), size, bold) > width:
            fitting = (
                i
                for i in range(len(piece) - 1, 1, -1)
                if piece[i - 1] != "-" and _width(pdf, piece[:i], size, bold) <= width
            )
            cut = next(fitting, 1)  # fmt: skip
            lines.append(piece[:cut])
            piece = piece[cut:]
        current = piece
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _cut(pdf, lines: list[str], keep: int, width: float, size: float) -> list[str]:
    """At most ``keep`` lines, the last one ending in an ellipsis when some were dropped."""
    if len(lines) <= keep:
        return lines
    kept = lines[:keep]
    kept[-1] = _shortened(pdf, kept[-1] + " " + lines[keep], width, size, bold=True, force=True)
    return kept


def _shortened(pdf, text: str, width: float, size: float, bold: bool = False,
               force: bool = False) -> str:  # fmt: skip
    """``text`` cut with an ellipsis to fit ``width`` (like CSS text-overflow: ellipsis)."""
    if not force and _width(pdf, text, size, bold) <= width:
        return text
    for end in range(len(text) - 1, 0, -1):
        if _width(pdf, text[:end] + "…", size, bold) <= width:
            return text[:end].rstrip() + "…"
    return "…"


def _join_reproducibly(batches: list[Path], path: Path, title: str) -> None:
    """The batches' pages in one PDF, titled, without a creation date, with an /ID made
    from the content only (fpdf2's holds the time). qpdf's own page merging reads the
    batches as it writes; copying pages with pikepdf held all their pictures in memory."""
    import pikepdf

    joined = _temporary(path)
    try:
        merge = ["qpdf", "--empty", "--deterministic-id", "--pages", *map(str, batches), "--"]
        merge.append(str(joined))
        job = pikepdf.Job(merge)
        job.run()
        if job.exit_code not in (0, 3):  # 3: done, with warnings
            raise ProofError(f"could not join the proof sheet's pages (qpdf {job.exit_code})")
        with pikepdf.open(joined) as document:
            document.docinfo["/Title"] = title
            document.docinfo["/Creator"] = "poster-generator"
            if "/ID" in document.trailer:  # made again from the content only, below
                del document.trailer["/ID"]
            document.save(path, deterministic_id=True, compress_streams=True)
    finally:
        joined.unlink(missing_ok=True)


def _pages(pdf: Path) -> int:
    with open_pdf(pdf) as document:
        return len(document)


def _thumbnail(folder: Path, file: str) -> tuple[tuple[bytes, tuple[int, int]], int]:
    """A poster's first page (a flyer's two sides next to each other) as a JPEG and its
    size in pixels; and its number of pages.

    The build's workers made it with the previews (``render_previews``); when
    it is missing or older than the PDF, it is made here the same way, from the PDF.
    """
    pdf = folder / file
    if pdf.suffix != ".pdf":  # a social-media card: its PNG is the picture
        with Image.open(pdf) as card:
            jpeg = _thumbnail_jpeg([card.convert("RGB")])
        with Image.open(io.BytesIO(jpeg)) as image:
            return (jpeg, image.size), 1
    with open_pdf(pdf) as document:
        sides = len(document)
        made = thumbnail_path(folder, file)
        jpeg = (
            made.read_bytes() if _newer(made, pdf) else _thumbnail_jpeg(_thumbnail_pages(document))
        )
    with Image.open(io.BytesIO(jpeg)) as image:  # reads the header only
        size = image.size
    return (jpeg, size), sides


def _thumbnail_pages(document: pdfium.PdfDocument) -> list[Image.Image]:
    """The first page (a flyer's two sides) rendered at the thumbnail's own size: sharper,
    and about five times faster than scaling a preview down (an A1's 2 Mpx)."""
    scale = THUMBNAIL_PX / max(document[0].get_size())
    return [document[i].render(scale=scale).to_pil() for i in range(min(len(document), 2))]


def _thumbnail_jpeg(images: list[Image.Image]) -> bytes:
    """The first page, or a flyer's two sides next to each other, scaled down to a JPEG:
    embedded in the PDF as it is, where a PNG would be decoded and compressed again."""
    image = _side_by_side(images[:2])
    image.thumbnail((THUMBNAIL_PX * len(images[:2]), THUMBNAIL_PX), reducing_gap=2.0)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _newer(path: Path, than: Path) -> bool:
    try:
        return path.stat().st_mtime_ns >= than.stat().st_mtime_ns
    except OSError:
        return False


def _side_by_side(images: list[Image.Image]) -> Image.Image:
    """Pages next to each other with a small gap, for one thumbnail."""
    if len(images) == 1:
        return images[0]
    gap = max(4, images[0].width // 40)
    width = sum(image.width for image in images) + gap * (len(images) - 1)
    height = max(image.height for image in images)
    out = Image.new("RGB", (width, height), "#eef0f4")
    x = 0
    for image in images:
        out.paste(image.convert("RGB"), (x, 0))
        x += image.width + gap
    return out


def _languages_label(codes: list[str]) -> str:
    return " + ".join(
        f"{LANGUAGES[code].name} ({code})" if code in LANGUAGES else code for code in codes
    )


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def paper_format(label: str) -> PaperFormat:
    """The format a manifest label names: "A3-landscape" → A3, landscape."""
    name, _, orientation = label.partition("-")
    if name not in FORMAT_NAMES or orientation not in ("", "landscape"):
        raise ValueError(f"unknown format '{label}'")
    return PaperFormat(name, orientation or "portrait")
