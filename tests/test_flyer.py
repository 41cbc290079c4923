"""The two-sided flyer: two pages, front then back, each with its trim and bleed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pypdfium2
import pytest

from conftest import (
    SMALL_TOURIST_CAMPAIGN,
    TOURIST_SAMPLE,
    chars_outside_trim,
    squeeze,
)
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.output.files import read_manifest
from generator.output.print_order import read_order_sheet
from generator.output.proofs import ORDER_SHEET, PROOF_SHEET, preview_paths
from generator.planning.formats import BLEED_MM, PT_PER_MM, PaperFormat
from generator.preflight import extract_text, preflight
from generator.prepress.profiles import PROFILES
from generator.render.templating import TemplateMetadataError, template_pages

FLYERS = {
    "vientiane-en_flyer_A5_lo-en_DRAFT.pdf": "A5",
    "vientiane-en_flyer_DL_lo-en_DRAFT.pdf": "DL",
}


@pytest.fixture(scope="module")
def flyers(tourist_build) -> dict[str, Path]:
    _, result = tourist_build
    failed = {r.job.name: r.error for r in result.results if not r.ok}
    assert not failed, failed
    return {name: result.folder / name for name in FLYERS}


def test_a_flyer_is_one_two_page_pdf(flyers):
    for name, path in flyers.items():
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) == 2, name


def test_front_comes_first_then_the_back(flyers):
    campaign = load_campaign(TOURIST_SAMPLE).campaign
    headline = campaign.message("headline")
    for name, path in flyers.items():
        front, back = (squeeze(text) for text in extract_text(path.read_bytes()))
        # The front catches the eye: headline, subheadline, "see the back".
        assert squeeze(headline["en"]) in front and squeeze(headline["lo"]) in front, name
        assert squeeze(campaign.message("turn-over")["en"]) in front
        assert "1191" not in front
        # The back: warning signs, what to do, the numbers.
        assert squeeze(campaign.message("warning-signs")["en"]) in back, name
        assert squeeze(campaign.message("what-to-do")["en"]) in back
        assert squeeze(campaign.message("sign-photos")["lo"]) in back
        for number in ("1191", "1362", "1554", "021251128"):
            assert number in back, (name, number)
        assert squeeze(headline["en"]) not in back
        assert back.index(squeeze(campaign.message("warning-signs")["en"])) < back.index(
            squeeze(campaign.message("what-to-do")["en"])
        )


@pytest.mark.parametrize("page_index", [0, 1])
def test_each_page_has_its_trim_and_3_mm_bleed(flyers, page_index):
    for name, path in flyers.items():
        width, height = PaperFormat(FLYERS[name], "portrait").trim_mm
        with pikepdf.open(path) as pdf:
            page = pdf.pages[page_index]
            trim = [float(v) for v in page.obj["/TrimBox"]]
            bleed = [float(v) for v in page.obj["/BleedBox"]]
            media = [float(v) for v in page.obj["/MediaBox"]]
        assert (trim[2] - trim[0]) / PT_PER_MM == pytest.approx(width, abs=0.1), name
        assert (trim[3] - trim[1]) / PT_PER_MM == pytest.approx(height, abs=0.1), name
        margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        for margin in margins:
            assert margin / PT_PER_MM == pytest.approx(BLEED_MM, abs=0.05), (name, margins)
        assert media[2] - media[0] >= bleed[2] - bleed[0]


def _left_bleed_coverage(path: Path, page_index: int) -> float:
    """Share of the left bleed's height (its outer 2 mm) that is printed, not blank paper."""
    document = pypdfium2.PdfDocument(path)
    try:
        page = document[page_index]
        scale = 100 / 72
        image = page.render(scale=scale, crop=(0, 0, 0, 0)).to_pil().convert("L")
        left, bottom, _, top = page.get_mediabox()
        media_h = top - bottom
        trim_left = page.get_trimbox()[0] - left
    finally:
        document.close()
    column = round((trim_left - 2 * PT_PER_MM) * scale)
    values = [image.getpixel((column, y)) for y in range(round(media_h * scale))]
    return sum(1 for value in values if value < 235) / len(values)


def test_artwork_runs_into_the_bleed_on_both_sides(flyers):
    for name, path in flyers.items():
        # Front: illustration, headline band and strip reach the edge almost everywhere.
        assert _left_bleed_coverage(path, 0) > 0.7, name
        # Back: the hotline band reaches the edge.
        assert _left_bleed_coverage(path, 1) > 0.1, name


