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

The proof sheet's template lives here as a string and not under templates/:
every file there is part of each poster's inputs (``inputs.templates_digest``),
so a change to the proof sheet would otherwise rebuild every poster.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
import re
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from PIL import Image

from .formats import FORMAT_NAMES, PaperFormat
from .languages import LANGUAGES
from .output import write_atomically
from .pdfium_access import open_pdf

LOGGER = logging.getLogger(__name__)

PROOF_SHEET = "proof.pdf"
ORDER_SHEET = "print-order.csv"
POSTERS_PER_PROOF_PAGE = 6  # 3 rows × 2 columns on A4 portrait
THUMBNAIL_PX = 560  # longest side of a proof sheet thumbnail at most: about 200 dpi as printed
PREVIEW_DPI = 50  # an A4 preview is 585 px high, enough for a proof sheet thumbnail
PT_PER_INCH = 72


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
    for png, image in zip(paths, images, strict=True):
        write_atomically(png, _png_bytes(image, dpi))
    _remove_stale_pages(folder, file, len(paths))
    return paths


def write_previews(folder: Path, entries: list[dict], dpi: int = PREVIEW_DPI) -> list[Path]:
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
        file = entry.get("file")
        if not isinstance(file, str) or not file.endswith(".pdf"):
            continue  # a social-media card's PNG is its own preview
        pdf_path = folder / file
        if not pdf_path.is_file():
            LOGGER.warning("no preview for %s: the file is missing", file)
            continue
        pages = entry.get("pages")
        if isinstance(pages, int) and pages > 0:
            known = preview_paths(folder, file, pages)
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
    return bool(found) and round(found[0]) == dpi and round(found[1]) == dpi


def _png_bytes(image: Image.Image, dpi: int | None = None) -> bytes:
    buffer = io.BytesIO()
    # compress_level 1: 40% less time than the default, for files 2% larger.
    image.save(buffer, format="PNG", compress_level=1, **({"dpi": (dpi, dpi)} if dpi else {}))
    return buffer.getvalue()


def _remove_stale_pages(folder: Path, file: str, pages: int) -> None:
    stem = Path(file).stem
    pattern = re.compile(re.escape(stem) + r"-p(\d+)\.png")
    for path in folder.glob(glob_escape(stem) + "-p*.png"):
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) > pages:
            path.unlink(missing_ok=True)


# --- proof sheet ------------------------------------------------------------------

# Every script a campaign may use, for the one free text shown (the review note).
_FONT_STACK = ", ".join(
    f'"{family}"'
    for family in dict.fromkeys(
        family for language in LANGUAGES.values() for family in language.fonts
    )
)

