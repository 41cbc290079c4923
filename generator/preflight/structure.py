"""Checks of the file's structure, read with pikepdf: boxes, fonts, colour spaces,
output intent, PDF/X identification and transparency."""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Name

from ..planning.formats import BLEED_MM, PT_PER_MM, PaperFormat
from ..prepress.pdfwalk import colour_space_family, walk
from ..prepress.profiles import PrintProfile
from .report import PreflightReport

TOLERANCE_PT = 0.5
TRIM_TOLERANCE_MM = 0.2
OPERATOR_FAMILY = {"rg": "RGB", "RG": "RGB", "k": "CMYK", "K": "CMYK", "g": "Gray", "G": "Gray"}


def box(page: pikepdf.Page, name: str) -> tuple[float, float, float, float] | None:
    found = page.obj.get(f"/{name}")
    return tuple(float(v) for v in found) if found is not None else None  # type: ignore[return-value]


def page_boxes(page: pikepdf.Page) -> dict[str, tuple[float, ...]]:
    return {n: b for n in ("MediaBox", "BleedBox", "TrimBox") if (b := box(page, n)) is not None}


def size_mm(found: tuple[float, ...]) -> tuple[float, float]:
    return (found[2] - found[0]) / PT_PER_MM, (found[3] - found[1]) / PT_PER_MM


def _inside(inner, outer, tolerance=TOLERANCE_PT) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )


def check_syntax(pdf: pikepdf.Pdf, report: PreflightReport) -> None:
    """qpdf's own check of the file's structure: cross-reference table, objects, streams."""
    problems = pdf.check_pdf_syntax()
    for problem in problems[:5]:
        report.error("syntax", problem)
    report.note("syntax", f"PDF {pdf.pdf_version}, readable by qpdf" if not problems else "")


def check_boxes(pdf: pikepdf.Pdf, paper: PaperFormat, report: PreflightReport) -> None:
    want_w, want_h = paper.trim_mm
    for number, page in enumerate(pdf.pages, 1):
        trim, bleed, media = box(page, "TrimBox"), box(page, "BleedBox"), box(page, "MediaBox")
        if trim is None:
            report.error("trim size", f"page {number}: no TrimBox")
            continue
        width, height = size_mm(trim)
        if abs(width - want_w) > TRIM_TOLERANCE_MM or abs(height - want_h) > TRIM_TOLERANCE_MM:
            report.error(
                "trim size",
                f"page {number}: trim {width:.1f}×{height:.1f} mm, expected "
                f"{want_w:g}×{want_h:g} mm ({paper.label})",
            )
        if bleed is None:
            report.error("bleed", f"page {number}: no BleedBox")
            continue
        margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        if min(margins) < BLEED_MM * PT_PER_MM - TOLERANCE_PT:
            shown = ", ".join(f"{m / PT_PER_MM:.1f}" for m in margins)
            report.error(
                "bleed", f"page {number}: bleed {shown} mm, expected {BLEED_MM:g} mm each side"
            )
        if media is not None and not _inside(bleed, media):
            report.error("bleed", f"page {number}: the BleedBox reaches past the MediaBox")
    report.note("trim size", f"{want_w:g}×{want_h:g} mm ({paper.label}) on every page")
    report.note("bleed", f"{BLEED_MM:g} mm on every side of every page")


