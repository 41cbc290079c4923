"""Korean: every Hangul syllable covered, words kept whole, real glyphs in the PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from weasyprint.formatting_structure import boxes

from conftest import TOURIST_SAMPLE, squeeze
from generator.campaign import load_campaign
from generator.campaign.languages import LANGUAGES, font_stack
from generator.preflight import extract_text
from generator.render.templating import _with_breaks
from generator.typeset.fonts import check_coverage, missing_characters
from generator.typeset.pdf import font_config, weasyprint
from generator.typeset.segment import WORD_JOINER, keep_words

SENTENCE = "아동 성착취로부터 아이들을 함께 지켜 주세요 구걸하는 아이에게 돈이나 선물을 주지 마세요"
KO_POSTER = "luang-prabang-ko_tourist-poster_A3_lo-ko_DRAFT.pdf"
# Glyph ids a renderer uses for a character its font lacks: .notdef, and the id
# WeasyPrint writes for Pango's "unknown glyph" (drawn as an empty box).
TOFU_GLYPHS = {0x0000, 0xFFFF}


def test_korean_is_declared_with_a_cjk_font_and_keeps_its_words():
    korean = LANGUAGES["ko"]
    assert korean.script == "Kore"
    assert korean.fonts[0] == "Noto Sans CJK KR"
    assert korean.keep_words and not korean.segment


def test_every_hangul_syllable_and_jamo_is_covered():
    syllables = "".join(map(chr, range(0xAC00, 0xD7A4)))  # all 11,172
    jamo = "".join(map(chr, range(0x3131, 0x318F)))  # compatibility jamo
    assert missing_characters(syllables + jamo, font_stack("ko")) == []
    check_coverage(SENTENCE + " 1554 (24시간)", "ko", "sample")


def test_the_korean_stack_does_not_cover_lao():
    # Control: coverage is really checked per stack.
    assert missing_characters("ລາວ", font_stack("ko")) == ["ລ", "າ", "ວ"]


def test_a_word_joiner_binds_the_syllables_of_each_word_only():
    joined = keep_words("아이들은 관광 명소가 아닙니다. 1554번")
    assert joined.replace(WORD_JOINER, "") == "아이들은 관광 명소가 아닙니다. 1554번"
    assert f"아{WORD_JOINER}이{WORD_JOINER}들{WORD_JOINER}은 " in joined
    assert f" {WORD_JOINER}" not in joined and f"{WORD_JOINER} " not in joined
    assert f"4{WORD_JOINER}번" in joined  # a number and its counter stay together
    assert keep_words(joined) == joined
    assert keep_words("Call 1554 now") == "Call 1554 now"


def test_each_korean_word_is_set_on_one_line_in_the_html():
    html = _with_breaks("아이들은 <관광> 명소", "ko")
    assert html.count('<span style="white-space: nowrap">') == 3
    assert "&lt;관광&gt;" in html  # text is escaped, never read as HTML
    assert WORD_JOINER not in html


def _lines(html_text: str, width_mm: float) -> list[str]:
    """The lines WeasyPrint sets a Korean text in, in a box ``width_mm`` wide."""
    html = (
        f'<p lang="ko" style="font-family: \'Noto Sans CJK KR\'; font-size: 5mm; '
        f'width: {width_mm}mm; margin: 0">{html_text}</p>'
    )
    document = weasyprint.HTML(string=html).render(font_config=font_config())
    lines: list[str] = []

    def walk(box):
        if isinstance(box, boxes.LineBox):
            lines.append("".join(_texts(box)).strip())
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(document.pages[0]._page_box)
    return [line for line in lines if line]


def _texts(box):
    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _cut_words(lines: list[str]) -> list[str]:
    words = set(SENTENCE.split())
    return [w for line in lines for w in line.replace(WORD_JOINER, "").split() if w not in words]


@pytest.mark.parametrize("width_mm", [30, 45, 62])
def test_lines_break_between_korean_words_only(width_mm):
    lines = _lines(_with_breaks(SENTENCE, "ko"), width_mm)
    assert len(lines) >= 3
    assert _cut_words(lines) == [], lines
    assert squeeze(" ".join(lines)) == squeeze(SENTENCE)


def test_without_keeping_words_pango_cuts_them():
    # Control for the test above: the same text as plain HTML breaks inside words.
    assert _cut_words(_lines(SENTENCE, 45))


# --- in the sample's Lao + Korean poster ----------------------------------------------


def drawn_characters(pdf_bytes: bytes) -> dict[str, dict[int, str]]:
    """Per embedded font: glyph id → the text it stands for, from its ToUnicode map."""
    out: dict[str, dict[int, str]] = {}
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
                continue
            if "/ToUnicode" not in obj:
                continue
            cmap = obj.ToUnicode.read_bytes().decode("latin-1")
            glyphs = out.setdefault(str(obj.BaseFont).split("+", 1)[-1], {})
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for glyph, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    chars = bytes.fromhex(text).decode("utf-16-be")
                    glyphs[int(glyph, 16)] = chars
    return out


def test_korean_text_is_drawn_in_the_korean_font_without_tofu(tourist_build):
    _, result = tourist_build
    pdf = (result.folder / KO_POSTER).read_bytes()
    campaign = load_campaign(TOURIST_SAMPLE).campaign
    [text] = extract_text(pdf)
    for key in ("headline", "subheadline", "no-giving", "guest-room", "scan-to-call"):
        assert squeeze(campaign.message(key)["ko"]) in squeeze(text), key

    fonts = drawn_characters(pdf)
    hangul_fonts = {
        name
        for name, glyphs in fonts.items()
        if any("\uac00" <= char <= "\ud7a3" for chars in glyphs.values() for char in chars)
    }
    assert hangul_fonts and all("CJK-KR" in name for name in hangul_fonts), hangul_fonts
    drawn = {char for name in hangul_fonts for chars in fonts[name].values() for char in chars}
    for key in ("headline", "guest-room"):
        assert set(campaign.message(key)["ko"].replace(" ", "")) <= drawn | set("18")
    for name, glyphs in fonts.items():
        assert not TOFU_GLYPHS & set(glyphs), (
            name,
            {g: glyphs[g] for g in TOFU_GLYPHS & set(glyphs)},
        )


def test_tofu_would_be_seen():
    # Control: a character no font has is drawn as WeasyPrint's unknown glyph, which
    # the check above looks for.
    html = "<p style=\"font-family: 'Noto Sans CJK KR'\">한국어 \u10d0</p>"
    fonts = drawn_characters(weasyprint.HTML(string=html).write_pdf(font_config=font_config()))
    tofu = {chars for glyphs in fonts.values() for g, chars in glyphs.items() if g in TOFU_GLYPHS}
    assert tofu == {"\u10d0"}


def test_the_poster_text_layer_keeps_no_word_joiners(tourist_build):
    _, result = tourist_build
    [text] = extract_text((result.folder / KO_POSTER).read_bytes())
    assert WORD_JOINER not in text


def test_sample_korean_contacts_and_place_are_in_korean(tourist_build):
    _, result = tourist_build
    [text] = extract_text((result.folder / KO_POSTER).read_bytes())
    for needle in ("루앙프라방", "경찰긴급전화", "1191"):
        assert needle in squeeze(text)
    assert Path(result.folder / KO_POSTER).stat().st_size < 2_000_000
