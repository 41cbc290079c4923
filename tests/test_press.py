"""Press output on real builds, read back with pikepdf and pypdfium2 (not with the
preflight under test): boxes, marks, colour spaces, fonts, output intent,
PDF/X identification, reproducibility; and the digital and PDF/X-1a variants."""

from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pikepdf
import pypdfium2
import pytest

from conftest import (
    PROJECT,
    SMALL_CAMPAIGN,
    chars_outside_trim,
    make_project,
    network_blocked,
    review_campaign,
)
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.planning.formats import BLEED_MM, PT_PER_MM, PaperFormat
from generator.planning.inputs import job_key, templates_digest
from generator.planning.plan import plan
from generator.preflight import preflight
from generator.prepress.prepress import MARK_LENGTH_MM, MARK_OFFSET_MM, SHEET_MARGIN_MM, prepress
from generator.prepress.profiles import PROFILES, find_icc, resolve_print
from generator.typeset.pdf import font_config

PRESS = (
    "print: {profile: press, icc: default_cmyk.icc, date: 2026-11-23, allow_placeholders: true}\n"
)
PRESS_FILE = "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"
SAMPLE_POSTER = "vientiane-nong-khai_border-sign_A3-landscape_lo-th_DRAFT"


def build(project: Path, text: str, out: Path, **options):
    path = project / "campaigns" / "press.yaml"
    path.write_text(text, encoding="utf-8")
    return build_campaign(load_campaign(path, project), project, out, jobs=1, **options)


def points(box) -> list[float]:
    return [float(v) for v in box]


def all_content(pdf: pikepdf.Pdf):
    """(operator, operands) of every page's content and every form XObject it draws."""
    seen = set()

    def forms(resources):
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield xobject
                yield from forms(xobject.get("/Resources", resources))

    for page in pdf.pages:
        for owner in [page, *forms(page.obj.get("/Resources", {}))]:
            for instruction in pikepdf.parse_content_stream(owner):
                if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                    continue
                numbers = [v for v in instruction.operands if isinstance(v, (int, Decimal))]
                yield str(instruction.operator), [float(v) for v in numbers]


@pytest.fixture(scope="module")
def press_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("press")
    project = make_project(base / "project")
    with network_blocked():
        result = build(project, SMALL_CAMPAIGN + PRESS, base / "out")
    [poster] = result.results
    assert poster.ok, poster.error
    return result, result.folder / poster.file


@pytest.fixture(scope="module")
def press_pdf(press_build) -> Path:
    return press_build[1]


# --- the sheet: boxes and marks ------------------------------------------------------------


def test_press_boxes_exact_trim_3_mm_bleed_and_a_sheet_for_the_marks(press_pdf):
    with pikepdf.open(press_pdf) as pdf:
        [page] = pdf.pages
        trim, bleed, media = (points(page.obj[k]) for k in ("/TrimBox", "/BleedBox", "/MediaBox"))
    width, height = (v * PT_PER_MM for v in (210, 297))
    assert trim[2] - trim[0] == pytest.approx(width, abs=0.01)
    assert trim[3] - trim[1] == pytest.approx(height, abs=0.01)
    margin = SHEET_MARGIN_MM * PT_PER_MM
    assert media == pytest.approx([0, 0, width + 2 * margin, height + 2 * margin], abs=0.01)
    assert trim[:2] == pytest.approx([margin, margin], abs=0.01)
    bleed_pt = BLEED_MM * PT_PER_MM
    expected = [trim[0] - bleed_pt, trim[1] - bleed_pt, trim[2] + bleed_pt, trim[3] + bleed_pt]
    assert bleed == pytest.approx(expected, abs=0.01)


def ink(picture, x: int, y: int) -> bool:
    return min(picture.getpixel((x, y))) < 200


