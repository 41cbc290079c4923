"""QR codes: made at build time as vector SVG, sized to scan, decoded back from the PDF."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from conftest import SMALL_TOURIST_CAMPAIGN
from generator.build.campaign import build_campaign
from generator.campaign import CampaignError, Contact, load_campaign
from generator.planning.formats import PaperFormat
from generator.render.qr import (
    MIN_SYMBOL_MM,
    QUIET_ZONE_MODULES,
    QrError,
    check_printed_sizes,
    make_qr,
    tel_uri,
)


def campaign_text(contact: str = "la-1191") -> str:
    """The small tourist campaign, its QR code dialling ``contact``."""
    old = "qr: {contact: la-1191, caption: scan}"
    return SMALL_TOURIST_CAMPAIGN.replace(old, f"qr: {{contact: {contact}, caption: scan}}")


def build(project: Path, out: Path, text: str):
    path = project / "campaigns" / "qr.yaml"
    path.write_text(text, encoding="utf-8")
    return build_campaign(load_campaign(path, project), project, out, jobs=1)


def decode(pdf: Path, page_index: int, dpi: int = 100) -> list[tuple[str, tuple[float, float]]]:
    """Every QR code zxing-cpp finds on a page rendered at ``dpi``: (text, side in mm)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page_index].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    found = []
    for barcode in zxingcpp.read_barcodes(image):
        if barcode.format != zxingcpp.BarcodeFormat.QRCode:
            continue
        position = barcode.position
        side_px = abs(position.top_right.x - position.top_left.x)
        found.append((barcode.text, (side_px / dpi * 25.4, side_px)))
    return found


def image_xobjects(pdf: Path, page_index: int) -> int:
    with pikepdf.open(pdf) as document:
        return len(document.pages[page_index].get_images())


# --- payloads -----------------------------------------------------------------------


def contact(number: str, country: str = "LA") -> Contact:
    return Contact(id="x", number=number, country=country, name={"en": "x"}, source="s")


@pytest.mark.parametrize(
    ("number", "country", "uri"),
    [
        ("1191", "LA", "tel:1191"),  # a short service number is dialled as it is
        ("1300", "TH", "tel:1300"),
        ("021 251 128", "LA", "tel:+85621251128"),  # trunk 0 dropped, country code added
        ("02 123 4567", "TH", "tel:+6621234567"),
        ("+66 99 130 1300", "TH", "tel:+66991301300"),
    ],
)
def test_a_contact_becomes_a_tel_uri(number, country, uri):
    assert tel_uri(contact(number, country)) == uri


def test_a_trunk_number_of_an_unknown_country_is_refused():
    with pytest.raises(QrError, match="no calling code known for country US"):
        tel_uri(contact("0123 456", "US"))


def test_the_code_is_an_svg_data_url_with_its_quiet_zone():
    qr = make_qr("tel:1191")
    assert qr.uri.startswith("data:image/svg+xml")
    svg = unquote(qr.uri.split(",", 1)[1])
    assert svg.startswith("<svg") and "viewBox" in svg
    assert "width=" not in svg.split(">", 1)[0]  # sized by the template, not the SVG
    symbol = qr.modules - 2 * QUIET_ZONE_MODULES
    assert symbol == 21  # version 1: short payloads make large modules
    assert f"0 0 {qr.modules} {qr.modules}" in svg


@pytest.mark.parametrize(
    ("size", "expected_mm"),
    [
        ("A3", 29 * 0.6 * 1000 / 250),  # scanned from 0.6 m: 2.4 mm modules
        ("A2", 29 * 0.8 * 1000 / 250),
        ("A5", 29 * 0.28 * 1000 / 250),
        ("DL", 29 * MIN_SYMBOL_MM / 21),  # near: the 20 mm floor for the code itself
    ],
)
def test_the_smallest_side_follows_the_scanning_distance(size, expected_mm):
    qr = make_qr("tel:1191")
    assert qr.min_side_mm(PaperFormat(size, "portrait")) == pytest.approx(expected_mm)


def test_a_longer_payload_needs_more_room():
    short, long = make_qr("tel:1191"), make_qr("https://example.org/report-child-exploitation")
    assert long.modules > short.modules
    paper = PaperFormat("A3", "portrait")
    assert long.min_side_mm(paper) > short.min_side_mm(paper)


def test_printed_sizes_are_checked():
    qr = make_qr("tel:1191")
    paper = PaperFormat("A3", "portrait")
    need = qr.min_side_mm(paper)
    assert check_printed_sizes(qr, [(need, need)], paper) == []
    [error] = check_printed_sizes(qr, [(40.0, 40.0)], paper)
    assert "tel:1191" in error and "40.0 mm" in error and f"{need:.1f} mm" in error
    [missing] = check_printed_sizes(qr, [], paper)
    assert "does not print it" in missing


