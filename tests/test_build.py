"""A real build, checked by opening the PDFs it writes (pikepdf and pypdfium2)."""

from __future__ import annotations

import ctypes
import hashlib
import json
import re
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_raw
import pytest

from conftest import (
    BAD_PLACEMENT,
    PROJECT,
    SMALL_CAMPAIGN,
    chars_outside_trim,
    font_descriptors,
    font_families,
    make_project,
    network_blocked,
    poster_pdfs,
    squeeze,
)
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.planning.formats import PT_PER_MM
from generator.planning.plan import plan
from generator.preflight import extract_text

HEADLINE_LO = "ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ"
HEADLINE_EN = "Working abroad? Stay safe"
HEADLINE_TH = "ไปทำงานต่างประเทศ ไปอย่างปลอดภัย"

GOOD_PLACEMENT = """\
  - id: other-crossing
    name: {lo: ດ່ານອື່ນ, en: Other crossing}
    design: border-sign
    languages: [lo, en]
    formats:
      - {size: A5, quantity: 2}
"""


def mm(points: float) -> float:
    return points / PT_PER_MM


def write_campaign(project: Path, name: str, text: str) -> Path:
    path = project / "campaigns" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """The small campaign, built once for the tests of this module that only read it."""
    base = tmp_path_factory.mktemp("small-build")
    project = make_project(base / "project")
    path = write_campaign(project, "small", SMALL_CAMPAIGN)
    with network_blocked():
        result = build_campaign(load_campaign(path, project), project, base / "output", jobs=1)
    assert len(result.results) == 1
    poster = result.results[0]
    assert poster.ok, poster.error
    return base / "output", result, poster


@pytest.fixture(scope="module")
def small_pdf(small_build) -> Path:
    output, _, poster = small_build
    return output / "small-test" / poster.file


# --- the small campaign's PDF --------------------------------------------------------


def test_build_writes_the_named_pdf(small_build, small_pdf):
    _, result, poster = small_build
    assert result.campaign_id == "small-test"
    assert poster.file == "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"
    assert small_pdf.is_file()
    assert small_pdf.read_bytes().startswith(b"%PDF-")
    assert poster.pages == 1
    assert not list(small_pdf.parent.glob("*.part"))


def test_pdf_has_one_page_and_a4_trim_with_3_mm_bleed(small_pdf):
    with pikepdf.open(small_pdf) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0].obj
        trim = [float(v) for v in page["/TrimBox"]]
        assert mm(trim[2] - trim[0]) == pytest.approx(210, abs=0.2)
        assert mm(trim[3] - trim[1]) == pytest.approx(297, abs=0.2)
        for name in ("/BleedBox", "/MediaBox"):
            box = [float(v) for v in page[name]]
            margins = (trim[0] - box[0], trim[1] - box[1], box[2] - trim[2], box[3] - trim[3])
            for margin in margins:
                assert mm(margin) == pytest.approx(3, abs=0.2), (name, margins)


def test_every_font_is_embedded_and_lao_is_among_them(small_pdf):
    with pikepdf.open(small_pdf) as pdf:
        descriptors = font_descriptors(pdf)
        assert descriptors
        names = []
        for descriptor in descriptors:
            name = str(descriptor.get("/FontName"))
            names.append(name)
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{name} is not embedded"
            )
        assert any("Lao" in name for name in names), names


def test_text_layer_has_both_headlines_and_the_hotline(small_pdf):
    pages = extract_text(small_pdf.read_bytes())
    assert len(pages) == 1
    text = squeeze(pages[0])
    assert squeeze(HEADLINE_LO) in text
    assert squeeze(HEADLINE_EN) in text
    assert "1554" in text
    for message in ("Know your employer", "Get a written contract", "Keep your passport with you"):
        assert squeeze(message) in text
    assert squeeze("Test crossing") in text  # the placement's name


def test_every_character_lies_inside_the_trim(small_pdf):
    boxed, outside = chars_outside_trim(small_pdf)
    assert boxed > 100
    assert outside == 0