def test_rasterised_marks_lie_outside_the_bleed_on_the_trim_lines(press_pdf):
    """At 300 dpi: each corner has its two marks on the lines of the trim, starting
    outside the bleed; the artwork stops at the bleed; nothing else is outside it."""
    dpi = 300
    scale = dpi / 72
    document = pypdfium2.PdfDocument(press_pdf)
    try:
        page = document[0]
        picture = page.render(scale=scale).to_pil().convert("RGB")
        media_top = page.get_mediabox()[3]
        trim = page.get_trimbox()
    finally:
        document.close()

    def px(mm: float) -> int:
        return round(mm * PT_PER_MM * scale)

    left, right = round(trim[0] * scale), round(trim[2] * scale)
    top, bottom = round((media_top - trim[3]) * scale), round((media_top - trim[1]) * scale)
    start, end = px(MARK_OFFSET_MM), px(MARK_OFFSET_MM + MARK_LENGTH_MM)
    for x, sx in ((left, -1), (right, 1)):
        for y, sy in ((top, -1), (bottom, 1)):
            along = range(start + 2, end - 2)
            assert all(ink(picture, x, y + sy * d) for d in along), (x, y, "vertical mark")
            assert all(ink(picture, x + sx * d, y) for d in along), (x, y, "horizontal mark")
            gap = range(px(BLEED_MM) + 2, start - 2)  # between the bleed's edge and the mark
            assert gap and not any(ink(picture, x, y + sy * d) for d in gap)
            assert not any(ink(picture, x + sx * d, y) for d in gap)
    # The headline band runs into the bleed at the top and stops at its edge.
    assert ink(picture, left + px(20), top - px(BLEED_MM) + 2)
    assert not ink(picture, left + px(20), top - px(BLEED_MM) - 3)


def test_text_lies_inside_the_trim(press_pdf):
    boxed, outside = chars_outside_trim(press_pdf)
    assert boxed > 100 and outside == 0


# --- colour, fonts, output intent, identification -------------------------------------------


def test_press_pdf_has_no_rgb_and_prints_the_palette_in_cmyk(press_pdf):
    with pikepdf.open(press_pdf) as pdf:
        operations = list(all_content(pdf))
        operators = {op for op, _ in operations}
        assert not operators & {"rg", "RG"}, "RGB colour operators in press output"
        for page in pdf.pages:
            for xobject in page.obj.Resources.get("/XObject", {}).values():
                group = xobject.get("/Group")
                if group is not None:
                    assert group.get("/CS") == "/DeviceCMYK"
        spaces = {str(v[0]) for v in pdf.pages[0].obj.Resources.ColorSpace.values()}
        assert spaces == {"/Separation"}  # the registration colour of the marks; no Lab left
    colours = {tuple(operands) for op, operands in operations if op in ("scn", "k")}
    assert (0.1, 1.0, 1.0, 0.4) in colours  # --colour-warning, the headline band
    assert (1.0, 0.8, 0.3, 0.5) in colours  # --colour-ink, text and the hotline band
    assert (0.0, 0.18, 0.8, 0.0) in colours  # --colour-highlight, the number


def test_every_font_is_embedded(press_pdf):
    with pikepdf.open(press_pdf) as pdf:
        descriptors = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
        ]
        assert descriptors
        for descriptor in descriptors:
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_output_intent_embeds_the_named_cmyk_icc_profile(press_pdf):
    icc = find_icc("default_cmyk.icc", PROJECT)
    with pikepdf.open(press_pdf) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4
        assert profile.read_bytes() == icc.path.read_bytes()
        assert str(intent.OutputCondition) == icc.description


def test_pdf_x4_identification_dates_and_ids(press_pdf):
    with pikepdf.open(press_pdf) as pdf:
        assert pdf.pdf_version == "1.6"
        info = pdf.docinfo
        assert str(info.GTS_PDFXVersion) == "PDF/X-4"
        assert str(info.CreationDate) == str(info.ModDate) == "D:20261123000000Z"
        assert info.Trapped == "/False"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert "<xmp:CreateDate>2026-11-23T00:00:00Z</xmp:CreateDate>" in xmp
        assert re.search(r"<xmpMM:DocumentID>uuid:[0-9a-f-]{36}</xmpMM:DocumentID>", xmp)
        assert "Small test campaign" in xmp
        first, second = pdf.trailer.ID
        assert bytes(first) == bytes(second) and len(bytes(first)) == 16


def test_manifest_records_profile_and_a_passing_preflight(press_build):
    result, _ = press_build
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["posters"]
    assert entry["profile"] == "press"
    report = entry["preflight"]
    assert report["ok"] is True and report["profile"] == "press"
    assert report["checks"]["output intent"]["status"] == "ok"
    assert report["checks"]["crop marks"]["status"] == "ok"
    assert report["checks"]["colour"]["summary"] == "CMYK, Separation"
    assert report["measures"]["smallest text mm"] >= PaperFormat("A4", "portrait").min_font_size_mm(
        "label"
    )
    assert result.print_setup.profile.is_press


