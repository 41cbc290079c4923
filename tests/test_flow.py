"""The flow layout: every design in one to four languages, on real renders read back.

Posters are laid out by WeasyPrint and the PDFs read back with PDFium; nothing
is mocked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_fit import font_size_mm_at
from test_tourist import base_letters

from conftest import PROJECT, SMALL_CAMPAIGN, chars_outside_trim
from generator.campaign import load_campaign
from generator.cli import main
from generator.planning.formats import PaperFormat
from generator.planning.plan import plan
from generator.preflight import extract_text
from generator.render.templating import PosterContext, template_pages
from generator.typeset.layout import balanced_lines
from generator.typeset.pdf import render_poster

BORDER = PROJECT / "campaigns" / "laos-border-crossings.yaml"
TOURIST = PROJECT / "campaigns" / "laos-tourist-child-protection.yaml"


def campaign_with(path: Path, placement_id: str, languages: list[str]):
    """The sample campaign with one placement speaking ``languages`` (its name and the
    contacts' names copied from English where the sample has none)."""
    campaign = load_campaign(path, PROJECT).campaign
    placements = []
    for placement in campaign.placements:
        if placement.id == placement_id:
            names = {lang: placement.name.get(lang, placement.name["en"]) for lang in languages}
            placement = placement.model_copy(update={"languages": languages, "name": names})
        placements.append(placement)
    contacts = [
        contact.model_copy(
            update={"name": {**{lang: contact.name["en"] for lang in languages}, **contact.name}}
        )
        for contact in campaign.contacts
    ]
    return campaign.model_copy(update={"placements": placements, "contacts": contacts})


# (sample, placement, design, format, languages: the first n of them are used)
DESIGNS = {
    "border-sign": (
        BORDER,
        "vientiane-nong-khai-hall",
        "border-sign",
        "A2",
        ["lo", "th", "en", "vi"],
    ),
    "border-sign-landscape": (
        BORDER,
        "vientiane-nong-khai-hall",
        "border-sign",
        "A2-landscape",
        ["lo", "th", "en", "vi"],
    ),
    "tourist-poster": (
        TOURIST,
        "vientiane-banner",
        "tourist-poster",
        "A3",
        ["lo", "en", "zh-Hans", "ko"],
    ),
    "flyer": (TOURIST, "vientiane-banner", "flyer", "A5", ["lo", "en", "zh-Hans", "ko"]),
    "rollup-banner": (
        TOURIST,
        "vientiane-banner",
        "banner",
        "rollup",
        ["lo", "en", "zh-Hans", "ko"],
    ),
}


def render(design: str, count: int, tmp_path: Path):
    path, placement_id, design_id, label, languages = DESIGNS[design]
    campaign = campaign_with(path, placement_id, languages[:count])
    if count == 4 and design_id != "banner":
        # Four languages at legible sizes need a shorter design than the samples' (the
        # build says so, with the cut): two messages, the design's own contacts.
        designs = [
            d.model_copy(update={"messages": d.messages[:2]}) if d.id == design_id else d
            for d in campaign.designs
        ]
        placements = [
            p.model_copy(update={"contacts": []}) if p.id == placement_id else p
            for p in campaign.placements
        ]
        campaign = campaign.model_copy(update={"designs": designs, "placements": placements})
    (job,) = [j for j in plan(campaign) if j.placement_id == placement_id][:1]
    name, _, orientation = label.partition("-")
    job = replace(job, design_id=design_id, format=PaperFormat(name, orientation or "portrait"))
    job = replace(job, template=campaign.design(design_id).template)
    context = PosterContext(job, campaign, PROJECT)
    rendered = render_poster(context, template_pages(PROJECT, job.template))
    pdf = tmp_path / f"{design}-{count}.pdf"
    pdf.write_bytes(rendered.pdf)
    return campaign, job, pdf, rendered


@pytest.mark.parametrize("count", [1, 2, 3, 4])
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_every_design_in_one_to_four_languages(design, count, tmp_path):
    campaign, job, pdf, rendered = render(design, count, tmp_path)
    assert len(job.languages) == count
    pages = extract_text(pdf.read_bytes())
    assert len(pages) == rendered.pages == template_pages(PROJECT, job.template)
    text = base_letters("".join(pages))
    design_model = campaign.design(job.design_id)
    for lang in job.languages:
        for key in (design_model.headline, design_model.call_to_action):
            assert base_letters(campaign.messages[key][lang]) in text, (key, lang)
    for page in range(len(pages)):
        boxed, outside = chars_outside_trim(pdf, page)
        assert boxed > 20 and outside == 0, (page, boxed, outside)
    # The primary language is never set smaller than another in the same role.
    sizes = [
        font_size_mm_at(pdf, campaign.messages[design_model.headline][lang][:1])
        for lang in job.languages
    ]
    assert sizes[0] >= max(sizes) - 0.01, sizes
    assert sizes == sorted(sizes, reverse=True), sizes


def test_file_names_and_manifest_follow_the_languages(project, tmp_path):
    from generator.build.campaign import build_campaign

    text = SMALL_CAMPAIGN.replace("languages: [lo, en]", "languages: [lo, th, en]", 1)
    path = project / "campaigns" / "three.yaml"
    path.write_text(text, encoding="utf-8")
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    (poster,) = result.results
    assert poster.ok, poster.error
    assert "_lo-th-en" in poster.file
    manifest = (result.folder / "manifest.json").read_text(encoding="utf-8")
    import json

    (entry,) = json.loads(manifest)["posters"]
    assert entry["languages"] == ["lo", "th", "en"]


# --- balanced headlines ------------------------------------------------------------


def test_balanced_lines_leave_no_word_alone_and_prefer_phrase_breaks():
    # Four words, the last short: greedy filling would leave "safe" alone.
    words = [
        ("Working ", 4.0, True),
        ("abroad? ", 4.0, True),
        ("Stay ", 2.3, True),
        ("safe", 2.0, False),
    ]
    breaks = balanced_lines(words, 11.0, False)
    assert breaks == [1]  # "Working abroad? / Stay safe"
    # Lao: a phrase break (after a space) is preferred to one inside a phrase,
    # though the break inside gives slightly more even lines.
    pieces = [
        ("ໄປ", 1.0, False),
        ("ເຮັດວຽກ", 2.2, False),
        ("ຕ່າງປະເທດ ", 3.0, True),
        ("ໄປ", 1.0, False),
        ("ຢ່າງ", 1.3, False),
        ("ປອດໄພ", 2.4, False),
    ]
    assert balanced_lines(pieces, 8.0, True) == [2]
    assert balanced_lines(pieces[:2], 8.0, True) is None  # fits on one line


def headline_lines(pdf: Path, headline: str) -> list[str]:
    words = headline.split()
    text = extract_text(pdf.read_bytes())[0].replace("\r", "")
    lines = [line.strip() for line in text.split("\n")]
    start = next(i for i, line in enumerate(lines) if line.startswith(words[0]))
    got, seen = [], 0
    for line in lines[start:]:
        got.append(line)
        seen += len(line.split())
        if seen >= len(words):
            break
    return got


@pytest.mark.parametrize("label", ["A3", "A2", "A5"])
def test_headlines_have_no_one_word_last_line(label, tmp_path):
    campaign = load_campaign(TOURIST, PROJECT).campaign
    headline = campaign.messages["headline"]["en"]
    design = "flyer" if label == "A5" else "tourist-poster"
    (job,) = [j for j in plan(campaign, ["vientiane-en"]) if j.design_id == design][:1]
    job = replace(job, format=PaperFormat(label, "portrait"))
    rendered = render_poster(
        PosterContext(job, campaign, PROJECT), template_pages(PROJECT, job.template)
    )
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(rendered.pdf)
    lines = headline_lines(pdf, headline)
    assert " ".join(lines).split() == headline.split()
    if len(lines) > 1:
        assert all(len(line.split()) > 1 for line in lines), lines


def test_a_lao_headline_breaks_between_its_phrases(tmp_path):
    _, _, pdf, _ = render("border-sign", 2, tmp_path)
    text = extract_text(pdf.read_bytes())[0].replace("\r", "")
    # "ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ": the line ends after the first phrase.
    first = text.split("\n")[0]
    assert base_letters(first) == base_letters("ໄປເຮັດວຽກຕ່າງປະເທດ"), first


# --- validate agrees with build ----------------------------------------------------


def test_validate_with_layout_agrees_with_build(project, tmp_path):
    from test_fit import HOPELESS

    from generator.build.campaign import build_campaign

    good = project / "campaigns" / "good.yaml"
    good.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    bad = project / "campaigns" / "bad.yaml"
    text = SMALL_CAMPAIGN
    for old, new in HOPELESS["en"].items():
        text = text.replace(old, new)
    bad.write_text(text, "utf-8")
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", "--layout", "--project", str(project), str(good)])
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(main, ["validate", "--layout", "--project", str(project), str(bad)])
    assert failed.exit_code == 2, failed.output  # as for a campaign file that does not load
    # Without --layout the file is valid: only its shape is checked.
    quick = runner.invoke(main, ["validate", "--project", str(project), str(bad)])
    assert quick.exit_code == 0, quick.output

    for path, should_build in ((good, True), (bad, False)):
        result = build_campaign(load_campaign(path, project), project, tmp_path / path.stem, jobs=1)
        (poster,) = result.results
        assert poster.ok is should_build
        if not should_build:
            said = " ".join(failed.output.split())
            assert "too long" in poster.error and "'contract'" in said and "too long" in said


def test_every_text_a_poster_prints_is_keyed_by_its_campaign_text_id():
    """One id scheme: the fit, the text layer's messages and the workspace know each text
    of a poster by the id the PO files use (``placement.<id>.name``, not ``place-<id>``)."""
    from generator.campaign.content import campaign_texts, name_id

    for path in (BORDER, TOURIST):
        campaign = load_campaign(path, PROJECT).campaign
        ids = set(campaign_texts(campaign))
        seen = set()
        for job in plan(campaign):
            if (job.design_id, job.placement_id) in seen:
                continue
            seen.add((job.design_id, job.placement_id))
            context = PosterContext(job, campaign, PROJECT)
            place = context.variables()["place"]
            expected = name_id("placement", job.placement_id)
            assert {(t.key, t.text_id) for t in place} == {(expected, expected)}
            keys = {key for key, _ in context.printed if not key.startswith("number-")}
            assert keys and keys <= ids, (job.name, keys - ids)
