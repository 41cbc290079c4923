"""Overflow handling: texts reflow, then shrink in a fixed order, down to a legible floor.

Every test here builds a real poster and reads the PDF back; nothing is mocked
except, in one control test, the line-break insertion whose effect is tested.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_raw
import pytest

from conftest import (
    SMALL_CAMPAIGN,
    chars_outside_trim,
    poster_pdfs,
    squeeze,
)
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.planning.formats import (
    CAP_HEIGHT_EM,
    FORMAT_NAMES,
    PHONE_READING_SHARE,
    PT_PER_MM,
    ROLE_READING_SHARE,
    VIEWING_DISTANCE_M,
    PaperFormat,
)
from generator.preflight import extract_text

CONTRACT_EN = "en: Get a written contract"
CONTRACT_LO = "lo: ເຮັດສັນຍາເປັນລາຍລັກອັກສອນ"
# One Lao sentence without a single space: "Make a written contract with the
# employer every time before travelling".
LAO_SENTENCE = "ເຮັດສັນຍາເປັນລາຍລັກອັກສອນກັບນາຍຈ້າງທຸກຄັ້ງກ່ອນເດີນທາງ"


def build_variant(project: Path, tmp_path: Path, name: str, replace: dict[str, str]):
    """Build the small campaign with some of its text replaced; return the one result."""
    text = SMALL_CAMPAIGN
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = project / "campaigns" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    assert len(result.results) == 1
    return result, result.results[0]


def quoted(text: str) -> str:
    """A YAML scalar for ``text``, safe inside a flow mapping (commas, colons)."""
    return json.dumps(text, ensure_ascii=False)


def font_size_mm_at(pdf: Path, needle: str) -> float:
    """The font size as printed, in mm, of the first character of ``needle``."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        assert len(text) == textpage.count_chars()  # string index == character index
        index = text.index(needle)
        matrix = pdfium_raw.FS_MATRIX()
        assert pdfium_raw.FPDFText_GetMatrix(textpage.raw, index, matrix)
        size = pdfium_raw.FPDFText_GetFontSize(textpage.raw, index)
        return size * abs(matrix.d) / PT_PER_MM
    finally:
        document.close()


def shrunk_texts(warnings: list[str]) -> set[str]:
    """The texts a build's warnings say were shrunk, as "'key' (lang)"."""
    return {w.split(" shrunk", 1)[0].removeprefix("text ") for w in warnings if "shrunk" in w}


# --- (a) a longer text reflows, and is printed whole --------------------------------


def test_a_message_three_times_as_long_reflows_and_is_printed_whole(project, tmp_path):
    long_text = " ".join(["Get a written contract before you travel"] * 3)
    result, poster = build_variant(
        project, tmp_path, "long", {CONTRACT_EN: f"en: {quoted(long_text)}"}
    )

    assert poster.ok, poster.error
    pdf = result.folder / poster.file
    text = squeeze(extract_text(pdf.read_bytes())[0])
    assert squeeze(long_text) in text
    assert squeeze("Keep your passport with you") in text
    boxed, outside = chars_outside_trim(pdf)
    assert boxed > 200 and outside == 0
    # It wraps onto more lines at a legible size: not shrunk on its own, and the
    # English messages keep one size.
    assert not [w for w in poster.warnings if "'contract'" in w], poster.warnings
    size = font_size_mm_at(pdf, "Get a written")
    assert size == pytest.approx(font_size_mm_at(pdf, "Know your employer"), abs=0.01)
    assert size >= PaperFormat("A4", "portrait").min_font_size_mm("message") - 0.01


# --- (b) a text far too long fails, saying by how much and where it fits ------------


LONG_PARAGRAPH_EN = (
    "Before you leave, ask to see a written contract in a language you read, "
    "keep your passport and papers with you at all times, tell your family where "
    "you are going and who your employer is, and call the hotline if anyone takes "
    "your documents, withholds your pay or stops you from leaving the place"
)
HOPELESS_EN = " ".join([LONG_PARAGRAPH_EN] * 6)  # near the 2000 characters a text may have
HOPELESS_LO = " ".join([LAO_SENTENCE] * 35)
# Two more messages almost as long make the poster hopeless at its floors.
LONG_EN = " ".join([LONG_PARAGRAPH_EN] * 4)
LONG_LO = " ".join([LAO_SENTENCE] * 20)
KEEP_EN, KEEP_LO = "en: Keep your passport with you", "lo: ເກັບໜັງສືຜ່ານແດນໄວ້ກັບຕົວເອງ"
EMPLOYER_EN, EMPLOYER_LO = "en: Know your employer", "lo: ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ"
HOPELESS = {
    "en": {
        CONTRACT_EN: f"en: {quoted(HOPELESS_EN)}",
        KEEP_EN: f"en: {quoted(LONG_EN)}",
        EMPLOYER_EN: f"en: {quoted(LONG_EN)}",
    },
    "lo": {
        CONTRACT_LO: f"lo: {quoted(HOPELESS_LO)}",
        KEEP_LO: f"lo: {quoted(LONG_LO)}",
        EMPLOYER_LO: f"lo: {quoted(LONG_LO)}",
    },
}


