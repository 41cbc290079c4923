"""Social-media cards (generator/render/social.py, templates/social): real renders, read back.

The border sample's card design is rendered in every screen format for
Vientiane (Lao + Thai) and Boten (Lao + Chinese); then the sample's own cards
(square and story) are built as a campaign officer would, with --final too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageCms

from conftest import (
    PROJECT,
    chars_outside_trim,
    make_project,
    network_blocked,
    review_campaign,
    squeeze,
)
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.planning.formats import PIXEL_SIZES, PaperFormat
from generator.planning.plan import plan
from generator.preflight import extract_text
from generator.render.social import MAX_BYTES, render_card, tel_link

SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
SAMPLE_CARDS = "formats: [{size: square, quantity: 1}, {size: story, quantity: 1}]"
EVERY_SIZE = "formats: [" + ", ".join(f"{{size: {n}, quantity: 1}}" for n in PIXEL_SIZES) + "]"
PLACES = ("vientiane-nong-khai", "boten-mohan")


def _project(base: Path, every_size: bool) -> tuple[Path, Path]:
    root = make_project(base / "project")
    path = root / "campaigns" / SAMPLE.name
    text = SAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace(SAMPLE_CARDS, EVERY_SIZE) if every_size else text, "utf-8")
    return root, path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every screen format for Lao + Thai and Lao + Chinese: (job, card, pdf path)."""
    base = tmp_path_factory.mktemp("cards")
    root, path = _project(base, every_size=True)
    out = []
    with network_blocked():
        loaded = load_campaign(path, root)
        jobs = [j for j in plan(loaded.campaign, ["social-card"]) if j.placement_id in PLACES]
        for job in jobs:
            card = render_card(job, loaded.campaign, root)
            pdf = base / f"{job.name}.pdf"
            pdf.write_bytes(card.pdf)
            out.append((job, card, pdf))
    assert len(out) == 2 * len(PIXEL_SIZES)
    return loaded.campaign, out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample's own cards, built: (project, campaign path, output folder, result)."""
    base = tmp_path_factory.mktemp("built")
    root, path = _project(base, every_size=False)
    with network_blocked():
        loaded = load_campaign(path, root)
        only = ["boten-mohan_social-card_*", "boten-mohan_border-sign_A3_*"]
        result = build_campaign(loaded, root, base / "out", only=only, jobs=1)
    assert not result.failed, [r.error for r in result.failed]
    return root, path, result.folder, result


def test_exact_pixel_size_srgb_profile_and_size_limit(rendered):
    _, cards = rendered
    for job, card, _ in cards:
        for kind, data in (("PNG", card.images.png), ("JPEG", card.images.jpeg)):
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == kind
                assert image.size == PIXEL_SIZES[job.format.name], (job.name, kind)
                assert image.mode == "RGB"
                profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
                assert "sRGB" in ImageCms.getProfileDescription(profile)
            assert len(data) < MAX_BYTES, (job.name, kind, len(data))
        assert card.images.jpeg_quality >= 86  # Lao and Thai marks stay crisp
        assert not card.report.errors, (job.name, card.report.errors)


def test_text_stays_on_the_card_at_every_size(rendered):
    """Read back from each card's PDF: no character outside the page or its safe area,
    and the page is the card's size in CSS pixels (no bleed)."""
    _, cards = rendered
    for job, card, pdf in cards:
        boxed, outside = chars_outside_trim(pdf)
        assert boxed > 50 and outside == 0, job.name
        width, height = PIXEL_SIZES[job.format.name]
        with pypdfium2.PdfDocument(pdf) as document:  # the page in CSS pixels: 0.75 pt each
            assert document[0].get_size() == pytest.approx((0.75 * width, 0.75 * height))
        notes = card.report.checks
        assert notes["safe area"].status == "ok", job.name
        assert notes["contrast"].status in ("ok", "warning"), job.name


def _expected_texts(campaign, job) -> dict[str, list[str]]:
    """The texts the card must print in each language, from the campaign file itself."""
    design = campaign.design(job.design_id)
    width, height = PIXEL_SIZES[job.format.name]
    slots = [] if width > height else design.messages[: 1 if height < 1.1 * width else 3]
    keys = [design.headline, *(slot.text for slot in slots), design.call_to_action]
    lead = campaign.contact(design.contacts[0])
    return {
        lang: [campaign.messages[key][lang] for key in keys] + [lead.number, lead.name[lang]]
        for lang in job.languages
    }


def test_alt_text_holds_every_printed_text(rendered):
    campaign, cards = rendered
    for job, card, pdf in cards:
        printed = squeeze(extract_text(pdf.read_bytes())[0])
        for lang, texts in _expected_texts(campaign, job).items():
            alt = squeeze(card.alt_texts[lang])
            for text in texts:
                assert squeeze(text) in alt, (job.name, lang, text)
            assert alt.startswith("DRAFT")  # the sample's translations await review
        # and every number the card shows is in the alt text and the post text
        for number in re.findall(r"\b\d{3,4}\b", printed):
            assert number in card.alt_texts[job.languages[0]], (job.name, number)
            assert tel_link(number) in card.post_text, (job.name, number)


def test_fewer_messages_on_a_phone_and_no_qr_code(rendered):
    campaign, cards = rendered
    for job, card, _ in cards:
        design = campaign.design(job.design_id)
        shown = {t.text_id for t in card.texts if t.role == "message"}
        width, height = PIXEL_SIZES[job.format.name]
        expected = 0 if width > height else 1 if height < 1.1 * width else len(design.messages)
        assert len(shown) == expected, job.name
        assert len(shown) < 5  # the border sign prints five
        assert "QR" not in card.post_text


