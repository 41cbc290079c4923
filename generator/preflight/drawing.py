"""Checks of what the pages show, read with pypdfium2 (PDFium, as a viewer or RIP would):
where text lies, how large it is, how it contrasts with what is behind it, how
sharp the images print, and where the crop marks are.

Contrast is measured on the file: each text's colour as PDFium reads it, against
the page rendered without its text, in the area the text covers. So a colour
changed anywhere between the palette and the file is measured as printed on
screen (PDFium's CMYK to RGB conversion), not as the template meant it.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..planning.formats import CAP_HEIGHT_EM, PT_PER_MM, SAFE_MARGIN_MM, PaperFormat
from ..prepress.colours import contrast_ratio
from ..render.images import wanted_ppi
from .pdfium_access import open_pdf
from .report import PreflightReport

TOLERANCE_PT = 0.5
CONTRAST_MIN = 4.5  # any text (WCAG AA): below it, an error
CONTRAST_BODY = 7.0  # body text on signs (WCAG AAA, by analogy): below it, a warning
CONTRAST_SHARE = 0.10  # the contrast met by all but the worst 10% of the background under a text
RENDER_LONG_SIDE_PX = 1200  # contrast and marks are judged on a render this size
INK_LEVEL = 245  # a rendered pixel darker than this in any channel carries ink


@dataclass
class TextRun:
    """One text object drawn on the page itself (not inside a placed graphic)."""

    text: str
    size_mm: float
    bounds: tuple[float, float, float, float]  # left, bottom, right, top in points
    colour: tuple[int, int, int]
    opaque: bool = True  # False: drawn translucent, an overlay such as the DRAFT mark


def required_ppi(paper: PaperFormat) -> float:
    """300 ppi for what is read from a metre or less, less for what is seen from further:
    the rule the build applies to each picture (``images.wanted_ppi``)."""
    return wanted_ppi(paper.viewing_distance_m)


def check_drawing(
    pdf_bytes: bytes, paper: PaperFormat, report: PreflightReport, press: bool
) -> list[str]:
    """Run the checks of what the pages show; return each page's text as PDFium reads it
    (its text page, before any text is taken off for the contrast), so that the text
    layer's check reads it from the same opening of the file."""
    texts: list[str] = []
    with open_pdf(pdf_bytes) as document:
        smallest: tuple[float, str, int] | None = None
        worst: tuple[float, str, int, str] | None = None
        images: list[tuple[float, int, str]] = []
        for index in range(len(document)):
            page = document[index]
            number = index + 1
            textpage = page.get_textpage()
            try:
                texts.append(textpage.get_text_range())
                _check_text_positions(page, textpage, number, report)
                runs = _text_runs(page, textpage)
            finally:
                textpage.close()
            for run in runs:
                if smallest is None or run.size_mm < smallest[0]:
                    smallest = (run.size_mm, run.text, number)
            images += [(ppi, number, what) for ppi, what in _image_resolutions(page)]
            if press:
                _check_marks(page, number, report)
            worst = _check_contrast(page, runs, number, paper, report, worst)
            page.close()
        _report_sizes(smallest, paper, report)
        _report_images(images, paper, report)
        if worst is None:
            report.note("contrast", "no text on the pages")
        else:
            ratio, text, number, role = worst
            report.measures["lowest contrast"] = round(ratio, 2)
            report.note("contrast", f"lowest {ratio:.1f}:1, page {number}, {role} '{text}'")
        if not press:
            report.note("crop marks", "none (digital)")
    return texts


# --- text position ----------------------------------------------------------------------