PROOF_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Proof sheet: {{ campaign }}</title>
<style>
@page {
  size: A4 portrait;
  margin: 31mm 12mm 13mm 12mm;
  @top-left { content: element(header); vertical-align: bottom; width: 100%; }
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    font: 7pt "Noto Sans"; color: #6b7280; vertical-align: top;
  }
  @bottom-left {
    content: "Poster proof sheet: check every poster before it goes to print";
    font: 7pt "Noto Sans"; color: #6b7280; vertical-align: top;
  }
}
html { font-family: FONT_STACK; color: #1d2b4f; font-size: 8pt; line-height: 1.3; }
body { margin: 0; }
header { position: running(header); padding-bottom: 3mm; border-bottom: 0.5mm solid #1d2b4f; }
header h1 { font-size: 15pt; margin: 0 0 1mm 0; }
header h1 span { font-weight: normal; color: #6b7280; }
header .summary { font-size: 9pt; margin: 0; }
header .draft {
  margin: 1.5mm 0 0 0; font-size: 9pt; font-weight: bold; color: #b91c1c;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
header .draft span { font-weight: normal; color: #6b7280; }
/* Fixed sizes everywhere: a grid or flex layout made WeasyPrint measure every
   text's intrinsic width, which was most of the sheet's time. */
section.sheet { padding-top: 2mm; height: 249mm; }
section.sheet + section.sheet { break-before: page; }
.poster {
  float: left; width: 84mm; height: 76mm; margin: 0 6mm 2mm 0;
  border: 0.3mm solid #d1d5db; padding: 2.5mm; overflow: hidden;
}
.poster:nth-child(2n) { margin-right: 0; }
.thumb { height: 56mm; background: #eef0f4; text-align: center; }
.thumb img {
  display: inline-block; max-width: 83mm; max-height: 54mm; margin-top: 1mm;
  border: 0.2mm solid #9ca3af;
}
.thumb .missing { color: #b91c1c; font-weight: bold; }
.file { font-size: 7.5pt; font-weight: bold; margin: 1.5mm 0 1mm 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; }
th { text-align: left; font-weight: normal; color: #6b7280; width: 17mm; padding: 0.25mm 0; }
td { padding: 0.25mm 0; }
.status { font-weight: bold; padding: 0 1.2mm; border-radius: 0.8mm; color: #fff; }
.status.ok { background: #15803d; }
.status.warn { background: #b45309; }
.status.failed { background: #b91c1c; }
.status.unknown { background: #6b7280; }
.empty { font-size: 11pt; color: #6b7280; margin-top: 10mm; }
</style>
</head>
<body>
<header>
  <h1>Proof sheet <span>{{ campaign }}</span></h1>
  <p class="summary">{{ posters|length }} poster{{ "" if posters|length == 1 else "s" }}
    · {{ total_prints }} print{{ "" if total_prints == 1 else "s" }} in all
    {% if source %}· from {{ source }}{% endif %}</p>
  {% if draft %}
  <p class="draft">DRAFT — translations await review{% if review_note %}
    <span>({{ review_note }})</span>{% endif %}</p>
  {% endif %}
</header>
{% for sheet in sheets %}
<section class="sheet">
  {% for poster in sheet %}
  <div class="poster">
    <div class="thumb">
      {% if poster.thumbnail %}<img src="{{ poster.thumbnail }}" alt="">
      {% else %}<span class="missing">PDF missing</span>{% endif %}
    </div>
    <p class="file">{% for part in poster.file_parts %}{{ part }}{% if not loop.last %}_<wbr>{% endif %}{% endfor %}</p>
    <table>
      <tr><th>Format</th><td>{{ poster.format }}</td></tr>
      <tr><th>Languages</th><td>{{ poster.languages }}</td></tr>
      <tr><th>Quantity</th><td>{{ poster.quantity }}</td></tr>
      <tr><th>Preflight</th><td><span class="status {{ poster.status_class }}">{{ poster.status }}</span></td></tr>
    </table>
  </div>
  {% endfor %}
</section>
{% else %}
<p class="empty">This campaign has no finished posters.</p>
{% endfor %}
</body>
</html>
""".replace("FONT_STACK", _FONT_STACK)


class ProofError(Exception):
    """The proof sheet could not be made; the message says why."""


def preflight_status(preflight: dict | None) -> tuple[str, str]:
    """(label, CSS class): "OK", "n warnings" or "FAILED", as a reviewer reads it."""
    if not isinstance(preflight, dict):
        return "not checked", "unknown"
    if not preflight.get("ok", False) or preflight.get("errors"):
        return "FAILED", "failed"
    warnings = len(preflight.get("warnings") or [])
    if warnings:
        return f"{warnings} warning{'' if warnings == 1 else 's'}", "warn"
    return "OK", "ok"


def write_proof_sheet(folder: Path, manifest: dict, project: Path) -> Path:
    """Write ``folder/proof.pdf``: every poster of the manifest as a thumbnail with its facts.

    One look at a few A4 pages shows every poster, what it is and whether
    preflight passed, before anything is printed. Thumbnails are made from the
    previews (or the PDFs) and embedded as ``data:`` URLs, so the renderer's fetcher, which
    serves only templates/ and assets/, needs no access to the output folder.
    The sheet carries no date: the same posters give the same bytes.
    """
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # From generator.pdf, which points fontconfig at the declared fonts before
    # it loads WeasyPrint: imported first elsewhere, WeasyPrint would see all fonts.
    from .pdf import RENDER_LOCK, ProjectURLFetcher, font_config, weasyprint

    posters = [e for e in manifest.get("posters", []) if isinstance(e, dict) and e.get("file")]
    cards = []
    for entry in posters:
        status, status_class = preflight_status(entry.get("preflight"))
        pdf_path = folder / entry["file"]
        thumbnail, sides = _thumbnail(folder, entry["file"]) if pdf_path.is_file() else (None, 1)
        pixels = entry.get("pixels")  # a social-media card, beside the posters
        shown = f" · card {pixels[0]} × {pixels[1]} px" if _is_card(entry) else ""
        cards.append(
            {
                "file_parts": entry["file"].split("_"),
                "format": entry.get("format", "?") + (" · two-sided" if sides == 2 else "") + shown,
                "languages": _languages_label(entry.get("languages") or []),
                "quantity": entry.get("quantity", 0),
                "status": status,
                "status_class": status_class,
                "thumbnail": thumbnail,
            }
        )

    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    html = env.from_string(PROOF_TEMPLATE).render(
        campaign=manifest.get("campaign", folder.name),
        source=manifest.get("source"),
        draft=bool(manifest.get("draft")),
        review_note=manifest.get("review_note"),
        posters=cards,
        total_prints=sum(_quantity(entry) for entry in posters if not _is_card(entry)),
        sheets=list(_chunks(cards, POSTERS_PER_PROOF_PAGE)),
    )
    fetcher = ProjectURLFetcher(project, context=PROOF_SHEET)
    with RENDER_LOCK:
        pdf = weasyprint.HTML(
            string=html, base_url=project.resolve().as_uri() + "/", url_fetcher=fetcher
        ).write_pdf(font_config=font_config())
    if fetcher.refused:
        raise ProofError("; ".join(dict.fromkeys(fetcher.refused)))
    path = folder / PROOF_SHEET
    write_atomically(path, pdf)
    return path


def _thumbnail(folder: Path, file: str) -> tuple[str, int]:
    """A poster's first page (a flyer's two sides next to each other) as a JPEG
    ``data:`` URL, made from its previews when fresh; and its number of pages.

    The build's workers render the previews, so the proof sheet only scales
    them down; a PDF without fresh previews is rendered here.
    """
    if not file.endswith(".pdf"):  # a card: its PNG is the picture
        with Image.open(folder / file) as card:
            images, sides = [card.convert("RGB")], 1
        return _jpeg_data_url(_side_by_side(images)), sides
    with open_pdf(folder / file) as document:
        sides = len(document)
        pngs = preview_paths(folder, file, min(sides, 2))
        if all(_preview_fresh(png, folder / file, PREVIEW_DPI) for png in pngs):
            images = [Image.open(png) for png in pngs]
        else:
            scale = THUMBNAIL_PX / max(document[0].get_size())
            images = [document[i].render(scale=scale).to_pil() for i in range(len(pngs))]
    return _jpeg_data_url(_side_by_side(images), len(images)), sides


def _is_card(entry: dict) -> bool:
    return isinstance(entry.get("pixels"), list) and len(entry["pixels"]) == 2


def _jpeg_data_url(image: Image.Image, count: int = 1) -> str:
    image.thumbnail((THUMBNAIL_PX * count, THUMBNAIL_PX), reducing_gap=2.0)
    # JPEG: WeasyPrint embeds it as it is, where a PNG would be decoded and
    # compressed again, which made the proof sheet a third of a build's time.
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


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


def _quantity(entry: dict) -> int:
    quantity = entry.get("quantity")
    return quantity if isinstance(quantity, int) else 0


# --- print order ------------------------------------------------------------------

ORDER_HEADER = ("file", "format", "paper size with bleed", "trim size", "quantity", "sides")


def paper_format(label: str) -> PaperFormat:
    """The format a manifest label names: "A3-landscape" → A3, landscape."""
    name, _, orientation = label.partition("-")
    if name not in FORMAT_NAMES or orientation not in ("", "landscape"):
        raise ValueError(f"unknown format '{label}'")
    return PaperFormat(name, orientation or "portrait")


def _mm(size: tuple[float, float]) -> str:
    return f"{size[0]:g} × {size[1]:g} mm"


def write_order_sheet(folder: Path, manifest: dict) -> Path:
    """Write ``folder/print-order.csv``: what to print, on which paper, how many.

    A print shop needs, per file, the paper size including the 3 mm bleed on
    each side (what the sheet is cut from), the trim size (what is left after
    cutting), the number of copies and whether it is printed on both sides.
    Totals follow per paper size (portrait and landscape use the same sheets,
    so "TOTAL A3" counts both), largest paper first, then a grand total.
    UTF-8 without a byte-order mark; the sizes use "×".
    """
    posters = [e for e in manifest.get("posters", []) if isinstance(e, dict) and e.get("file")]
    posters = [e for e in posters if not _is_card(e)]  # cards are posted, not printed
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(ORDER_HEADER)
    totals: dict[str, int] = {}
    for entry in posters:
        paper = paper_format(entry["format"])
        quantity = _quantity(entry)
        sides = 2 if entry.get("pages") == 2 else 1
        writer.writerow(
            (entry["file"], paper.label, _mm(paper.media_mm), _mm(paper.trim_mm), quantity, sides)
        )
        totals[paper.name] = totals.get(paper.name, 0) + quantity
    for name in FORMAT_NAMES:
        if name in totals:
            writer.writerow((f"TOTAL {name}", name, "", "", totals[name], ""))
    writer.writerow(("TOTAL", "", "", "", sum(totals.values()), ""))
    path = folder / ORDER_SHEET
    write_atomically(path, buffer.getvalue().encode("utf-8"))
    return path