@pytest.mark.parametrize("page_index", [0, 1])
def test_no_character_outside_the_trim_on_either_side(flyers, page_index):
    for name, path in flyers.items():
        boxed, outside = chars_outside_trim(path, page_index)
        assert boxed > 40 and outside == 0, (name, boxed, outside)


def test_manifest_previews_and_print_order_know_the_two_sides(flyers, tourist_build):
    _, result = tourist_build
    folder = result.folder
    entries = {e.file: e for e in read_manifest(folder).posters}
    for name in FLYERS:
        assert entries[name].pages == 2
        front, back = preview_paths(folder, name, 2)
        assert front.is_file() and back.is_file()
        assert back.name.endswith("-p2.png")
        assert front.read_bytes() != back.read_bytes()
    finals, drafts = read_order_sheet(folder / ORDER_SHEET)
    rows = {row["file"]: row for row in finals + drafts}
    for name in FLYERS:
        assert rows[name]["sides"] == "2"
    assert all(row["sides"] == "1" for row in rows.values() if "_tourist-poster_" in row["file"])


def test_proof_sheet_marks_the_flyers_two_sided(tourist_build):
    _, result = tourist_build
    text = "".join(extract_text((result.folder / PROOF_SHEET).read_bytes()))
    assert text.count("two-sided") == len(FLYERS)


def test_preflight_checks_the_page_count(flyers):
    path = flyers["vientiane-en_flyer_DL_lo-en_DRAFT.pdf"]
    paper = PaperFormat("DL", "portrait")
    press = PROFILES["press"]  # the sample builds for print
    assert preflight(path.read_bytes(), paper, expected_pages=2, profile=press).ok
    report = preflight(path.read_bytes(), paper, expected_pages=1, profile=press)
    assert "pages: 2 pages, expected 1" in report.errors


def test_template_metadata_gives_the_page_count(project):
    assert template_pages(project, "flyer") == 2
    assert template_pages(project, "tourist-poster") == 1
    assert template_pages(project, "border-sign") == 1  # no template.toml
    meta = project / "templates" / "flyer" / "template.toml"
    for text in ("pages = 0\n", "pages = 'two'\n", "pages = true\n", "pages = [\n"):
        meta.write_text(text, encoding="utf-8")
        with pytest.raises(TemplateMetadataError, match=r"templates/flyer/template\.toml"):
            template_pages(project, "flyer")


def test_a_layout_with_another_page_count_fails_that_flyer_alone(project, tmp_path):
    shutil.copyfile(TOURIST_SAMPLE, project / "campaigns" / TOURIST_SAMPLE.name)
    (project / "templates" / "flyer" / "template.toml").write_text("pages = 3\n")
    loaded = load_campaign(project / "campaigns" / TOURIST_SAMPLE.name, project)
    only = ["thakhek-en_flyer_DL_lo-en", "thakhek-en_tourist-poster_A3_lo-en"]
    result = build_campaign(loaded, project, tmp_path / "out", only=only, jobs=1)
    outcome = {r.job.name.removesuffix("_DRAFT"): r for r in result.results}
    flyer = outcome["thakhek-en_flyer_DL_lo-en"]
    assert not flyer.ok
    assert "2 pages instead of 3" in flyer.error
    assert outcome["thakhek-en_tourist-poster_A3_lo-en"].ok
    assert not (result.folder / "thakhek-en_flyer_DL_lo-en_DRAFT.pdf").exists()


@pytest.mark.parametrize("template", ["flyer", "tourist-poster"])
def test_the_templates_do_without_their_optional_parts(project, tmp_path, template):
    # No QR code, illustration, subheadline, group headings or turn-over text.
    text = SMALL_TOURIST_CAMPAIGN.replace("    qr: {contact: la-1191, caption: scan}\n", "")
    text = text.replace("template: tourist-poster", f"template: {template}")
    text = text.replace("{size: A3, quantity: 1}", "{size: A5, quantity: 1}")
    assert "qr:" not in text and "illustration" not in text and "A5" in text
    path = project / "campaigns" / "bare.yaml"
    path.write_text(text, encoding="utf-8")
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    [poster] = result.results
    assert poster.ok, poster.error
    assert poster.pages == (2 if template == "flyer" else 1)
    pages = extract_text((result.folder / poster.file).read_bytes())
    assert "1191" in squeeze(pages[-1])