def test_built_cards_files_manifest_and_post_text(built):
    _, _, folder, _ = built
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    cards = [e for e in manifest["posters"] if e["design"] == "social-card"]
    assert {e["format"] for e in cards} == {"square", "story"}
    for entry in cards:
        assert entry["file"].endswith("_lo-zh-Hans_DRAFT.png")
        assert entry["jpeg"] == entry["file"].replace(".png", ".jpg")
        assert entry["post_text"] == entry["file"].replace(".png", ".txt")
        assert entry["profile"] == "digital" and entry["draft"] is True
        assert entry["pixels"] == list(PIXEL_SIZES[entry["format"]])
        for name in (entry["file"], entry["jpeg"], entry["post_text"]):
            assert (folder / name).is_file()
        text = (folder / entry["post_text"]).read_text(encoding="utf-8")
        assert text.startswith("DRAFT, do not post")
        assert "1554" in text and "tel:1554" in text and "tel:110" in text
        assert "#SafeMigration #StopTrafficking" in text
        assert "Alt text (lo):" in text and "Alt text (zh-Hans):" in text
        assert "出国务工，安全第一" in text  # the Chinese headline, in its own block
        assert "\u200b" not in text and "\u2060" not in text  # as typed, not as typeset
        assert "ສາຍດ່ວນຊາວໜຸ່ມ 24 ຊົ່ວໂມງ: tel:1554" in text
    # no PDF and no preview beside a card: its PNG is the picture
    assert not list(folder.glob("*social-card*.pdf"))
    assert not list(folder.glob("*social-card*-p2.png"))


def test_proof_sheet_shows_cards_and_print_order_leaves_them_out(built):
    _, _, folder, _ = built
    proof = squeeze(" ".join(extract_text((folder / "proof.pdf").read_bytes())))
    assert "social-card" in proof and "border-sign" in proof
    assert "card1080×1080px" in proof
    rows = list(csv.reader(io.StringIO((folder / "print-order.csv").read_text("utf-8"))))
    assert not [row for row in rows if row and "social-card" in row[0]]
    assert any(row and "border-sign" in row[0] for row in rows)


def test_draft_card_is_marked_and_final_refuses_it(built, tmp_path):
    root, path, folder, result = built
    card = next(r for r in result.results if r.job.format.name == "story")
    assert card.job.draft and card.file.endswith("_DRAFT.png")
    assert _pink_share(folder / card.file) > 0.01  # the DRAFT mark over the card
    with network_blocked():
        final = build_campaign(
            load_campaign(path, root), root, tmp_path / "out", only=["social-card"], final=True
        )
    assert final.results and all(r.refused and "--final" in r.error for r in final.results)
    assert not list((tmp_path / "out").glob("**/*.png"))


def test_screen_formats_have_no_bleed():
    for name, (width, height) in PIXEL_SIZES.items():
        paper = PaperFormat(name, "portrait")
        assert paper.is_pixel and paper.bleed_mm == 0
        assert paper.media_mm == paper.trim_mm
        assert paper.pixels == (width, height) and paper.extension == ".png"
    assert PaperFormat("A4", "portrait").extension == ".pdf"


def test_poster_preflight_of_a_folder_with_cards(built):
    from click.testing import CliRunner

    from generator.cli import main

    _, _, folder, _ = built
    outcome = CliRunner().invoke(main, ["preflight", str(folder)])
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.output
    assert "border-sign_A3" in outcome.output and "social-card" not in outcome.output


def _pink_share(path: Path) -> float:
    with Image.open(path) as image:
        width, height = image.size
        middle = image.crop((width // 4, height // 4, 3 * width // 4, 3 * height // 4))
        colours = middle.getcolors(middle.width * middle.height)
    pink = sum(c for c, (r, g, b) in colours if r > 230 and 140 < g < 200 and b > g + 15)
    return pink / (middle.width * middle.height)


def test_reviewed_card_loses_its_mark_and_its_draft_files(built):
    """Last in this file: it reviews the shared project's texts.

    Once every text is reviewed, the rebuilt card is final: no _DRAFT in its name,
    no DRAFT mark, no draft note in its post text, and the draft's three files gone."""
    root, path, folder, result = built
    draft = next(r for r in result.results if r.job.format.name == "square")
    assert _pink_share(folder / draft.file) > 0.01
    review_campaign(path, root)
    with network_blocked():
        final = build_campaign(
            load_campaign(path, root), root, folder.parent, only=["boten-mohan_social-card_square_*"],
            final=True, jobs=1,
        )  # fmt: skip
    (card,) = final.results
    assert card.ok and not card.job.draft, card.error
    assert card.file == draft.file.replace("_DRAFT", "")
    assert _pink_share(folder / card.file) < 0.001
    text = (folder / card.file).with_suffix(".txt").read_text(encoding="utf-8")
    assert not text.startswith("DRAFT") and "Alt text (lo): DRAFT" not in text
    for name in (draft.file, *(Path(draft.file).with_suffix(s).name for s in (".jpg", ".txt"))):
        assert not (folder / name).exists(), name


def test_validate_layout_lays_cards_out_as_build_does():
    from generator.typeset.layout_check import check_layout

    loaded = load_campaign(SAMPLE, PROJECT)
    assert check_layout(loaded, PROJECT, only=["boten-mohan_social-card_square_*"]) == []


def test_card_colour_profile_is_the_same_bytes_in_every_build():
    # LittleCMS stamps a profile with the time it was made; a card's bytes must not.
    import io
    import struct

    from PIL import ImageCms

    from generator.render.social import srgb_profile

    profile = srgb_profile()
    assert struct.unpack(">6H", profile[24:36]) == (2026, 1, 1, 0, 0, 0)
    assert profile[84:100] == bytes(16)  # no stale MD5 of another date
    assert srgb_profile() == profile
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