@pytest.mark.parametrize(("lang", "replace"), list(HOPELESS.items()))
def test_far_too_long_message_fails_with_the_cut_and_the_formats_tried(
    project, tmp_path, lang, replace
):
    result, poster = build_variant(project, tmp_path, f"too-long-{lang}", replace)

    assert not poster.ok
    assert poster.file is None
    error = poster.error
    assert "'contract'" in error
    assert f"('{lang}')" in error
    assert "A4" in error
    # The message gives the floor it could not go below ...
    floor = PaperFormat("A4", "portrait").min_font_size_mm("message")
    assert f"{floor:.1f} mm" in error and "floor" in error
    # ... how much too long the text is, computed ...
    cut = re.search(r"about (\d+) characters \((one line|\d+ lines)\) too long", error)
    assert cut, error
    assert 0 < int(cut.group(1)) < sum(map(len, replace.values()))
    # ... and what was tried: the formats of the design that hold it, or none.
    assert "(tried)" in error
    # The campaign file's line of the text.
    assert re.search(r"too-long-\w+\.yaml:\d+", error), error
    assert poster.reasons == {"fit": [error]}  # the build's summary says "a text does not fit"

    assert poster_pdfs(result.folder) == []
    assert not list(result.folder.glob("*.part"))
    manifest = (result.folder / "manifest.json").read_text(encoding="utf-8")
    assert '"posters": []' in manifest


def test_the_formats_named_as_holding_a_text_do_hold_it(project, tmp_path):
    """Five times the paragraph do not fit an A3 (read from 1.5 m, its floors are large
    for its size); the message names other formats, and the first of them, built, holds it."""
    from generator.planning.formats import PaperFormat as Paper

    text = " ".join([LONG_PARAGRAPH_EN] * 5)
    replace = {
        CONTRACT_EN: f"en: {quoted(text)}",
        "- {size: A4, quantity: 3}": "- {size: A3, quantity: 3}",
    }
    _, poster = build_variant(project, tmp_path / "a3", "a3", replace)
    assert not poster.ok
    named = re.search(r"It fits on (.*?) of this design \(tried\)", poster.error)
    assert named, poster.error
    labels = named.group(1).split(", ")
    assert labels and "A3" not in labels
    label = labels[0]
    name, _, orientation = label.partition("-")
    size = f"{{size: {name}, orientation: {orientation or 'portrait'}, quantity: 3}}"
    replace["- {size: A4, quantity: 3}"] = f"- {size}"
    _, held = build_variant(project, tmp_path / "held", "held", replace)
    assert held.ok, held.error
    assert held.job.format == Paper(name, orientation or "portrait")


# --- (c) the floor follows the viewing distance --------------------------------------


def test_floor_for_a1_headline_is_35_mm():
    # 25 mm capital height per 3 m; an A1 sign is read from 3 m; caps are 0.714 em.
    floor = PaperFormat("A1", "portrait").min_font_size_mm("headline")
    assert floor == pytest.approx(25 / 0.714, abs=0.05)
    assert floor == pytest.approx(35.0, abs=0.1)
    assert PaperFormat("A1", "landscape").min_font_size_mm("headline") == pytest.approx(floor)


@pytest.mark.parametrize("name", FORMAT_NAMES)
@pytest.mark.parametrize("role", sorted(ROLE_READING_SHARE))
def test_floor_scales_with_viewing_distance(name, role):
    a1 = PaperFormat("A1", "portrait").min_font_size_mm(role)
    paper = PaperFormat(name, "portrait")
    expected = a1 * VIEWING_DISTANCE_M[name] / VIEWING_DISTANCE_M["A1"]
    assert paper.min_font_size_mm(role) == pytest.approx(expected)
    # Cap height of the floor size: 25 mm per 3 m of the distance this role is read from.
    cap_mm = paper.min_font_size_mm(role) * CAP_HEIGHT_EM
    assert cap_mm == pytest.approx(25 / 3 * paper.viewing_distance_m * ROLE_READING_SHARE[role])
    # The layout sets a phone's small print as if read from no less than 0.3 of it.
    share = ROLE_READING_SHARE[role]
    layout_share = max(share, PHONE_READING_SHARE) if paper.is_pixel else share
    assert paper.layout_floor_mm(role) == pytest.approx(expected * layout_share / share)


