"""Previews, proof sheet and print order, checked by opening the files they write."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image

from conftest import PROJECT, SMALL_CAMPAIGN
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.output.files import read_manifest
from generator.output.manifest import Manifest, ManifestEntry
from generator.output.print_order import ORDER_HEADER, write_order_sheet
from generator.output.proofs import (
    paper_format,
    preflight_status,
    write_previews,
    write_proof_sheet,
)
from generator.preflight.report import PreflightSummary

A4_FILE = "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"
A3L_FILE = "test-crossing_border-sign_A3-landscape_lo-en_DRAFT.pdf"
A4_PT = (595.276, 841.89)

TWO_FORMATS = SMALL_CAMPAIGN.replace(
    "- {size: A4, quantity: 3}",
    "- {size: A4, quantity: 3}\n      - {size: A3, orientation: landscape, quantity: 5}",
)


def expected_px(mm: float, dpi: int) -> float:
    return mm / 25.4 * dpi


def page_texts(pdf: Path) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def make_older(path: Path, than: Path) -> None:
    """Date a file a second before another: as if that one changed after it was made."""
    older = than.stat().st_mtime_ns - 1_000_000_000
    os.utime(path, ns=(older, older))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u200b", ""))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(project, campaign folder) of a campaign with an A4 and an A3-landscape poster, built once."""
    base = tmp_path_factory.mktemp("proofs")
    project = base / "project"
    project.mkdir()
    shutil.copytree(PROJECT / "templates", project / "templates")
    shutil.copytree(PROJECT / "assets", project / "assets")
    (project / "campaigns").mkdir()
    path = project / "campaigns" / "two.yaml"
    path.write_text(TWO_FORMATS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # no network here either

        def refuse(*args, **kwargs):
            raise AssertionError(f"a build tried to open a network connection: {args!r}")

        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        result = build_campaign(load_campaign(path, project), project, base / "out", jobs=1)
    assert not result.failed, [r.error for r in result.failed]
    return project, result.folder


@pytest.fixture
def folder(built, tmp_path) -> Path:
    """A private copy of the built campaign's posters and manifest, without the proofs
    the build made, so each test makes them itself."""
    keep = shutil.ignore_patterns("*.png", "proof.pdf", "print-order.csv")
    return Path(shutil.copytree(built[1], tmp_path / "small-test", ignore=keep))


@pytest.fixture
def manifest(folder) -> Manifest:
    return read_manifest(folder)


def test_the_build_lists_both_posters(manifest):
    assert [e.file for e in manifest.posters] == [A4_FILE, A3L_FILE]


# --- previews -------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [40, 25])
def test_previews_have_the_size_of_the_page_with_bleed(folder, manifest, dpi):
    written = write_previews(folder, manifest.posters, dpi=dpi)
    a4, a3l = (
        folder / "test-crossing_border-sign_A4_lo-en_DRAFT.png",
        folder / f"{Path(A3L_FILE).stem}.png",
    )
    assert written == [a4, a3l]
    for png, (width_mm, height_mm) in ((a4, (210 + 6, 297 + 6)), (a3l, (420 + 6, 297 + 6))):
        with Image.open(png) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert abs(width - expected_px(width_mm, dpi)) <= 1
            assert abs(height - expected_px(height_mm, dpi)) <= 1
            assert [round(v) for v in image.info["dpi"]] == [dpi, dpi]
    assert not list(folder.glob(".*.part"))


def test_previews_show_the_pdf(folder, manifest):
    (png,) = write_previews(folder, manifest.posters[:1])
    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 50  # a rendered poster, not a blank page


def test_previews_up_to_date_are_not_rewritten(folder, manifest):
    entries = manifest.posters
    a4, a3l = write_previews(folder, entries)
    before = {png: png.stat().st_mtime_ns for png in (a4, a3l)}

    assert write_previews(folder, entries) == []
    assert {png: png.stat().st_mtime_ns for png in (a4, a3l)} == before

    # The A4 PDF changes after its preview was made: only its preview is made again.
    make_older(a4, than=folder / A4_FILE)
    assert write_previews(folder, entries) == [a4]
    assert a3l.stat().st_mtime_ns == before[a3l]

    # Another resolution is another preview.
    assert write_previews(folder, entries, dpi=30) == [a4, a3l]
    assert write_previews(folder, entries, dpi=30) == []


def test_a_missing_preview_is_made_again(folder, manifest):
    entries = manifest.posters
    a4, _ = write_previews(folder, entries)
    a4.unlink()
    assert write_previews(folder, entries) == [a4]


def test_each_page_gets_its_own_preview_and_stale_pages_go(folder, manifest):
    entry = manifest.posters[0]
    pdf = folder / A4_FILE
    with pikepdf.open(pdf) as one:
        two = pikepdf.new()
        two.pages.extend(one.pages)
        two.pages.extend(one.pages)
        two.save(folder / "double.pdf")
    entry = replace(entry, file="double.pdf", pages=2)
    assert write_previews(folder, [entry]) == [folder / "double.png", folder / "double-p2.png"]

    # Now one page: rendered again, and the second page's preview removed.
    shutil.copy(pdf, folder / "double.pdf")
    make_older(folder / "double.png", than=folder / "double.pdf")
    entry = replace(entry, pages=1)
    assert write_previews(folder, [entry]) == [folder / "double.png"]
    assert not (folder / "double-p2.png").exists()


def test_a_missing_pdf_is_skipped(folder, manifest):
    (folder / A4_FILE).unlink()
    assert write_previews(folder, manifest.posters) == [folder / f"{Path(A3L_FILE).stem}.png"]


# --- proof sheet ------------------------------------------------------------------


def test_proof_sheet_is_an_a4_pdf_naming_every_poster(built, folder, manifest):
    project, _ = built
    path = write_proof_sheet(folder, manifest, project)
    assert path == folder / "proof.pdf"
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 1
        for page in pdf.pages:
            box = [float(v) for v in page.mediabox]
            assert box[2] - box[0] == pytest.approx(A4_PT[0], abs=0.5)
            assert box[3] - box[1] == pytest.approx(A4_PT[1], abs=0.5)
        assert len(list(pdf.pages[0].get_images())) == 2  # the two thumbnails
    text = squeeze("".join(page_texts(path)))
    assert "Proofsheetsmall-test" in text
    assert "2posters·8printsinall" in text
    assert "DRAFT—translationsawaitreview" in text  # the campaign has no review yet
    for file, label, quantity in ((A4_FILE, "A4", 3), (A3L_FILE, "A3-landscape", 5)):
        assert file in text
        assert f"Format{label}" in text
        assert f"Quantity{quantity}" in text
        assert "Lao(lo)+English(en)" in text
    assert text.count("PreflightOK") == 2
    assert not list(folder.glob(".*.part"))


def test_proof_sheet_is_reproducible(built, folder, manifest):
    project, _ = built
    first = write_proof_sheet(folder, manifest, project).read_bytes()
    time.sleep(1.1)  # into another second: the time must not be in the file (nor its /ID)
    assert write_proof_sheet(folder, manifest, project).read_bytes() == first


def test_proof_sheet_pages_statuses_and_escaping(built, folder, manifest):
    """Seven posters make two pages; warnings, failures, a missing PDF and markup are shown as such."""
    project, _ = built
    template = manifest.posters[0]
    report = template.preflight or PreflightSummary()
    posters = [replace(template, quantity=number + 1) for number in range(7)]
    posters[1] = replace(posters[1], preflight=replace(report, warnings=("page 1: a thin line",)))
    posters[2] = replace(posters[2], preflight=replace(report, warnings=("one", "two")))
    posters[3] = replace(posters[3], preflight=replace(report, errors=("page 1: no TrimBox",)))
    posters[4] = replace(posters[4], preflight=None)
    posters[6] = replace(posters[6], file="gone_border-sign_A4_lo-en.pdf")
    sheet = Manifest(
        campaign="<b>odd</b>",
        draft=False,
        review_note="ignored when reviewed",
        posters=tuple(posters),
    )
    path = write_proof_sheet(folder, sheet, project)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
    first, second = (squeeze(text) for text in page_texts(path))
    assert "<b>odd</b>" in first
    assert "7posters·28printsinall" in first and "7posters" in second  # header on each page
    assert "translationsawaitreview" not in first + second  # no draft banner
    assert "Preflight1warning" in first
    assert "Preflight2warnings" in first
    assert "PreflightFAILED" in first
    assert "Preflightnotchecked" in first
    assert "Quantity7" in second and "PDFmissing" in second
    assert "Page1of2" in first and "Page2of2" in second


def test_preflight_status_labels():
    assert preflight_status(PreflightSummary()) == ("OK", "ok")
    assert preflight_status(PreflightSummary(warnings=("a",)))[0] == "1 warning"
    assert preflight_status(PreflightSummary(warnings=("a", "b")))[0] == "2 warnings"
    assert preflight_status(PreflightSummary(errors=("x",), warnings=("a",)))[0] == "FAILED"
    assert preflight_status(None)[0] == "not checked"


# --- print order ------------------------------------------------------------------


def test_order_sheet_lists_files_sizes_with_bleed_and_totals(folder, manifest):
    finals = tuple(replace(entry, draft=False) for entry in manifest.posters)
    path = write_order_sheet(folder, replace(manifest, posters=finals))  # with quantities
    assert path == folder / "print-order.csv"
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [
        list(ORDER_HEADER),
        [A4_FILE, "A4", "216 × 303 mm", "210 × 297 mm", "3", "1"],
        [A3L_FILE, "A3-landscape", "426 × 303 mm", "420 × 297 mm", "5", "1"],
        ["TOTAL A3", "A3", "", "", "5", ""],
        ["TOTAL A4", "A4", "", "", "3", ""],
        ["TOTAL", "", "", "", "8", ""],
    ]


def test_order_sheet_sums_per_paper_size_and_counts_sides(tmp_path):
    def entry(file, label, quantity, pages=1):
        return ManifestEntry(file, format=label, quantity=quantity, pages=pages)

    manifest = Manifest(
        posters=(
            entry("a_x_A2_lo-en.pdf", "A2", 2),
            entry("b_x_A3_lo-en.pdf", "A3", 10, pages=2),
            entry("c_x_A3-landscape_lo-en.pdf", "A3-landscape", 4),
            entry("d_x_A2_lo-th.pdf", "A2", 1),
        )
    )
    with write_order_sheet(tmp_path, manifest).open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[1] == ["a_x_A2_lo-en.pdf", "A2", "426 × 600 mm", "420 × 594 mm", "2", "1"]
    assert rows[2][-1] == "2"  # printed on both sides
    assert rows[5:] == [
        ["TOTAL A2", "A2", "", "", "3", ""],
        ["TOTAL A3", "A3", "", "", "14", ""],
        ["TOTAL", "", "", "", "17", ""],
    ]


def test_paper_format_reads_manifest_labels():
    assert paper_format("A3-landscape").trim_mm == (420, 297)
    assert paper_format("DL").media_mm == (105, 216)
    with pytest.raises(ValueError, match="unknown format"):
        paper_format("B5")


LONG_NAME = (
    "vientiane-nong-khai-friendship-bridge-first-crossing-point-"
    "north-gate-xx_tourist-poster-with-a-very-long-design-name_A3-landscape_"
    "lo-th-en-zh-Hans_DRAFT.pdf"
)


def card_boxes_pt() -> list[tuple[float, float, float, float]]:
    """Each card's rectangle (left, bottom, right, top) in PDF points, as proofs draws them."""
    from generator.output import proofs

    mm = 72 / 25.4
    boxes = []
    for index in range(proofs.POSTERS_PER_PROOF_PAGE):
        row, column = divmod(index, 2)
        x = proofs.MARGIN_MM + column * (proofs.CARD_MM[0] + proofs.CARD_GAP_MM[0])
        y = proofs.CARDS_TOP_MM + row * (proofs.CARD_MM[1] + proofs.CARD_GAP_MM[1])
        top, bottom = proofs.PAGE_MM[1] - y, proofs.PAGE_MM[1] - y - proofs.CARD_MM[1]
        boxes.append((x * mm, bottom * mm, (x + proofs.CARD_MM[0]) * mm, top * mm))
    return boxes


def char_boxes(pdf: Path, page_index: int = 0) -> list[tuple[str, tuple]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[page_index].get_textpage()
        return [
            (text.get_text_range(i, 1), text.get_charbox(i))
            for i in range(text.count_chars())
            if not text.get_text_range(i, 1).isspace()
        ]
    finally:
        document.close()


def test_cards_hold_their_texts_whatever_the_file_name(built, folder, manifest):
    """A file name of 200 characters and four languages wrap inside the card, with every
    character of them in the text layer; nothing lies outside a card, header or footer."""
    project, _ = built
    shutil.copy(folder / A4_FILE, folder / LONG_NAME)
    long = replace(manifest.posters[0], file=LONG_NAME, languages=("lo", "th", "en", "zh-Hans"))
    sheet = replace(manifest, posters=(long, *manifest.posters))
    path = write_proof_sheet(folder, sheet, project)
    text = squeeze("".join(page_texts(path)))
    assert LONG_NAME in text
    assert "Lao(lo)+Thai(th)+English(en)+Chinese(Simplified)(zh-Hans)" in text
    assert text.count("PreflightOK") == 3
    mm = 72 / 25.4
    header_bottom, footer_top = (297 - 30) * mm, 16 * mm
    cards = card_boxes_pt()
    for char, (left, bottom, right, top) in char_boxes(path):
        if bottom >= header_bottom or top <= footer_top:
            continue  # the header and the footer
        assert any(
            box[0] <= left and right <= box[2] and box[1] <= bottom and top <= box[3]
            for box in cards
        ), f"{char!r} at {(left, bottom, right, top)} lies outside every card"


def test_the_review_note_keeps_its_script(built, folder, manifest):
    """A review note in Lao is shaped text in a Lao font, as the campaign wrote it."""
    project, _ = built
    note = "ລໍຖ້າການກວດແກ້"
    sheet = replace(manifest, draft=True, review_note=note)
    path = write_proof_sheet(folder, sheet, project)
    assert note in "".join(page_texts(path))
    with pikepdf.open(path) as pdf:
        names = {str(font.get("/BaseFont")) for font in pdf.pages[0].Resources.Font.values()}
    assert any("NotoSansLao" in name for name in names), names


def test_a_long_review_note_is_printed_whole(built, folder, manifest):
    """The note says who wrote the drafts: a long one wraps rather than losing its end."""
    project, _ = built
    note = (
        "Draft translations by the tool's developers; awaiting review by native speakers "
        "of each language before anything is printed."
    )
    sheet = replace(manifest, draft=True, review_note=note)
    path = write_proof_sheet(folder, sheet, project)
    assert " ".join(note.split()) in " ".join("".join(page_texts(path)).split())


def test_the_sheet_embeds_the_workers_thumbnails_unless_they_are_stale(built, folder, manifest):
    from generator.output.proofs import thumbnail_path

    project, _ = built
    made = thumbnail_path(folder, A4_FILE)
    assert made.is_file()  # the build's worker made it, with the previews
    with Image.open(made) as image:
        size = image.size
    red = io.BytesIO()
    Image.new("RGB", size, "#ff0000").save(red, format="JPEG")
    made.write_bytes(red.getvalue())

    def first_image_colour(path: Path) -> tuple:
        with pikepdf.open(path) as pdf:
            (_, image), *_ = pdf.pages[0].get_images().items()
            picture = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
        return picture.resize((1, 1)).getpixel((0, 0))

    sheet = replace(manifest, posters=manifest.posters[:1])
    red_seen = first_image_colour(write_proof_sheet(folder, sheet, project))
    assert red_seen[0] > 240 and red_seen[1] < 20 and red_seen[2] < 20
    make_older(made, than=folder / A4_FILE)  # the poster changed after its thumbnail
    colour = first_image_colour(write_proof_sheet(folder, sheet, project))
    assert colour != red_seen and colour[1] > 60  # the poster itself, from its PDF


def test_a_sheet_drawn_in_several_batches_is_one_pdf_with_every_page(
    built, folder, manifest, monkeypatch
):
    import generator.output.proofs

    project, _ = built
    sheet = replace(manifest, posters=manifest.posters * 7)  # 14 posters: 3 pages
    whole = folder / "whole.pdf"
    shutil.copy(write_proof_sheet(folder, sheet, project), whole)  # in one batch
    monkeypatch.setattr(generator.output.proofs, "PAGES_PER_BATCH", 1)
    path = write_proof_sheet(folder, sheet, project)
    texts = [squeeze(text) for text in page_texts(path)]
    assert texts == [squeeze(text) for text in page_texts(whole)]
    assert [f"Page{n}of3" in text for n, text in enumerate(texts, 1)] == [True] * 3
    assert sum(text.count("PreflightOK") for text in texts) == 14
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 3
        assert pdf.docinfo["/Title"] == "Proof sheet: small-test"
        assert "/CreationDate" not in pdf.docinfo
    assert not list(folder.glob(".*.part"))  # no batch left behind
