"""The text layer reads back as printed: ActualText hook, and preflight's read-back check.

Every text is rendered by the real WeasyPrint with the real fonts, and read
back with poppler (pdftotext) and PDFium: each must be found verbatim by both.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import tomllib
from html import escape
from pathlib import Path

import pikepdf
import pytest
import weasyprint.draw
import weasyprint.draw.text

from generator.planning.formats import PaperFormat
from generator.preflight import preflight
from generator.preflight.text_layer import pdfium_text, poppler_text, squeezed, unreadable_texts
from generator.typeset import actualtext
from generator.typeset.pdf import font_config, weasyprint

PROJECT = Path(__file__).resolve().parent.parent

# A test poster per script: words whose glyphs do not map one-to-one to their
# characters (Thai ำ, Khmer subscripts, Burmese medials and asat, Lao ຳ),
# and plain text in the other scripts.
SCRIPT_TEXTS = {
    ("th", "Noto Sans Thai"): [
        "ทำงาน",
        "ถ้าถูกบังคับให้ทำงาน โทรหาตำรวจท่องเที่ยว",
        "น้ำ ปลอดภัย ผู้ใหญ่ ที่นี่ ญี่ปุ่น",
    ],
    ("km", "Noto Sans Khmer"): [
        "សុវត្ថិភាព",
        "ការងារ ការជួញដូរមនុស្ស ស្ត្រី កុមារ",
        "ប្រសិនបើអ្នកត្រូវបានបង្ខំឱ្យធ្វើការ សូមទូរស័ព្ទ",
    ],
    ("my", "Noto Sans Myanmar"): [
        "ဖုန်း",
        "အလုပ်ခိုင်းစေခြင်း လူကုန်ကူးမှု",
        "ကလေးသူငယ်များ ကာကွယ်ရေး ကျွန်ုပ်တို့",
    ],
    ("lo", "Noto Sans Lao"): [
        "ນ້ຳ ເຮັດວຽກ ປອດໄພ",
        "ການຄ້າມະນຸດ ຜູ້ຍິງ ແລະ ເດັກນ້ອຍ",
        "ຖ້າທ່ານຖືກບັງຄັບໃຫ້ເຮັດວຽກ ໃຫ້ໂທຫາ ຕຳຫຼວດ",
    ],
    ("fr", "Noto Sans"): ["Protégeons les enfants : appelez la police touristique"],
    ("vi", "Noto Sans"): ["Nếu bạn bị ép buộc làm việc, hãy gọi cảnh sát"],
    ("ru", "Noto Sans"): ["Защитим детей: позвоните в туристическую полицию"],
    ("el", "Noto Sans"): ["Προστατέψτε τα παιδιά: καλέστε την αστυνομία"],
    ("zh-Hans", "Noto Sans CJK SC"): ["保护儿童：请拨打旅游警察电话"],
    ("zh-Hant", "Noto Sans CJK TC"): ["保護兒童：請撥打旅遊警察電話"],
    ("ja", "Noto Sans CJK JP"): ["子どもを守ろう：ツーリストポリスに電話してください"],
    ("ko", "Noto Sans CJK KR"): ["아이들을 보호하세요: 관광경찰에 전화하세요"],
    ("hmn-Latn", "Noto Sans"): ["Tiv thaiv cov menyuam: hu rau tub ceev xwm"],
}


def script_poster(texts: dict[tuple[str, str], list[str]], width_mm: int = 120) -> bytes:
    """An A-something page with each text in its own box, wrapping onto several lines."""
    body = "".join(
        f"<p lang=\"{lang}\" style=\"font-family: '{family}', 'Noto Sans'\">{escape(text)}</p>"
        for (lang, family), items in texts.items()
        for text in items
    )
    style = f"@page {{ size: {width_mm}mm 400mm; margin: 5mm }} p {{ font-size: 14pt }}"
    html = f"<html><head><style>{style}</style></head><body>{body}</body></html>"
    return weasyprint.HTML(string=html).write_pdf(font_config=font_config())


def named(texts: dict[tuple[str, str], list[str]]) -> dict[str, str]:
    return {f"{lang} #{i}": t for (lang, _), items in texts.items() for i, t in enumerate(items)}


def without_hook():
    """A context in which WeasyPrint draws text with its own, unhooked functions."""

    class Unhooked:
        def __enter__(self):
            self.saved = weasyprint.draw.draw_text, weasyprint.draw.text.draw_first_line
            weasyprint.draw.draw_text = actualtext._ORIGINAL_DRAW_TEXT
            weasyprint.draw.text.draw_first_line = actualtext._ORIGINAL_DRAW_FIRST_LINE

        def __exit__(self, *exc):
            weasyprint.draw.draw_text, weasyprint.draw.text.draw_first_line = self.saved

    return Unhooked()


def test_every_script_reads_back_verbatim_with_poppler_and_pdfium():
    pdf = script_poster(SCRIPT_TEXTS)
    missing = unreadable_texts(pdf, named(SCRIPT_TEXTS))
    assert missing == {"poppler": [], "PDFium": []}


def test_narrow_boxes_break_lines_and_still_read_back():
    # Long texts in a narrow column: lines break inside them (at ICU's word
    # breaks for Lao, Khmer, Burmese), and each line has its own spans.
    from generator.typeset.segment import insert_breaks

    broken = {
        key: [
            insert_breaks(text, key[0]) if key[0] in ("lo", "km", "my", "th") else text
            for text in items
        ]
        for key, items in SCRIPT_TEXTS.items()
    }
    pdf = script_poster(broken, width_mm=45)
    poppler = poppler_text(pdf)
    assert poppler.count("\n") > 40  # many lines: the texts did wrap
    assert unreadable_texts(pdf, named(SCRIPT_TEXTS)) == {"poppler": [], "PDFium": []}


def test_a_hyphen_at_a_line_end_reads_back_with_both_extractors():
    # A contact name breaking after "anti-": PDFium gives that hyphen as U+FFFE.
    texts = {("en", "Noto Sans"): ["Vietnam anti-trafficking and child line"]}
    pdf = script_poster(texts, width_mm=34)
    assert "anti-\n" in poppler_text(pdf)  # the line did break after the hyphen
    assert unreadable_texts(pdf, named(texts)) == {"poppler": [], "PDFium": []}
    # A letter changed still fails: the hyphen is forgiven, nothing else.
    wrong = {"en #0": "Vietnam anti-trafficking and child lime"}
    assert unreadable_texts(pdf, wrong) == {"poppler": ["en #0"], "PDFium": ["en #0"]}


def test_without_the_hook_thai_khmer_and_burmese_read_back_wrong():
    """The bug the hook fixes, measured: if the hook stops working, this shows how."""
    with without_hook():
        pdf = script_poster(SCRIPT_TEXTS)
    missing = unreadable_texts(pdf, named(SCRIPT_TEXTS))
    wrong = {name.split(" #")[0] for names in missing.values() for name in names}
    assert {"th", "km", "my"} <= wrong, missing
    assert "ทำงำน" in poppler_text(pdf)  # WeasyPrint 70's own text layer


def test_the_hook_wraps_only_words_that_need_it():
    pdf = script_poster({("th", "Noto Sans Thai"): ["ทำงาน"], ("en", "Noto Sans"): ["office"]})
    with pikepdf.open(__import__("io").BytesIO(pdf)) as document:
        spans = [
            str(instruction.operands[1].ActualText)
            for instruction in pikepdf.parse_content_stream(document.pages[0])
            if str(instruction.operator) == "BDC"
        ]
    assert spans == ["ทำงาน"]  # the Thai word; nothing for the Latin one


def test_svg_text_is_never_wrapped():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
        '<text x="5" y="40" font-family="Noto Sans Thai" font-size="20">ทำงาน</text></svg>'
    )
    html = f"<body>{svg}<p style=\"font-family: 'Noto Sans Thai'\">ทำงาน</p></body>"
    pdf = weasyprint.HTML(string=html).write_pdf(font_config=font_config())
    with pikepdf.open(__import__("io").BytesIO(pdf)) as document:
        streams = [document.pages[0].Contents.read_bytes()]
        streams += [
            x.read_bytes() for x in document.pages[0].Resources.get("/XObject", {}).values()
        ]
    content = b"\n".join(streams)
    assert content.count(b"/ActualText") == 1  # the paragraph's word, not the SVG's


def test_the_hook_is_installed_on_the_pinned_weasyprint():
    assert actualtext.installed()
    assert weasyprint.__version__ == actualtext.HOOKED_VERSION
    actualtext.check_hooked_version()
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert f"weasyprint=={actualtext.HOOKED_VERSION}" in pyproject["project"]["dependencies"]


def test_the_hook_refuses_another_weasyprint(monkeypatch):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(actualtext.HookError, match=r"weasyprint==70\.0"):
        actualtext.check_hooked_version()


def test_the_hook_refuses_a_changed_draw_function(monkeypatch):
    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        return []

    monkeypatch.setattr(actualtext, "_ORIGINAL_DRAW_FIRST_LINE", draw_first_line)
    with pytest.raises(actualtext.HookError, match="draw_first_line"):
        actualtext.check_hooked_version()


def test_squeezed_ignores_line_breaks_and_zero_width_characters_only():
    assert squeezed("ເຮັດ\u200bວຽກ\n ນ້ຳ") == squeezed("ເຮັດວຽກ ນ້ຳ")
    assert squeezed("ทำงำน") != squeezed("ทำงาน")


def test_preflight_reports_a_text_that_does_not_read_back():
    pdf = script_poster({("th", "Noto Sans Thai"): ["ทำงาน"]})
    paper = PaperFormat("A6", "portrait")
    good = preflight(pdf, paper, texts={"text 'work' (th)": "ทำงาน"})
    assert good.checks["text layer"].status == "ok"
    assert good.checks["text layer"].summary == "1 of 1 texts read back verbatim"
    bad = preflight(pdf, paper, texts={"text 'work' (th)": "ทำงำน"})
    [message] = bad.checks["text layer"].messages
    assert re.search(r"text 'work' \(th\) does not read back .*poppler and PDFium", message)
    assert any(error.startswith("text layer:") for error in bad.errors)
    assert preflight(pdf, paper).checks["text layer"].status == "skipped"


def test_pdfium_text_goes_through_the_lock():
    pdf = script_poster({("lo", "Noto Sans Lao"): ["ນ້ຳ"]})
    assert squeezed(pdfium_text(pdf)) == "ນ້ຳ"


# --- every sample poster ---------------------------------------------------------------


def test_every_text_of_every_sample_poster_reads_back_verbatim(tmp_path):
    """Each placement and design of both sample campaigns, in its smallest format (the
    texts are the same in every format; the smallest breaks them into the most lines),
    built as `make posters` builds it: preflight reads every printed text back with
    poppler and PDFium, and the poster fails if one does not read back. Every file the
    build writes must have the bytes recorded in tests/data/sample-hashes.json."""
    from conftest import network_blocked
    from generator.build.campaign import build_campaign
    from generator.campaign import load_campaign
    from generator.planning.plan import plan

    checked = 0
    built: dict[str, str] = {}
    project = project_at_a_fixed_path()
    for name in ("laos-border-crossings.yaml", "laos-tourist-child-protection.yaml"):
        loaded = load_campaign(project / "campaigns" / name, project)
        smallest: dict[tuple[str, str], object] = {}
        for job in plan(loaded.campaign):
            if job.format.is_pixel:
                continue  # a social-media card is an image: its post text carries the words
            key = (job.placement_id, job.design_id)
            area = job.format.trim_mm[0] * job.format.trim_mm[1]
            if key not in smallest or area < smallest[key][0]:
                smallest[key] = (area, job)
        names = [job.name for _, job in smallest.values()]
        with network_blocked():
            result = build_campaign(loaded, project, tmp_path, only=names, jobs=2)
        assert len(result.results) == len(names)
        for poster in result.results:
            assert poster.ok, (poster.job.name, poster.error)
            layer = poster.preflight.checks["text layer"]
            read, _, total = layer.summary.partition(" texts read back")[0].partition(" of ")
            assert layer.status == "ok" and read == total and int(total) >= 20, layer
            checked += int(total)
        built |= built_files(tmp_path / loaded.campaign.id)
    assert checked > 1500
    same_bytes_as_recorded(built)


# --- the same bytes as recorded ------------------------------------------------------
#
# The build above is also the record of what the samples print: the sha256 of every file
# it writes (PDFs, previews, thumbnails, proof sheet, print order, manifest) is compared
# with tests/data/sample-hashes.json. A change meant to change the print records the new
# hashes with `make sample-hashes`; any other change must leave every byte as it was.

SAMPLE_HASHES = PROJECT / "tests" / "data" / "sample-hashes.json"
# WeasyPrint names a raster image in the PDF by the md5 of its URL, which holds the
# project's absolute path: the same inputs give the same bytes in the same folder only.
# So the record is built from a copy of the project's inputs at one fixed path.
FIXED_PROJECT = Path(tempfile.gettempdir()) / "poster-sample-hashes" / "project"
PROJECT_INPUTS = ("campaigns", "assets", "templates")


def project_at_a_fixed_path() -> Path:
    shutil.rmtree(FIXED_PROJECT.parent, ignore_errors=True)
    for folder in PROJECT_INPUTS:
        shutil.copytree(PROJECT / folder, FIXED_PROJECT / folder)
    return FIXED_PROJECT


NOT_RECORDED = {".build.lock"}  # a lock, not a result


def built_files(folder: Path) -> dict[str, str]:
    return {
        f"{folder.name}/{path.relative_to(folder).as_posix()}": hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in NOT_RECORDED
    }


def same_bytes_as_recorded(built: dict[str, str]) -> None:
    if os.environ.get("RECORD_SAMPLE_HASHES"):
        SAMPLE_HASHES.parent.mkdir(exist_ok=True)
        SAMPLE_HASHES.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n")
        return
    recorded = json.loads(SAMPLE_HASHES.read_text())
    differ = sorted(
        name for name in built.keys() & recorded.keys() if built[name] != recorded[name]
    )
    new = sorted(built.keys() - recorded.keys())
    gone = sorted(recorded.keys() - built.keys())
    assert not (differ or new or gone), (
        "the sample builds are not the bytes recorded in tests/data/sample-hashes.json:\n"
        + "".join(f"  differs: {name}\n" for name in differ)
        + "".join(f"  not recorded: {name}\n" for name in new)
        + "".join(f"  no longer built: {name}\n" for name in gone)
        + "If the change is meant to change what the samples print, record the new "
        "hashes with `make sample-hashes` and say so in the commit."
    )


def test_only_the_texts_the_layout_drew_are_checked():
    from generator.preflight.text_layer import printed_texts

    with actualtext.recording() as drawn:
        script_poster({("th", "Noto Sans Thai"): ["ทำงาน ปลอดภัย"], ("en", "Noto Sans"): ["Call"]})
    assert squeezed("".join(drawn)) == squeezed("ทำงาน ปลอดภัยCall")
    texts = {"work (th)": "ทำงาน ปลอดภัย", "call (en)": "Call", "unused (en)": "Not on the page"}
    assert printed_texts(texts, drawn) == {"work (th)": "ทำงาน ปลอดภัย", "call (en)": "Call"}
    with actualtext.recording() as nothing:
        pass
    assert nothing == []


def test_the_hook_changes_the_text_layer_not_the_ink():
    """Pages drawn with and without the spans rasterise to the same pixels."""
    from generator.preflight.pdfium_access import open_pdf

    def pixels(pdf: bytes) -> bytes:
        with open_pdf(pdf) as document:
            return document[0].render(scale=1.5).to_pil().convert("L").tobytes()

    hooked = script_poster(SCRIPT_TEXTS)
    with without_hook():
        plain = script_poster(SCRIPT_TEXTS)
    assert hooked != plain  # the spans are there...
    assert pixels(hooked) == pixels(plain)  # ...and print nothing
