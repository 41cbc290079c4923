"""What reaches the wall: the DRAFT mark, --final, press refusals, contact warnings, numbers.

One small Lao-English campaign is built three times into the same folder, as a
campaign officer would: first as drafts, then with every text reviewed (through
a PO export and import), then after its English source changed. The PDFs are
read back (text layer) and rasterised (pixels).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops

from conftest import SMALL_CAMPAIGN, poster_pdfs, review_campaign, squeeze
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.cli import EXIT_POSTERS_FAILED, main
from generator.preflight import extract_text

STEM = "test-crossing_border-sign_A4_lo-en"
DRAFT_FILE, FINAL_FILE = f"{STEM}_DRAFT.pdf", f"{STEM}.pdf"
# The call to action names the hotline by placeholder: one number, in both languages.
CALL_LO, CALL_EN = "ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ {number:la-1554}", "Need help? Call {number:la-1554}"
CAMPAIGN = SMALL_CAMPAIGN.replace(
    "call: {lo: ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}",
    f'call: {{lo: "{CALL_LO}", en: "{CALL_EN}"}}',
)
DPI = 40
LAO_DIGITS, THAI_DIGITS = range(0x0ED0, 0x0EDA), range(0x0E50, 0x0E5A)


def build(path: Path, project: Path, out: Path, **options):
    return build_campaign(load_campaign(path, project), project, out, jobs=1, **options)


def snapshot(folder: Path, into: Path) -> Path:
    """A copy of the output folder as it is now, to look at after the next build."""
    shutil.copytree(folder, into)
    return into


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The output folder after each build: draft, final (reviewed), and stale again."""
    from conftest import PROJECT

    root = tmp_path_factory.mktemp("draft-mark")
    project = root / "project"
    for folder in ("templates", "assets"):
        shutil.copytree(PROJECT / folder, project / folder)
    (project / "campaigns").mkdir()
    path = project / "campaigns" / "small.yaml"
    assert CAMPAIGN != SMALL_CAMPAIGN
    path.write_text(CAMPAIGN, encoding="utf-8")
    out = root / "out"

    draft = build(path, project, out)
    assert [r.ok for r in draft.results] == [True], draft.results[0].error
    draft_folder = snapshot(draft.folder, root / "draft")

    review_campaign(path, project)
    final = build(path, project, out, final=True, today=dt.date(2028, 1, 1))
    assert [r.ok for r in final.results] == [True], final.results[0].error
    final_folder = snapshot(final.folder, root / "final")

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("en: Know your employer,", "en: Know who employs you,"), "utf-8")
    stale = build(path, project, out)
    assert [r.ok for r in stale.results] == [True], stale.results[0].error
    stale_folder = snapshot(stale.folder, root / "stale")
    refused = build(path, project, out, final=True)
    return {
        "project": project,
        "path": path,
        "draft": draft_folder,
        "final": final_folder,
        "stale": stale_folder,
        "refused": refused,
    }


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def text_layer(pdf: Path) -> str:
    [page] = extract_text(pdf.read_bytes())
    return squeeze(page)


def rasterise(pdf: Path) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()


# --- the mark ----------------------------------------------------------------------------


def test_draft_is_named_and_listed_as_such(stages):
    folder = stages["draft"]
    assert poster_pdfs(folder) == [DRAFT_FILE]
    assert (folder / f"{STEM}_DRAFT.png").is_file()  # the preview follows the name
    manifest = manifest_of(folder)
    assert manifest["draft"] is True
    [entry] = manifest["posters"]
    assert entry["file"] == DRAFT_FILE and entry["draft"] is True
    held = entry["held_back_by"]
    assert "headline (lo): draft" in held and "placement.test-crossing.name (lo): draft" in held
    assert "contact.la-1554.name (lo): draft" in held
    assert not any("(en)" in text for text in held)  # English is the source


def test_draft_mark_is_in_the_text_layer(stages):
    draft = text_layer(stages["draft"] / DRAFT_FILE)
    assert "DRAFT" in draft and "Notforprint:textsawaitreview" in draft
    final = text_layer(stages["final"] / FINAL_FILE)
    assert "DRAFT" not in final and "Notforprint" not in final