def test_manifest_lists_the_poster(small_build, small_pdf):
    output, _, poster = small_build
    manifest = json.loads((output / "small-test" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["campaign"] == "small-test"
    assert manifest["source"] == "small.yaml"
    assert manifest["draft"] is True  # no review: translations are drafts
    assert len(manifest["posters"]) == 1
    entry = manifest["posters"][0]
    assert entry["file"] == small_pdf.name
    assert entry["placement"] == "test-crossing"
    assert entry["design"] == "border-sign"
    assert entry["format"] == "A4"
    assert entry["languages"] == ["lo", "en"]
    assert entry["quantity"] == 3
    assert entry["pages"] == 1
    assert entry["sha256"] == hashlib.sha256(small_pdf.read_bytes()).hexdigest()
    assert entry["sha256"] == poster.sha256
    assert entry["preflight"]["ok"] is True


def fonts_drawing(pdf: Path, needle: str) -> set[str]:
    """The names of the fonts that draw the characters of ``needle`` in the text layer."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        start = text.index(needle)
        buffer = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        found = set()
        for index in range(start, start + len(needle)):
            if text[index].isspace():
                continue
            pdfium_raw.FPDFText_GetFontInfo(textpage.raw, index, buffer, 256, ctypes.byref(flags))
            found.add(buffer.value.decode(errors="replace").split("+", 1)[-1])
        return found
    finally:
        document.close()


def test_texts_are_set_in_their_languages_declared_fonts(small_build, small_pdf):
    """Each language's declared font stack reaches the renderer: no fallback font.

    (Regression: the language CSS was once autoescaped inside <style>, the stacks
    were dropped, and fontconfig's fallback, Noto Sans CJK JP, set the Latin text.)
    """
    english = fonts_drawing(small_pdf, "Know your employer")
    assert english and all(re.fullmatch(r"Noto-Sans(-Bold)?", name) for name in english), english
    lao = fonts_drawing(small_pdf, "ດ່ານທົດລອງ")  # the place name, in the footer
    assert lao and all(name.startswith("Noto-Sans-Lao") for name in lao), lao
    _, _, poster = small_build
    fonts = poster.preflight.fonts
    assert all(name.startswith("Noto-Sans") for name in fonts), fonts
    assert not any("CJK" in name for name in fonts), fonts


# --- a landscape A3 in Lao and Thai ----------------------------------------------------


def test_lao_thai_a3_landscape_variant(project, tmp_path):
    text = SMALL_CAMPAIGN.replace("languages: [lo, en]", "languages: [lo, th]").replace(
        "- {size: A4, quantity: 3}", "- {size: A3, orientation: landscape, quantity: 2}"
    )
    assert text != SMALL_CAMPAIGN
    path = write_campaign(project, "landscape", text)
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    [poster] = result.results
    assert poster.ok, poster.error
    assert poster.file == "test-crossing_border-sign_A3-landscape_lo-th_DRAFT.pdf"
    pdf_path = result.folder / poster.file
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 1
        trim = [float(v) for v in pdf.pages[0].obj["/TrimBox"]]
        assert mm(trim[2] - trim[0]) == pytest.approx(420, abs=0.2)
        assert mm(trim[3] - trim[1]) == pytest.approx(297, abs=0.2)
    text_layer = extract_text(pdf_path.read_bytes())[0]
    assert squeeze(HEADLINE_LO) in squeeze(text_layer)
    assert sum("\u0e00" <= c <= "\u0e7f" for c in text_layer) >= 50  # Thai
    assert "Working abroad" not in text_layer  # no English text on a Lao-Thai sign
    boxed, outside = chars_outside_trim(pdf_path)
    assert boxed > 100 and outside == 0
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["posters"]
    assert entry["format"] == "A3-landscape"
    assert entry["languages"] == ["lo", "th"]
    assert entry["quantity"] == 2


# --- one bad poster does not stop the others -----------------------------------------


def test_one_bad_poster_does_not_stop_the_others(project, tmp_path):
    path = write_campaign(project, "mixed", SMALL_CAMPAIGN + BAD_PLACEMENT)
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)

    assert len(result.results) == 2
    good = [r for r in result.results if r.ok]
    assert result.failed == [r for r in result.results if not r.ok]
    assert len(good) == 1 and len(result.failed) == 1
    [bad] = result.failed
    assert good[0].job.placement_id == "test-crossing"
    assert bad.job.placement_id == "bad-crossing"
    assert "bad-crossing" in bad.error and "'lo'" in bad.error
    assert "U+10D0" in bad.error
    assert bad.file is None and bad.detail is None  # an expected failure, not a crash

    assert (result.folder / good[0].file).is_file()
    assert poster_pdfs(result.folder) == [good[0].file]
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["file"] for entry in manifest["posters"]] == [good[0].file]


WORDY_DESIGN = """\
  - id: wordy
    template: border-sign
    headline: headline
    messages:
      - {text: wordy}
      - {text: wordy}
      - {text: wordy}
    call_to_action: call
    contacts: [la-1554]
"""


def test_a_poster_too_long_for_its_format_fails_alone(project, tmp_path):
    """A placement whose design has a message far too long fails; the other builds."""
    wordy = " ".join(["Keep your passport with you and tell your family where you go."] * 30)
    message = f"  wordy: {{lo: ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ, en: {json.dumps(wordy)}}}\n"
    text = SMALL_CAMPAIGN.replace("\ncontacts:\n", "\n" + message + "contacts:\n", 1)
    text = text.replace("\nplacements:\n", "\n" + WORDY_DESIGN + "placements:\n", 1)
    text += GOOD_PLACEMENT.replace("other-crossing", "wordy-crossing").replace(
        "design: border-sign", "design: wordy"
    )
    path = write_campaign(project, "wordy", text)
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)

    by_place = {r.job.placement_id: r for r in result.results}
    assert set(by_place) == {"test-crossing", "wordy-crossing"}
    assert by_place["test-crossing"].ok, by_place["test-crossing"].error
    failed = by_place["wordy-crossing"]
    assert not failed.ok
    assert "'wordy'" in failed.error and "('en')" in failed.error and "floor" in failed.error
    assert poster_pdfs(result.folder) == [by_place["test-crossing"].file]
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["placement"] for e in manifest["posters"]] == ["test-crossing"]


def test_partial_rebuild_keeps_earlier_posters_in_the_manifest(project, tmp_path):
    path = write_campaign(project, "two", SMALL_CAMPAIGN + GOOD_PLACEMENT)
    loaded = load_campaign(path, project)
    out = tmp_path / "out"
    first = build_campaign(loaded, project, out, jobs=1)
    assert [r.ok for r in first.results] == [True, True]

    again = build_campaign(loaded, project, out, only=["other-crossing"], jobs=1)
    assert [r.job.placement_id for r in again.results] == ["other-crossing"]
    manifest = json.loads((again.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["placement"] for e in manifest["posters"]] == ["test-crossing", "other-crossing"]
    for entry in manifest["posters"]:
        data = (again.folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


# --- the sample campaign: one placement per neighbouring language ------------------------

SAMPLE_PLACEMENTS = {
    "vientiane-nong-khai": "th",
    "xieng-kok-kenglap": "my",
    "boten-mohan": "zh-Hans",
    "nong-nok-khiene-trapeang-kriel": "km",
    "dansavanh-lao-bao": "vi",
}
SCRIPT_TESTS = {
    "lo": lambda c: "\u0e80" <= c <= "\u0eff",
    "th": lambda c: "\u0e00" <= c <= "\u0e7f",
    "my": lambda c: "\u1000" <= c <= "\u109f",
    "km": lambda c: "\u1780" <= c <= "\u17ff",
    "zh-Hans": lambda c: "\u4e00" <= c <= "\u9fff",
    "vi": lambda c: c in "ươđƯƠĐ",
}


# The font family each second language is set in (besides Noto Sans and Noto Sans Lao).
SECOND_FONT = {
    "th": "Noto-Sans-Thai",
    "my": "Noto-Sans-Myanmar",
    "km": "Noto-Sans-Khmer",
    "zh-Hans": "Noto-Sans-CJK-SC",
    "vi": None,
}


def script_counts(text: str) -> dict[str, int]:
    return {lang: sum(map(test, text)) for lang, test in SCRIPT_TESTS.items()}


def test_sample_campaign_builds_in_every_language_pair(tmp_path):
    loaded = load_campaign(PROJECT / "campaigns" / "laos-border-crossings.yaml", PROJECT)
    # The signs (the cards of two of these placements: tests/test_social.py)
    only = [f"{placement}_border-sign_*" for placement in SAMPLE_PLACEMENTS]
    planned = plan(loaded.campaign, only)
    assert {job.placement_id for job in planned} == set(SAMPLE_PLACEMENTS)

    result = build_campaign(loaded, PROJECT, tmp_path, only=only, jobs=2)

    assert len(result.results) == len(planned)
    assert not result.failed, [(r.job.name, r.error) for r in result.failed]
    assert result.folder == tmp_path / "laos-border-crossings"
    for poster in result.results:
        pdf = result.folder / poster.file
        first, second = poster.job.languages
        assert (first, second) == ("lo", SAMPLE_PLACEMENTS[poster.job.placement_id])
        [text] = extract_text(pdf.read_bytes())
        counts = script_counts(text)
        assert counts["lo"] >= 20, (poster.file, counts)
        assert counts[second] >= (5 if second == "vi" else 20), (poster.file, counts)
        others = {lang: n for lang, n in counts.items() if lang not in ("lo", second)}
        assert not any(others.values()), (poster.file, others)
        boxed, outside = chars_outside_trim(pdf)
        assert boxed > 100 and outside == 0, poster.file
        expected = {"Noto-Sans", "Noto-Sans-Lao"} | ({SECOND_FONT[second]} - {None})
        assert font_families(pdf) == expected, poster.file

    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["file"] for e in manifest["posters"]) == sorted(r.file for r in result.results)
    for entry in manifest["posters"]:
        data = (result.folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["pages"] == 1
