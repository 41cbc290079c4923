"""The tourist-area sample campaign, and placements that list several designs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from conftest import (
    PROJECT,
    SMALL_CAMPAIGN,
    TOURIST_SAMPLE,
    chars_outside_trim,
    font_families,
    squeeze,
)
from generator.campaign import CampaignError, load_campaign
from generator.planning.inputs import job_key, templates_digest
from generator.planning.plan import plan
from generator.preflight import extract_text

BORDER_SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
AREAS = {
    "luang-prabang": {"en", "zh-Hans", "ko", "th", "fr", "ja"},
    "vang-vieng": {"en", "ko", "zh-Hans"},
    "vientiane": {"en", "zh-Hans", "ko", "th", "fr", "ja"},
    "pakse-si-phan-don": {"en", "th"},
    "luang-namtha": {"en", "zh-Hans"},
    "thakhek": {"en", "th"},
}
SCRIPTS = {
    "lo": lambda c: "\u0e80" <= c <= "\u0eff",
    "th": lambda c: "\u0e00" <= c <= "\u0e7f",
    "zh-Hans": lambda c: "\u4e00" <= c <= "\u9fff",
    "ko": lambda c: "\uac00" <= c <= "\ud7a3",
    "en": lambda c: c.isascii() and c.isalpha(),
    "fr": lambda c: c.isalpha() and unicodedata.name(c, "").startswith("LATIN"),
    "ja": lambda c: "\u3040" <= c <= "\u30ff",  # kana: its Han letters count as zh-Hans
}
SECOND_FONT = {"en": set(), "th": {"Noto-Sans-Thai"}, "zh-Hans": {"Noto-Sans-CJK-SC"}}
SECOND_FONT["ko"] = {"Noto-Sans-CJK-KR"}
SECOND_FONT |= {"fr": set(), "ja": {"Noto-Sans-CJK-JP"}}


@pytest.fixture(scope="module")
def sample():
    return load_campaign(TOURIST_SAMPLE, PROJECT)


# --- the sample file --------------------------------------------------------------------


def test_every_tourist_area_gets_posters_and_flyers_in_its_visitors_languages(sample):
    campaign = sample.campaign
    found: dict[str, set[str]] = {}
    banners = {}
    for placement in campaign.placements:
        if placement.id.endswith("-banner"):  # one roll-up banner per city, many languages
            banners[placement.id] = (placement.languages, placement.orders())
            continue
        area = next(a for a in AREAS if placement.id.startswith(a + "-"))
        first, second = placement.languages
        assert first == "lo", placement.id
        found.setdefault(area, set()).add(second)
        designs = {order.design: order.formats for order in placement.orders()}
        cards = designs.pop("social-card", None)  # Luang Prabang's social-media cards
        assert (cards is not None) == (placement.id == "luang-prabang-en"), placement.id
        assert {f.size for f in cards or ()} <= {"square", "story"}
        assert set(designs) == {"tourist-poster", "flyer"}, placement.id
        assert {f.size for f in designs["tourist-poster"]} <= {"A2", "A3"}
        assert {f.size for f in designs["flyer"]} <= {"A5", "DL"}
        assert all(f.quantity >= 1 for formats in designs.values() for f in formats)
    assert found == AREAS
    assert set(banners) == {"vientiane-banner", "luang-prabang-banner"}
    assert banners["vientiane-banner"][0] == ["lo", "en", "zh-Hans", "ko"]
    assert banners["luang-prabang-banner"][0] == ["lo", "en", "zh-Hans"]
    pairs = {job.languages for job in plan(campaign) if job.design_id != "banner"}
    assert pairs == {("lo", x) for x in ("en", "zh-Hans", "ko", "th", "fr", "ja")}
    sizes = {(job.design_id, job.format.name) for job in plan(campaign)}
    assert sizes == {
        ("tourist-poster", "A2"),
        ("tourist-poster", "A3"),
        ("flyer", "A5"),
        ("flyer", "DL"),
        ("banner", "rollup"),
        ("social-card", "square"),
        ("social-card", "story"),
    }


def test_translations_are_marked_as_drafts_like_the_border_sample(sample):
    text = TOURIST_SAMPLE.read_text(encoding="utf-8")
    assert "TRANSLATIONS ARE DRAFTS written by the tool's developers" in text
    for code in ("lo", "zh-Hans", "ko", "th"):
        assert any(
            line[1:].split()[:1] == [code] and "DRAFT, unreviewed" in line
            for line in text.splitlines()
            if line.startswith("#   ")
        ), code
    border = load_campaign(BORDER_SAMPLE, PROJECT).campaign
    assert sample.campaign.review == border.review
    assert sample.campaign.review.translations == "draft"


def test_every_contact_has_a_source_and_a_date_and_192_is_not_used(sample):
    for contact in sample.campaign.contacts:
        assert contact.source and contact.verified, contact.id
        assert contact.number.replace(" ", "") != "192"
    numbers = {c.number for c in sample.campaign.contacts}
    assert numbers == {"1191", "1362", "1554", "021 251 128"}
    dated = {c.id for c in sample.campaign.contacts if c.source_date}
    assert dated == {"la-1191", "la-1362", "la-1554"}  # the reference dates no other


def test_only_vientiane_lists_the_vientiane_tourist_police(sample):
    for placement in sample.campaign.placements:
        listed = "la-tourist-police-vientiane" in placement.contacts
        assert listed == placement.id.startswith("vientiane-"), placement.id


def test_the_designs_show_the_illustration_and_a_qr_code_that_dials_1191(sample):
    for design in sample.campaign.designs:
        if design.template == "social":  # a card: no picture, no QR code to scan
            assert design.illustration is None and design.qr is None
            continue
        assert design.illustration == "assets/illustrations/mekong-evening.png"
        assert design.qr is not None and design.qr.contact == "la-1191"


# --- several designs per placement --------------------------------------------------------

TWO_DESIGNS = SMALL_CAMPAIGN.replace(
    "    design: border-sign\n    languages: [lo, en]\n    formats:\n      - {size: A4, quantity: 3}\n",
    "    languages: [lo, en]\n"
    "    designs:\n"
    "      - design: border-sign\n"
    "        formats:\n"
    "          - {size: A4, quantity: 3}\n"
    "          - {size: A3, quantity: 1}\n"
    "      - design: other-sign\n"
    "        formats:\n"
    "          - {size: A4, quantity: 7}\n",
).replace(
    "placements:\n",
    "  - id: other-sign\n"
    "    template: border-sign\n"
    "    headline: headline\n"
    "    messages: [{text: employer}]\n"
    "    call_to_action: call\n"
    "placements:\n",
)


def write(project: Path, text: str) -> Path:
    path = project / "campaigns" / "designs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(project: Path, text: str):
    with pytest.raises(CampaignError) as info:
        load_campaign(write(project, text), project)
    return info.value.problems


def test_a_placement_lists_several_designs_each_in_its_formats(project):
    assert TWO_DESIGNS != SMALL_CAMPAIGN
    campaign = load_campaign(write(project, TWO_DESIGNS), project).campaign
    jobs = plan(campaign)
    assert [job.name for job in jobs] == [
        "test-crossing_border-sign_A4_lo-en_DRAFT",
        "test-crossing_border-sign_A3_lo-en_DRAFT",
        "test-crossing_other-sign_A4_lo-en_DRAFT",
    ]
    assert [job.quantity for job in jobs] == [3, 1, 7]
    assert [job.name for job in plan(campaign, ["other-sign"])] == [jobs[2].name]


def test_the_border_sample_still_validates_and_plans_as_before():
    campaign = load_campaign(BORDER_SAMPLE, PROJECT).campaign
    jobs = plan(campaign)
    # and the Lao + Thai + English sign of the bridge's hall, Boten's Lao + Chinese + Hmong
    # sign, and square and story social-media cards for Vientiane and Boten
    assert len(jobs) == 43
    assert jobs[0].name == "vientiane-nong-khai_border-sign_A1_lo-th_DRAFT"
    assert jobs[3].name == "vientiane-nong-khai_social-card_square_lo-th_DRAFT"
    assert jobs[5].name == "vientiane-nong-khai-hall_border-sign_A1_lo-th-en_DRAFT"
    cards = {job.placement_id for job in jobs if job.format.is_pixel}
    assert cards == {"vientiane-nong-khai", "boten-mohan"}
    for placement in campaign.placements:
        designs = [order.design for order in placement.orders()]
        expected = ["border-sign", "social-card"] if placement.id in cards else ["border-sign"]
        assert designs == expected, placement.id


def test_design_and_designs_together_are_refused_with_the_line(project):
    text = TWO_DESIGNS.replace(
        "    languages: [lo, en]\n    designs:",
        "    design: border-sign\n    languages: [lo, en]\n    designs:",
    )
    [problem] = problems(project, text)
    assert problem.field == "placements[0].designs"
    assert "either 'design' and 'formats', or 'designs'" in problem.message
    # The line of the list under 'designs:'.
    assert problem.line == text.splitlines().index("    designs:") + 2


def test_a_placement_without_design_says_what_is_missing(project):
    text = SMALL_CAMPAIGN.replace("    design: border-sign\n    languages", "    languages")
    [problem] = problems(project, text)
    assert problem.field == "placements[0].design"
    assert "required field is missing" in problem.message and "'designs'" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "design: other-sign",
            "design: border-sign",
            "placements[0].designs[1].design",
            "listed twice",
        ),
        (
            "design: other-sign",
            "design: nowhere",
            "placements[0].designs[1].design",
            "unknown design 'nowhere'",
        ),
        (
            "{size: A3, quantity: 1}",
            "{size: A4, quantity: 1}",
            "placements[0].designs[0].formats[1]",
            "listed twice",
        ),
    ],
)
def test_mistakes_inside_designs_point_at_the_entry(project, old, new, field, message):
    text = TWO_DESIGNS.replace(old, new, 1)
    found = problems(project, text)
    assert any(p.field == field and message in p.message for p in found), found


def test_a_flyer_only_change_does_not_rebuild_the_posters(sample, tmp_path):
    campaign = sample.campaign
    templates = templates_digest(PROJECT)
    [poster] = plan(campaign, ["thakhek-en_tourist-poster_A3_lo-en"])
    [flyer] = plan(campaign, ["thakhek-en_flyer_DL_lo-en"])
    text = TOURIST_SAMPLE.read_text(encoding="utf-8")
    changed = text.replace(
        '    en: "Warning signs and numbers to call are on the back"',
        '    en: "Warning signs and the numbers to call: on the back"',
    ).replace(
        "formats: [{size: DL, quantity: 1000}]\n  - id: thakhek-th",
        "formats: [{size: DL, quantity: 900}]\n  - id: thakhek-th",
    )
    assert changed.count("on the back") == 1 and "quantity: 900" in changed
    path = tmp_path / TOURIST_SAMPLE.name
    path.write_text(changed, encoding="utf-8")
    other = load_campaign(path).campaign
    assert job_key(poster, campaign, PROJECT, templates) == job_key(
        poster, other, PROJECT, templates
    )
    assert job_key(flyer, campaign, PROJECT, templates) != job_key(flyer, other, PROJECT, templates)


# --- built --------------------------------------------------------------------------------


def base_letters(text: str) -> str:
    """``text`` squeezed, without combining marks, AM written as its vowel.

    Text extraction does not give Lao and Thai back as set: pypdfium2 moves Thai
    tone marks along the line ("ไม่ใช่" comes out "ไม่ใช"), reads a glyph shared by
    AA and AM as AM ("อายุ" comes out "อำยุ": the PDF maps one glyph to one text),
    and reads the Lao ligature of NIGGAHITA and a tone mark ("ຕ່ຳ") as a stray
    ASCII character ("ຕbາ"; poppler leaves it out), and the Thai one as punctuation. Texts are compared on their
    base letters, in order."""
    text = squeeze(text).replace("\u0eb3", "\u0eb2").replace("\u0e33", "\u0e32")
    # One stray ASCII character, or a run of stray punctuation (Thai "ต่ำ" comes out "ต;,า").
    stray = r"(?:[\x21-\x2f\x3a-\x7e]|[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+)"
    text = re.sub(rf"(?<=[\u0e00-\u0eff]){stray}(?=[\u0e00-\u0eff])", "", text)
    return "".join(char for char in text if unicodedata.category(char) != "Mn")


def script_counts(text: str) -> dict[str, int]:
    return {lang: sum(map(test, text)) for lang, test in SCRIPTS.items()}


def test_a_poster_in_each_language_pair_builds_with_its_scripts_and_fonts(tourist_build):
    _, result = tourist_build
    posters = [r for r in result.results if r.job.design_id == "tourist-poster"]
    assert {r.job.languages[1] for r in posters} == {"en", "zh-Hans", "ko", "th", "fr", "ja"}
    campaign = load_campaign(TOURIST_SAMPLE).campaign
    for poster in posters:
        assert poster.ok, poster.error
        second = poster.job.languages[1]
        pdf = result.folder / poster.file
        [text] = extract_text(pdf.read_bytes())
        counts = script_counts(text)
        assert counts["lo"] >= 80 and counts[second] >= 20, (poster.file, counts)
        latin = ("en", "fr")  # the numbers' captions and logos are Latin on every poster
        same_letters = ("zh-Hans",) if second == "ja" else ()
        others = {k: n for k, n in counts.items() if k not in ("lo", second, *latin, *same_letters)}
        assert not any(others.values()), (poster.file, others)
        for key in ("headline", "no-giving", "guest-room", "warning-sign"):
            for lang in ("lo", second):
                assert base_letters(campaign.message(key)[lang]) in base_letters(text), (key, lang)
        boxed, outside = chars_outside_trim(pdf)
        assert boxed > 150 and outside == 0, poster.file
        expected = {"Noto-Sans", "Noto-Sans-Lao"} | SECOND_FONT[second]
        assert font_families(pdf) == expected, poster.file