def check_fonts(pdf: pikepdf.Pdf, report: PreflightReport) -> None:
    names = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        name = str(obj.get("/FontName", "?")).lstrip("/")
        names.add(name.split("+", 1)[-1])
        if not any(key in obj for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            report.error("fonts", f"font {name} is not embedded")
    report.fonts = sorted(names)
    report.note("fonts", f"{len(names)} fonts, embedded: {', '.join(report.fonts)}")


def colour_use(pdf: pikepdf.Pdf) -> dict[str, dict[str, list[str]]]:
    """Per colour space family, per page: where it is used ('3 × rg', 'image /Im1 600×400')."""
    found: dict[str, dict[str, list[str]]] = {}

    def add(family: str, page: int, what: str) -> None:
        found.setdefault(family, {}).setdefault(f"page {page}", []).append(what)

    for drawn in walk(pdf):
        if drawn.kind == "content":
            counts: dict[tuple[str, str], int] = {}
            for instruction in pikepdf.parse_content_stream(drawn.obj):
                if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                    space = instruction.iimage.obj.get("/ColorSpace", Name.DeviceGray)
                    add(colour_space_family(space, drawn.resources), drawn.page, "inline image")
                    continue
                operator = str(instruction.operator)
                if operator in OPERATOR_FAMILY:
                    key = (OPERATOR_FAMILY[operator], operator)
                elif operator in ("cs", "CS") and instruction.operands:
                    family = colour_space_family(instruction.operands[0], drawn.resources)
                    key = (family, f"{operator} {instruction.operands[0]}")
                else:
                    continue
                counts[key] = counts.get(key, 0) + 1
            for (family, what), count in sorted(counts.items()):
                where = "" if drawn.name == "page" else f" in {drawn.name}"
                add(family, drawn.page, f"{count} × {what}{where}")
            group = drawn.obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary) and "/CS" in group:
                add(colour_space_family(group.CS), drawn.page, f"blending space of {drawn.name}")
        elif drawn.kind == "image":
            if drawn.obj.get("/ImageMask", False):
                continue
            space = drawn.obj.get("/ColorSpace", Name.DeviceGray)
            size = f"{int(drawn.obj.get('/Width', 0))}×{int(drawn.obj.get('/Height', 0))}"
            add(colour_space_family(space), drawn.page, f"image {drawn.name} {size}")
        elif drawn.kind == "shading":
            space = drawn.obj.get("/ColorSpace", Name.DeviceGray)
            add(colour_space_family(space), drawn.page, f"shading {drawn.name}")
    return found


def check_colours(pdf: pikepdf.Pdf, profile: PrintProfile, report: PreflightReport) -> None:
    use = colour_use(pdf)
    families = sorted(use)
    report.measures["colour spaces"] = families
    report.note("colour", ", ".join(families) or "no colour operators")
    if not profile.is_press:
        return
    allowed = {"CMYK", "Gray", "Separation", "DeviceN", "Pattern"}
    if profile.transparency:
        allowed |= {"Lab"}  # device-independent colour is allowed in PDF/X-4
    for family in families:
        if family in allowed:
            continue
        for page, uses in use[family].items():
            shown = "; ".join(uses[:4]) + ("; ..." if len(uses) > 4 else "")
            report.error("colour", f"{page}: {family} colour in {profile.name} output ({shown})")


def check_output_intent(pdf: pikepdf.Pdf, profile: PrintProfile, report: PreflightReport) -> None:
    intents = pdf.Root.get("/OutputIntents", pikepdf.Array())
    pdfx = [i for i in intents if i.get("/S") == Name.GTS_PDFX]
    if not profile.is_press:
        report.note("output intent", "none (digital)" if not intents else f"{len(intents)}")
        return
    if not pdfx:
        report.error("output intent", f"no PDF/X output intent: {profile.pdf_x} requires one")
        return
    intent = pdfx[0]
    icc = intent.get("/DestOutputProfile")
    if not isinstance(icc, pikepdf.Stream):
        report.error("output intent", "the output intent has no ICC profile (DestOutputProfile)")
        return
    header = icc.read_bytes()[:20]
    space, device = header[16:20].decode("latin-1"), header[12:16].decode("latin-1")
    if space != "CMYK" or int(icc.get("/N", 0)) != 4:
        report.error("output intent", f"the output intent's ICC profile is {space!r}, not CMYK")
    if device != "prtr":
        report.warn("output intent", f"the ICC profile is a '{device}' profile, not a printer's")
    name = next(
        (
            str(intent[k])
            for k in ("/OutputCondition", "/Info", "/OutputConditionIdentifier")
            if k in intent
        ),
        "?",
    )
    report.measures["output intent"] = name
    report.note("output intent", f"GTS_PDFX, {name} (CMYK ICC profile embedded)")