# --- round trip through a real build ------------------------------------------------


@pytest.mark.parametrize(
    ("qr_contact", "payload"),
    [("la-1191", "tel:1191"), ("la-tourist-police", "tel:+85621251128")],
)
def test_the_payload_decodes_back_from_the_rasterised_pdf(project, tmp_path, qr_contact, payload):
    result = build(project, tmp_path / "out", campaign_text(qr_contact))
    [poster] = result.results
    assert poster.ok, poster.error
    pdf = result.folder / poster.file
    [(text, (side_mm, _))] = decode(pdf, 0)
    assert text == payload
    # Vector: the page has no raster image, yet the code is there and scans.
    assert image_xobjects(pdf, 0) == 0
    # Printed at least as large as the scanning distance asks (the decoder measures
    # the code without its quiet zone).
    qr = make_qr(payload)
    symbol_need = qr.min_side_mm(PaperFormat("A3", "portrait")) * (
        (qr.modules - 2 * QUIET_ZONE_MODULES) / qr.modules
    )
    assert side_mm >= symbol_need * 0.97


def test_the_sample_posters_and_flyers_carry_a_code_that_dials_1191(tourist_build):
    _, result = tourist_build
    checked = 0
    for poster in result.results:
        assert poster.ok, poster.error
        pdf = result.folder / poster.file
        page = 1 if poster.job.design_id == "flyer" else 0  # the flyer's back
        assert [text for text, _ in decode(pdf, page)] == ["tel:1191"], poster.file
        checked += 1
    assert checked >= 6


def test_a_code_printed_too_small_fails_the_poster(project, tmp_path):
    template = project / "templates" / "macros.html.j2"  # the hotline band's partial
    text = template.read_text(encoding="utf-8")
    old = "width: {{ qr.side|round(2) }}mm; height: {{ qr.side|round(2) }}mm"
    assert text.count(old) == 1
    template.write_text(text.replace(old, "width: 40mm; height: 40mm"), encoding="utf-8")
    result = build(project, tmp_path / "out", campaign_text())
    [poster] = result.results
    assert not poster.ok
    assert "QR code (tel:1191) printed 40.0 mm wide" in poster.error
    assert "A3" in poster.error and "0.6 m" in poster.error
    assert not (result.folder / poster.job.filename).exists()


def test_a_template_that_leaves_the_code_out_fails_the_poster(project, tmp_path):
    text = campaign_text().replace("template: tourist-poster", "template: border-sign")
    result = build(project, tmp_path / "out", text)
    [poster] = result.results
    assert not poster.ok
    assert "QR code but its template does not print it" in poster.error


def test_the_build_writes_nothing_outside_its_output_folder(project, tmp_path):
    path = project / "campaigns" / "qr.yaml"
    path.write_text(campaign_text(), encoding="utf-8")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    assert result.results[0].ok
    after = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert after == before  # the SVG went to the renderer as a data: URL


# --- the campaign file --------------------------------------------------------------


@pytest.mark.parametrize(
    ("qr", "field", "message"),
    [
        ("{caption: scan}", "designs[0].qr", "give either 'contact'"),
        (
            "{contact: la-1191, url: 'https://example.org', caption: scan}",
            "designs[0].qr",
            "give either 'contact'",
        ),
        ("{contact: la-9999, caption: scan}", "designs[0].qr.contact", "unknown contact"),
        ("{contact: la-1191, caption: nothing}", "designs[0].qr.caption", "unknown message"),
        ("{url: 'http://example.org', caption: scan}", "designs[0].qr.url", "https"),
    ],
)
def test_a_wrong_qr_entry_is_reported_with_its_line(project, qr, field, message):
    text = campaign_text().replace("{contact: la-1191, caption: scan}", qr)
    path = project / "campaigns" / "qr.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    [problem] = [p for p in info.value.problems if p.field == field]
    assert message in problem.message
    assert problem.line == next(i for i, line in enumerate(text.splitlines(), 1) if "qr:" in line)


def test_the_qr_caption_needs_both_languages(project):
    text = campaign_text().replace(
        "scan: {lo: ສະແກນ ເພື່ອໂທຫາຕຳຫຼວດ, en: Scan to call the police}",
        "scan: {en: Scan to call the police}",
    )
    path = project / "campaigns" / "qr.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    assert any(
        p.field == "messages.scan" and "no 'lo' translation" in p.message
        for p in info.value.problems
    )