# --- reproducible -----------------------------------------------------------------------


def test_two_builds_give_identical_bytes_and_a_new_date_changes_them(press_build, tmp_path):
    _, first = press_build
    project = make_project(tmp_path / "project")
    again = build(project, SMALL_CAMPAIGN + PRESS, tmp_path / "again")
    second = again.folder / again.results[0].file
    assert second.read_bytes() == first.read_bytes()

    later = build(
        project, SMALL_CAMPAIGN + PRESS.replace("2026-11-23", "2027-01-05"), tmp_path / "later"
    )
    third = (later.folder / later.results[0].file).read_bytes()
    assert third != first.read_bytes()
    with pikepdf.open(io.BytesIO(third)) as pdf, pikepdf.open(first) as old:
        assert str(pdf.docinfo.CreationDate) == "D:20270105000000Z"
        new_id = re.search(r"DocumentID>([^<]+)<", pdf.Root.Metadata.read_bytes().decode())
        old_id = re.search(r"DocumentID>([^<]+)<", old.Root.Metadata.read_bytes().decode())
        assert new_id.group(1) != old_id.group(1)


def test_source_date_epoch_dates_a_campaign_without_a_date(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21 14:13:20 UTC
    text = (
        SMALL_CAMPAIGN
        + "print: {profile: press, icc: default_cmyk.icc, allow_placeholders: true}\n"
    )
    result = build(project, text, tmp_path / "out")
    with pikepdf.open(result.folder / result.results[0].file) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20260921141320Z"


def test_input_hash_covers_profile_and_icc_digest(project):
    path = project / "campaigns" / "press.yaml"
    path.write_text(SMALL_CAMPAIGN + PRESS, encoding="utf-8")
    campaign = load_campaign(path, project).campaign
    [job] = plan(campaign)
    templates = templates_digest(project)
    press = resolve_print(campaign, project)
    digital = resolve_print(campaign, project, "digital")
    keys = {job_key(job, campaign, project, templates, s.key()) for s in (press, digital)}
    assert len(keys) == 2
    assert press.key()["icc"] == find_icc("default_cmyk.icc", project).sha256


# --- the sample campaign and the other profiles ---------------------------------------------


def test_sample_campaign_builds_press_by_default_and_passes_preflight(tmp_path):
    loaded = load_campaign(PROJECT / "campaigns" / "laos-border-crossings.yaml", PROJECT)
    result = build_campaign(loaded, PROJECT, tmp_path, only=[SAMPLE_POSTER], jobs=1)
    [poster] = result.results
    assert poster.ok, poster.error
    assert poster.profile == "press" and poster.preflight.ok, poster.preflight
    assert not [w for w in poster.warnings if w.startswith(("colour", "crop marks", "contrast:"))]
    with pikepdf.open(result.folder / poster.file) as pdf:
        assert len(pdf.pages) == 1
        trim = points(pdf.pages[0].obj.TrimBox)
        assert (trim[2] - trim[0]) / PT_PER_MM == pytest.approx(420, abs=0.01)
        assert (trim[3] - trim[1]) / PT_PER_MM == pytest.approx(297, abs=0.01)
        assert "/OutputIntents" in pdf.Root
        assert not {op for op, _ in all_content(pdf)} & {"rg", "RG"}


def test_profile_override_digital_is_rgb_without_marks_or_intent(project, tmp_path):
    result = build(project, SMALL_CAMPAIGN + PRESS, tmp_path / "out", profile="digital")
    [poster] = result.results
    assert poster.ok and poster.profile == "digital"
    with pikepdf.open(result.folder / poster.file) as pdf:
        page = pdf.pages[0].obj
        trim, media = points(page.TrimBox), points(page.MediaBox)
        assert trim[0] - media[0] == pytest.approx(BLEED_MM * PT_PER_MM, abs=0.01)  # no marks
        assert "/OutputIntents" not in pdf.Root
        assert "/GTS_PDFXVersion" not in pdf.docinfo
        assert "rg" in {op for op, _ in all_content(pdf)}  # sRGB colours
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posters"][0]["profile"] == "digital"


def test_press_x1a_is_pdf_14_without_transparency(project, tmp_path):
    text = SMALL_CAMPAIGN + PRESS.replace("profile: press", "profile: press-x1a")
    # A draft's DRAFT mark is translucent, which PDF/X-1a forbids: refused, saying why.
    [draft] = build(project, text, tmp_path / "draft").results
    assert draft.refused and "the DRAFT mark is translucent" in draft.error
    path = project / "campaigns" / "press.yaml"
    review_campaign(path, project)
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    [poster] = result.results
    assert poster.ok, poster.error
    with pikepdf.open(result.folder / poster.file) as pdf:
        assert pdf.pdf_version == "1.4"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-1a:2003"
        for page in pdf.pages:
            assert "/Group" not in page.obj
            for xobject in page.obj.Resources.get("/XObject", {}).values():
                assert "/Group" not in xobject and "/SMask" not in xobject
        assert not {op for op, _ in all_content(pdf)} & {"rg", "RG"}


# --- every page of a multi-page PDF -------------------------------------------------------

TWO_PAGES = """<!DOCTYPE html><html><head><title>Two sides</title><style>
@page { size: 148mm 210mm; bleed: 3mm; margin: 0 }
body { margin: 0; font-family: "Noto Sans"; }
section { height: 210mm; page-break-after: always; position: relative; }
.band { position: absolute; left: -3mm; top: -3mm; width: 154mm; height: 40mm; }
p { position: absolute; left: 15mm; top: 60mm; font-size: 8mm; margin: 0; }
</style></head><body>
<section><div class="band" style="background: #8e1b1b"></div><p style="color: #1d2b4f">Front side</p></section>
<section><div class="band" style="background: #1d2b4f"></div><p style="color: #8e1b1b">Back side</p></section>
</body></html>"""


def test_marks_boxes_and_preflight_on_every_page_of_a_two_sided_pdf(project):
    path = project / "campaigns" / "press.yaml"
    path.write_text(SMALL_CAMPAIGN + PRESS, encoding="utf-8")
    setup = resolve_print(load_campaign(path, project).campaign, project)
    paper = PaperFormat("A5", "portrait")
    import weasyprint  # after generator.typeset.pdf, which points fontconfig at the project's fonts

    rendered = weasyprint.HTML(string=TWO_PAGES).render(font_config=font_config()).write_pdf()
    prepared = prepress(rendered, paper, setup).pdf
    with pikepdf.open(io.BytesIO(prepared)) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            trim = points(page.obj.TrimBox)
            assert (trim[2] - trim[0]) / PT_PER_MM == pytest.approx(148, abs=0.01)
            assert trim[0] == pytest.approx(SHEET_MARGIN_MM * PT_PER_MM, abs=0.01)
        assert not {op for op, _ in all_content(pdf)} & {"rg", "RG"}
    report = preflight(prepared, paper, expected_pages=2, profile=setup.profile)
    assert report.ok, report.errors
    assert report.checks["crop marks"].status == "ok"
    # The same file checked against the wrong page count, and unprepared: errors per page.
    assert not preflight(prepared, paper, expected_pages=1, profile=setup.profile).ok
    raw = preflight(rendered, paper, expected_pages=2, profile=PROFILES["press"])
    assert any(e.startswith("colour: page 1:") for e in raw.errors)
    assert any(e.startswith("colour: page 2:") for e in raw.errors)
    assert any(e.startswith("crop marks: page 2:") for e in raw.errors)


def test_poppler_reads_the_same_boxes_and_embedded_fonts(press_pdf):
    """A second, independent reader (poppler-utils, as print shops' tools use)."""
    info = subprocess.run(
        ["pdfinfo", "-box", str(press_pdf)], capture_output=True, text=True, check=True
    )
    boxes = {
        name: [float(v) for v in values.split()]
        for name, values in re.findall(r"^(\w+Box):\s+(.*)$", info.stdout, re.M)
    }
    margin, bleed = SHEET_MARGIN_MM * PT_PER_MM, BLEED_MM * PT_PER_MM
    width, height = 210 * PT_PER_MM, 297 * PT_PER_MM
    assert boxes["TrimBox"] == pytest.approx(
        [margin, margin, margin + width, margin + height], abs=0.01
    )
    assert boxes["BleedBox"][0] == pytest.approx(margin - bleed, abs=0.01)
    fonts = subprocess.run(["pdffonts", str(press_pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts.stdout  # emb column