def _xmp(pdf: pikepdf.Pdf) -> str:
    metadata = pdf.Root.get("/Metadata")
    return metadata.read_bytes().decode("utf-8", "replace") if metadata is not None else ""


def claimed_pdfx(pdf: pikepdf.Pdf) -> str | None:
    """The PDF/X version a file claims, in its XMP or its document info."""
    found = re.search(r"GTS_PDFXVersion>([^<]+)<", _xmp(pdf))
    if found:
        return found.group(1).strip()
    value = pdf.docinfo.get("/GTS_PDFXVersion")
    return str(value) if value is not None else None


def check_pdfx(pdf: pikepdf.Pdf, profile: PrintProfile, report: PreflightReport) -> None:
    claimed = claimed_pdfx(pdf)
    if not profile.is_press:
        if claimed:
            report.error("PDF/X", f"a {profile.name} file claims {claimed}")
        report.note("PDF/X", "not claimed (digital)")
        return
    assert profile.pdf_x is not None  # what is_press means
    name = "PDF/X"
    if claimed != profile.pdf_x:
        report.error(name, f"claims {claimed or 'no PDF/X version'}, expected {profile.pdf_x}")
    version = pdf.pdf_version
    if profile.pdf_x == "PDF/X-4" and version < "1.6":
        report.error(name, f"PDF {version}: PDF/X-4 needs PDF 1.6 or later")
    if profile.pdf_x.startswith("PDF/X-1a") and version > "1.4":
        report.error(name, f"PDF {version}: PDF/X-1a:2003 allows PDF 1.4 at most")
    if pdf.trailer.get("/ID") is None:
        report.error(name, "no document ID in the trailer")
    info = pdf.docinfo
    for key in ("/CreationDate", "/ModDate", "/Title"):
        if key not in info:
            report.error(name, f"document info has no {key.lstrip('/')}")
    if info.get("/Trapped") not in (Name("/True"), Name("/False")):
        report.error(name, "document info's Trapped is neither True nor False")
    xmp = _xmp(pdf)
    if profile.pdf_x == "PDF/X-4":
        for tag in ("xmpMM:DocumentID", "xmp:CreateDate", "xmp:ModifyDate", "dc:title"):
            if f"<{tag}>" not in xmp:
                report.error(name, f"XMP metadata has no {tag}")
    report.note(name, f"{claimed or '-'}, PDF {version}")


def check_transparency(pdf: pikepdf.Pdf, profile: PrintProfile, report: PreflightReport) -> None:
    """PDF/X-1a allows no transparency: no soft masks, no alpha, no blend modes, no groups."""
    found: list[str] = []
    for drawn in walk(pdf):
        where = f"page {drawn.page}, {drawn.name}"
        if drawn.kind == "image" and "/SMask" in drawn.obj:
            found.append(f"{where}: image with a soft mask (alpha)")
        if drawn.kind != "content":
            continue
        group = drawn.obj.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and group.get("/S") == Name.Transparency:
            found.append(f"{where}: transparency group")
        resources = drawn.resources or pikepdf.Dictionary()
        for state_name, state in resources.get("/ExtGState", {}).items():
            if not isinstance(state, pikepdf.Dictionary):
                continue
            alpha = [float(state.get(k, 1)) for k in ("/CA", "/ca")]
            mask = state.get("/SMask", Name("/None"))
            blend = state.get("/BM", Name.Normal)
            if (
                min(alpha) < 1
                or mask != Name("/None")
                or blend not in (Name.Normal, Name.Compatible)
            ):
                found.append(f"{where}: graphics state {state_name} is transparent")
    found = list(dict.fromkeys(found))
    report.measures["transparency"] = len(found)
    if profile.transparency:
        report.note("transparency", f"{len(found)} transparency group(s) or mask(s); allowed")
        return
    for message in found:
        report.error("transparency", f"{message}: {profile.pdf_x} allows none")
    report.note("transparency", "none" if not found else f"{len(found)} transparent object(s)")