def _check_text_positions(page, textpage, number: int, report: PreflightReport) -> None:
    """Every character inside the trim, and inside the safe area within it."""
    trim = page.get_trimbox()
    safe = SAFE_MARGIN_MM * PT_PER_MM
    outside = unsafe = 0
    nearest = math.inf
    text = textpage.get_text_range()
    examples: list[str] = []
    for index in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(index)
        if right <= left:  # zero-width marks have no box to check
            continue
        distance = min(left - trim[0], bottom - trim[1], trim[2] - right, trim[3] - top)
        nearest = min(nearest, distance)
        if distance < -TOLERANCE_PT:
            outside += 1
        elif distance < safe - TOLERANCE_PT:
            unsafe += 1
            if len(examples) < 3 and index < len(text):
                examples.append(text[max(0, index - 8) : index + 8].strip())
    if outside:
        report.error("safe area", f"page {number}: {outside} characters lie outside the trim")
    if unsafe:
        report.error(
            "safe area",
            f"page {number}: {unsafe} characters lie within {SAFE_MARGIN_MM:g} mm of the trim "
            f"(near: {' | '.join(examples)})",
        )
    if nearest != math.inf:
        # Cut down to 0.1 mm, never rounded up: 3.96 mm shows as 3.9, which is short of 4.
        shown = math.floor(nearest / PT_PER_MM * 10) / 10
        previous = report.measures.get("nearest text to trim mm")
        least = min(shown, previous if isinstance(previous, float | int) else shown)
        report.measures["nearest text to trim mm"] = least
        if not outside and not unsafe and shown < SAFE_MARGIN_MM:
            # Within the tolerance that absorbs how PDFium rounds glyph boxes: not an
            # error, but not "ok" either: the print shop would see the same number.
            report.warn(
                "safe area",
                f"page {number}: text {shown:g} mm from the trim, short of the "
                f"{SAFE_MARGIN_MM:g} mm safe area (within the {TOLERANCE_PT / PT_PER_MM:.1f} mm "
                "measuring tolerance, so not an error); move it inwards",
            )
        which = "all text at least" if least >= SAFE_MARGIN_MM else "nearest text only"
        report.note(
            "safe area",
            f"{which} {least:g} mm inside the trim (safe area: {SAFE_MARGIN_MM:g} mm)",
        )


# --- text runs: size and colour ---------------------------------------------------------


def _text_of(obj, textpage) -> str:
    length = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
    if length <= 1:
        return ""
    buffer = (ctypes.c_ushort * length)()
    pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, length)
    return bytes(buffer).decode("utf-16-le", "replace").rstrip("\0").replace("\u200b", "")


def _fill_colour(obj) -> tuple[tuple[int, int, int], int]:
    """The fill colour and its alpha (0-255, from the graphics state)."""
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    pdfium_c.FPDFPageObj_GetFillColor(obj.raw, red, green, blue, alpha)
    return (red.value, green.value, blue.value), alpha.value


def _text_runs(page, textpage) -> list[TextRun]:
    """The text objects the page draws itself, with their printed size and colour.

    Text inside placed graphics (a logo's lettering, inside a form XObject) is
    artwork, not held to the reading-distance floor, and is left out here.
    """
    runs = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=0):
        mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
        if mode == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
            continue
        text = _text_of(obj, textpage).strip()
        if not text:
            continue
        matrix = obj.get_matrix()
        scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        size_mm = obj.get_font_size() * scale / PT_PER_MM
        colour, alpha = _fill_colour(obj)
        bounds = tuple(obj.get_bounds())
        runs.append(TextRun(text, size_mm, bounds, colour, alpha >= 255))
    return runs


def _role_floor(paper: PaperFormat, size_mm: float) -> str:
    """Which kind of text a size is, by the floors of formats.py: headline, message or label."""
    if size_mm >= paper.min_font_size_mm("headline") * 0.99:
        return "large text"
    if size_mm >= paper.min_font_size_mm("message") * 0.99:
        return "body text"
    return "small print"


def _report_sizes(smallest, paper: PaperFormat, report: PreflightReport) -> None:
    floor = paper.min_font_size_mm("label")
    if smallest is None:
        report.note("text size", "no text on the pages")
        return
    size, text, number = smallest
    report.measures["smallest text mm"] = round(size, 2)
    cap = size * CAP_HEIGHT_EM
    distance = paper.viewing_distance_m
    summary = (
        f"smallest {size:.1f} mm (capital height {cap:.1f} mm), page {number}: '{_short(text)}'; "
        f"floor for small print on {paper.label} read from {distance:g} m: {floor:.1f} mm"
    )
    report.note("text size", summary)
    if size < floor * 0.99:
        report.error(
            "text size",
            f"page {number}: '{_short(text)}' is {size:.1f} mm, below the {floor:.1f} mm floor "
            f"for small print on {paper.label} read from {distance:g} m "
            f"(25 mm capital height per 3 m)",
        )