def test_draft_mark_is_visible_across_the_page(stages):
    """Draft and final pages differ only by a pink band along the page's diagonal."""
    draft = rasterise(stages["draft"] / DRAFT_FILE)
    final = rasterise(stages["final"] / FINAL_FILE)
    assert draft.size == final.size
    changed = ImageChops.difference(draft, final).convert("L").point(lambda v: 255 if v > 24 else 0)
    width_px, height_px = draft.size
    px_per_mm = DPI / 25.4
    bleed, trim_w, trim_h = 3.0, 210.0, 297.0
    diagonal = (trim_w**2 + trim_h**2) ** 0.5
    pixels = [i for i, value in enumerate(changed.tobytes()) if value]
    points = [(i % width_px / px_per_mm - bleed, i // width_px / px_per_mm - bleed) for i in pixels]
    share = len(points) / (width_px * height_px)
    assert share > 0.02, f"only {share:.1%} of the page changed"
    # Along the diagonal from the lower left to the upper right of the trim.
    off = [abs(trim_h * x + trim_w * y - trim_w * trim_h) / diagonal for x, y in points]
    near = sum(1 for d in off if d < 0.13 * diagonal) / len(points)
    assert near > 0.98, f"{near:.1%} of the changed pixels lie near the diagonal"
    assert any(x < trim_w / 3 and y > 2 * trim_h / 3 for x, y in points)  # lower left
    assert any(x > 2 * trim_w / 3 and y < trim_h / 3 for x, y in points)  # upper right

    # Pink: where the pages differ, the draft's red outweighs its green.
    def redness(image: Image.Image) -> float:
        rgb = image.tobytes()
        return sum(rgb[3 * i] - rgb[3 * i + 1] for i in pixels) / len(pixels)

    assert redness(draft) > redness(final) + 20


# --- reviewed, then stale ------------------------------------------------------------------


def test_reviewed_poster_is_final_and_replaces_the_draft(stages):
    folder = stages["final"]
    assert poster_pdfs(folder) == [FINAL_FILE]  # the draft file is gone
    assert not (folder / f"{STEM}_DRAFT.png").exists()
    manifest = manifest_of(folder)
    assert manifest["draft"] is False
    [entry] = manifest["posters"]
    assert entry["draft"] is False and entry["held_back_by"] == []


def test_source_edit_makes_the_poster_a_draft_again(stages):
    folder = stages["stale"]
    assert poster_pdfs(folder) == [DRAFT_FILE]  # the final file is gone: it is outdated
    [entry] = manifest_of(folder)["posters"]
    assert entry["held_back_by"] == [
        "employer (lo): stale, reviewed by Test Reviewer on 2026-11-20, "
        "but the en source changed since"
    ]
    assert "DRAFT" in text_layer(folder / DRAFT_FILE)


def test_final_build_refuses_a_draft_and_says_why(stages):
    result = stages["refused"]
    [poster] = result.results
    assert not poster.ok and poster.refused
    assert poster.error == (
        "refused by --final, 1 texts await review: employer (lo): stale, reviewed by "
        "Test Reviewer on 2026-11-20, but the en source changed since"
    )
    # The draft of the earlier build stays, marked as such; nothing final was made.
    assert poster_pdfs(result.folder) == [DRAFT_FILE]
    [entry] = manifest_of(result.folder)["posters"]
    assert entry["draft"] is True


# --- contacts and numbers -------------------------------------------------------------------


def test_old_verification_is_warned_about(stages):
    [entry] = manifest_of(stages["final"])["posters"]  # built "on" 2028-01-01
    assert entry["contact_warnings"] == [
        "contact la-1554 (1554) was last verified on 2026-11-23, 13 months ago: check it again"
    ]
    [entry] = manifest_of(stages["stale"])["posters"]  # built today
    assert entry["contact_warnings"] == []


def test_number_prints_once_in_western_digits_for_both_languages(stages):
    text = text_layer(stages["final"] / FINAL_FILE)
    assert "{number" not in text
    # The hotline band once, and the call to action in each language: the same digits.
    assert text.count("1554") == 3
    assert squeeze(CALL_LO.replace("{number:la-1554}", "1554")) in text
    assert squeeze(CALL_EN.replace("{number:la-1554}", "1554")) in text
    assert not any(ord(c) in LAO_DIGITS or ord(c) in THAI_DIGITS for c in text)


def test_press_build_refuses_an_unverified_contact(project, tmp_path):
    path = project / "campaigns" / "small.yaml"
    text = SMALL_CAMPAIGN.replace("    verified: 2026-11-23\n", "")
    path.write_text(
        text + "print: {profile: press, icc: default_cmyk.icc, allow_placeholders: true}\n",
        encoding="utf-8",
    )
    review_campaign(path, project)
    result = build(path, project, tmp_path / "out")
    [poster] = result.results
    assert poster.refused and not (result.folder / FINAL_FILE).exists()
    assert poster.error == (
        "refused for press: contact la-1554 (1554) has no verification date: "
        "check the number, then set 'verified'"
    )


def test_cli_final_lists_the_texts_holding_posters_back(project, small_campaign, tmp_path):
    text = small_campaign.read_text(encoding="utf-8").replace("    verified: 2026-11-23\n", "")
    small_campaign.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(small_campaign), "--final", "--project", str(project), "-o", str(out)]
    )
    assert result.exit_code == EXIT_POSTERS_FAILED, result.output
    stderr = " ".join(result.stderr.split())
    assert f"refused {STEM}_DRAFT: refused by --final, 8 texts await review" in stderr
    assert "refused 1 poster: drafts under --final; these texts await review" in stderr
    assert "posters refused by --final" not in stderr
    for text_id in ("headline", "employer", "placement.test-crossing.name", "contact.la-1554.name"):
        assert f"{text_id} (lo): draft" in stderr
    assert "contact la-1554 (1554) has no verification date" in stderr  # warned, not refused
    assert not list(out.rglob("*.pdf"))