def test_floor_order_of_sizes_and_roles():
    sizes = [PaperFormat(n, "portrait").min_font_size_mm("headline") for n in ("A1", "A2", "A3")]
    assert sizes == sorted(sizes, reverse=True)
    a4 = PaperFormat("A4", "portrait")
    assert a4.min_font_size_mm("headline") > a4.min_font_size_mm("number")
    assert a4.min_font_size_mm("headline") > a4.min_font_size_mm("message")
    assert a4.min_font_size_mm("message") > a4.min_font_size_mm("label")
    assert a4.min_font_size_mm("message") == pytest.approx(0.4 * a4.min_font_size_mm("headline"))


# --- (d) Lao without spaces wraps inside its box -------------------------------------


def lao_consonant_lines(pdf: Path, first_after: str, last_before: str) -> int:
    """How many lines the Lao consonants between two texts of the text layer sit on."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        start = text.index(first_after) + len(first_after)
        end = text.index(last_before, start)
        baselines: list[float] = []
        for index in range(start, end):
            if "\u0e81" <= text[index] <= "\u0eae":  # consonants sit on the baseline
                bottom = textpage.get_charbox(index)[1]
                if all(abs(bottom - seen) > 4 for seen in baselines):
                    baselines.append(bottom)
        return len(baselines)
    finally:
        document.close()


def gap_above_mm(pdf: Path, after: str, below: str) -> float:
    """Space between the lowest Lao glyph after ``after`` and the tallest glyph of ``below``."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        start = text.index(after) + len(after)
        end = text.index(below, start)
        lao_bottom = min(
            textpage.get_charbox(i)[1] for i in range(start, end) if "\u0e80" <= text[i] <= "\u0eff"
        )
        below_top = max(
            textpage.get_charbox(i)[3]
            for i in range(end, end + len(below))
            if not text[i].isspace()
        )
        return (lao_bottom - below_top) / PT_PER_MM
    finally:
        document.close()


def test_long_lao_text_without_spaces_wraps_inside_the_trim(project, tmp_path):
    assert " " not in LAO_SENTENCE and len(LAO_SENTENCE) >= 40
    lao = LAO_SENTENCE * 2
    result, poster = build_variant(
        project, tmp_path, "lao-long", {CONTRACT_LO: f"lo: {quoted(lao)}"}
    )

    assert poster.ok, poster.error
    pdf = result.folder / poster.file
    boxed, outside = chars_outside_trim(pdf)
    assert boxed > 200
    assert outside == 0
    assert squeeze(lao) in squeeze(extract_text(pdf.read_bytes())[0])
    # It wraps onto several lines (a Lao run with no break opportunity would be one line).
    assert lao_consonant_lines(pdf, "Know your employer", "Get a written contract") >= 2
    # ... and stays in its box: it does not run down into the English text under it.
    assert gap_above_mm(pdf, "Know your employer", "Get a written contract") >= 1


def test_lao_text_without_break_opportunities_cannot_fit(project, tmp_path, monkeypatch, request):
    """Control for the test above: without ICU's break opportunities the same text is
    one unbreakable run, too wide for its box even at the floor."""
    import generator.render.templating

    monkeypatch.setattr(generator.render.templating, "insert_breaks", lambda text, locale: text)
    # Segmented texts are cached across posters: start from, and leave, an empty cache.
    generator.render.templating._with_breaks.cache_clear()
    request.addfinalizer(generator.render.templating._with_breaks.cache_clear)
    lao = LAO_SENTENCE * 2
    _, poster = build_variant(
        project, tmp_path, "lao-unbroken", {CONTRACT_LO: f"lo: {quoted(lao)}"}
    )

    assert not poster.ok
    assert "'contract'" in poster.error and "('lo')" in poster.error
    assert "floor" in poster.error


def test_a_scale_passed_on_from_another_format_is_raised_to_this_formats_floor(project):
    # A scale from the family's largest poster may be below a smaller format's floor:
    # the texts are set at the floor (they still fit there), never below it.
    from generator.planning.plan import plan
    from generator.render.templating import PosterContext
    from generator.typeset.layout import GROUP
    from generator.typeset.pdf import render_poster

    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    campaign = load_campaign(path, project).campaign
    (job,) = plan(campaign)
    rendered = render_poster(PosterContext(job, campaign, project, {(GROUP, "secondary"): 0.2}))
    pdf = project / "out.pdf"
    pdf.write_bytes(rendered.pdf)
    floor = job.format.min_font_size_mm("message")
    size = font_size_mm_at(pdf, "Get a written")
    # At the floor, or above it where the page had room to grow into (the grow step).
    assert size >= floor - 0.05
    assert size == pytest.approx(font_size_mm_at(pdf, "Know your employer"), abs=0.01)
    assert rendered.fits[(GROUP, "secondary")] >= 0.2