def _short(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# --- contrast ---------------------------------------------------------------------------


def _render_without_text(page, scale: float):
    """The page as printed but without its own text: what each text stands on."""
    for obj in list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=0)):
        page.remove_obj(obj)
        obj.close()
    return page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")


def _scale_for(page) -> float:
    left, bottom, right, top = page.get_cropbox()
    return RENDER_LONG_SIDE_PX / max(right - left, top - bottom)


def _check_contrast(page, runs, number: int, paper, report, worst):
    if not runs:
        return worst
    scale = _scale_for(page)
    crop_left, _, _, crop_top = page.get_cropbox()
    picture = _render_without_text(page, scale)
    for run in runs:
        if not run.opaque:
            # A translucent overlay (base.html.j2's DRAFT mark) is meant to sit lightly
            # over the poster, not to be read against it; it never goes to press.
            continue
        left, bottom, right, top = run.bounds
        area = (
            max(0, int((left - crop_left) * scale)),
            max(0, int((crop_top - top) * scale)),
            min(picture.width, math.ceil((right - crop_left) * scale)),
            min(picture.height, math.ceil((crop_top - bottom) * scale)),
        )
        if area[2] <= area[0] or area[3] <= area[1]:
            continue
        under = picture.crop(area)
        colours = under.getcolors(maxcolors=under.width * under.height) or []
        total = sum(count for count, _ in colours)
        measured = sorted((contrast_ratio(run.colour, colour), count) for count, colour in colours)
        seen, ratio = 0, measured[-1][0]
        for value, count in measured:
            seen += count
            if seen >= total * CONTRAST_SHARE:
                ratio = value
                break
        role = _role_floor(paper, run.size_mm)
        text = _short(run.text)
        if worst is None or ratio < worst[0]:
            worst = (ratio, text, number, role)
        message = f"page {number}: {role} '{text}' has a contrast of {ratio:.1f}:1"
        if ratio < CONTRAST_MIN:
            report.error("contrast", f"{message}, below {CONTRAST_MIN}:1")
        elif ratio < CONTRAST_BODY and role == "body text":
            # Roles are told apart by size alone, so a warning: small print set at a
            # body text's size on a small format would otherwise fail the poster.
            report.warn(
                "contrast", f"{message}; body text on signs should reach {CONTRAST_BODY:g}:1"
            )
    return worst


# --- images -----------------------------------------------------------------------------


def _image_resolutions(page):
    """(effective ppi, description) of every raster image, inside forms too."""

    def visit(objects, parent_matrix):
        for obj in objects:
            matrix = obj.get_matrix()
            if parent_matrix is not None:
                matrix = matrix.multiply(parent_matrix)
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                width_px, height_px = obj.get_px_size()
                width_in = math.hypot(matrix.a, matrix.b) / 72
                height_in = math.hypot(matrix.c, matrix.d) / 72
                if width_in > 0 and height_in > 0:
                    ppi = min(width_px / width_in, height_px / height_in)
                    shown = f"{width_in * 25.4:.0f}×{height_in * 25.4:.0f} mm"
                    yield ppi, f"{width_px}×{height_px} px shown {shown}"
            elif obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
                count = pdfium_c.FPDFFormObj_CountObjects(obj.raw)
                children = [
                    pdfium.PdfObject(
                        pdfium_c.FPDFFormObj_GetObject(obj.raw, i), page=page, pdf=page.pdf
                    )
                    for i in range(count)
                ]
                yield from visit(children, matrix)

    yield from visit(page.get_objects(max_depth=0), None)


def _report_images(images, paper: PaperFormat, report: PreflightReport) -> None:
    if not images:
        report.note("images", "no raster images")
        return
    required = required_ppi(paper)
    lowest = min(images)
    report.measures["lowest image ppi"] = round(lowest[0])
    report.note(
        "images",
        f"{len(images)} raster image(s), lowest {lowest[0]:.0f} ppi; {required:.0f} ppi wanted "
        f"on {paper.label} read from {paper.viewing_distance_m:g} m",
    )
    for ppi, number, what in images:
        message = f"page {number}: image {what} prints at {ppi:.0f} ppi"
        if ppi < required / 2:
            report.error("images", f"{message}, below {required / 2:.0f} ppi")
        elif ppi < required:
            report.warn("images", f"{message}, below the {required:.0f} ppi wanted")


# --- crop marks -------------------------------------------------------------------------


def _check_marks(page, number: int, report: PreflightReport) -> None:
    """Crop marks at every corner, outside the bleed; no other ink outside the bleed.

    Judged on a render of the whole sheet: in the four strips between the
    BleedBox and the sheet's edge, ink may only lie on the trim's lines.
    """
    trim, bleed, media = page.get_trimbox(), page.get_bleedbox(), page.get_mediabox()
    scale = RENDER_LONG_SIDE_PX / max(media[2] - media[0], media[3] - media[1])
    sheet = page.render(scale=scale, may_draw_forms=False).to_pil().convert("L")
    ink = sheet.point(lambda level: 255 if level < INK_LEVEL else 0)  # ink white on black

    def px_x(x: float) -> int:
        return round((x - media[0]) * scale)

    def px_y(y: float) -> int:
        return round((media[3] - y) * scale)

    left, right = px_x(bleed[0]) - 1, px_x(bleed[2]) + 1
    top, bottom = px_y(bleed[3]) - 1, px_y(bleed[1]) + 1
    trim_xs, trim_ys = (px_x(trim[0]), px_x(trim[2])), (px_y(trim[3]), px_y(trim[1]))
    strips = {  # name: (area, the trim lines that cross it, vertical?)
        "top": ((0, 0, sheet.width, max(top, 0)), trim_xs, True),
        "bottom": ((0, min(bottom, sheet.height), sheet.width, sheet.height), trim_xs, True),
        "left": ((0, top, max(left, 0), bottom), trim_ys, False),
        "right": ((min(right, sheet.width), top, sheet.width, bottom), trim_ys, False),
    }
    missing, stray = [], 0
    for name, (area, lines, vertical) in strips.items():
        if area[2] <= area[0] or area[3] <= area[1]:
            missing.append(f"{name} (no room outside the bleed)")
            continue
        strip = ink.crop(area)
        for line in lines:
            near = line - (area[0] if vertical else area[1])
            band = (
                (near - 2, 0, near + 3, strip.height)
                if vertical
                else (0, near - 2, strip.width, near + 3)
            )
            if strip.crop(band).getbbox() is None:
                missing.append(f"{name} at {'x' if vertical else 'y'} = {line} px")
            strip.paste(0, band)  # the mark's own ink: not stray
        stray += sum(count for count, level in strip.getcolors() or [] if level)
    if missing:
        report.error("crop marks", f"page {number}: no crop mark {'; '.join(missing)}")
    if stray:
        report.error(
            "crop marks", f"page {number}: ink outside the bleed that is no crop mark ({stray} px)"
        )
    _check_marks_clear_of_bleed(page, number, trim, bleed, report)
    report.note(
        "crop marks",
        f"at every corner, outside the bleed, on a sheet "
        f"{(trim[0] - media[0]) / PT_PER_MM:.0f} mm larger than the trim on each side",
    )


def _check_marks_clear_of_bleed(page, number, trim, bleed, report) -> None:
    """Thin paths entirely outside the trim (the marks) must not reach into the bleed."""
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=0):
        left, bottom, right, top = obj.get_bounds()
        thin = min(right - left, top - bottom) < 1.5
        outside_trim = right <= trim[0] or left >= trim[2] or top <= trim[1] or bottom >= trim[3]
        if not (thin and outside_trim):
            continue
        into_bleed = not (
            right <= bleed[0] + TOLERANCE_PT
            or left >= bleed[2] - TOLERANCE_PT
            or top <= bleed[1] + TOLERANCE_PT
            or bottom >= bleed[3] - TOLERANCE_PT
        )
        if into_bleed:
            report.error(
                "crop marks",
                f"page {number}: a mark at ({left / PT_PER_MM:.1f}, {bottom / PT_PER_MM:.1f}) mm "
                "reaches into the bleed",
            )
