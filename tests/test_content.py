"""Text statuses and staleness, scripts, budgets, contacts' verification, and `poster status`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT, SMALL_CAMPAIGN, review_campaign
from generator.campaign import CampaignError, load_campaign
from generator.campaign.content import (
    add_months,
    campaign_texts,
    contact_state,
    held_back,
    script_problem,
    short_hash,
    text_state,
    text_width,
)
from generator.campaign.status import campaign_status
from generator.cli import EXIT_OK, main
from generator.planning.plan import plan

SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
TODAY = dt.date(2026, 11, 23)


def write(project: Path, text: str, name: str = "small.yaml") -> Path:
    path = project / "campaigns" / name
    path.write_text(text, encoding="utf-8")
    return path


def state_of(path: Path, project: Path, text_id: str, lang: str) -> str:
    campaign = load_campaign(path, project).campaign
    return text_state(campaign, campaign_texts(campaign)[text_id], lang).state


def test_a_contact_of_a_design_is_used_by_each_placement_that_lists_the_design():
    """Also by a placement that lists several designs ('designs:'), not only by one that
    names a single 'design:' (mypy found the lookup by the placement's absent design)."""
    campaign = load_campaign(SAMPLE).campaign
    several = [p for p in campaign.placements if p.design is None and p.designs]
    assert several, "the sample has a placement listing several designs"
    texts = campaign_texts(campaign)
    for placement in several:
        for order in placement.orders():
            design = next(d for d in campaign.designs if d.id == order.design)
            for contact_id in design.contacts:
                users = texts[f"contact.{contact_id}.name"].used_by
                assert f"placement {placement.id}" in users, (contact_id, users)


# --- the sample stays an honest draft ---------------------------------------------------


def test_sample_campaign_is_all_drafts_and_no_poster_is_final():
    loaded = load_campaign(SAMPLE, PROJECT)
    campaign = loaded.campaign
    assert campaign.source_language == "en"
    assert campaign.translations == {}  # nobody has reviewed anything: never claim it
    assert "reviewed" not in re.sub(r"#.*", "", loaded.source).replace("reviewed by", "")
    jobs = plan(campaign)
    # posters and social-media cards alike
    assert jobs and all(job.draft and job.name.endswith("_DRAFT") for job in jobs)
    report = campaign_status(campaign, TODAY)
    assert not any(p.final_ready for p in report.placements)
    for lang in report.languages:
        if lang.source:
            assert lang.lang == "en"
        else:
            assert lang.counts["reviewed"] == 0 and lang.counts["draft"] > 0, lang
        assert lang.problems == []  # every sample text is in its script, budget and placeholders


# --- statuses and staleness -------------------------------------------------------------


def test_reviewed_texts_make_a_final_poster_and_a_source_edit_makes_them_stale(project):
    path = write(project, SMALL_CAMPAIGN)
    [job] = plan(load_campaign(path, project).campaign)
    assert job.draft and "headline (lo): draft" in job.held_back

    review_campaign(path, project)
    campaign = load_campaign(path, project).campaign
    assert set(campaign.translations) == {"lo"}  # en is the source: it has no status
    [job] = plan(campaign)
    assert not job.draft and job.filename == "test-crossing_border-sign_A4_lo-en.pdf"
    assert state_of(path, project, "headline", "lo") == "reviewed"

    # The English source of one message changes: its Lao translation is stale.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("en: Know your employer,", "en: Know who employs you,"), "utf-8")
    campaign = load_campaign(path, project).campaign
    [stale] = held_back(campaign, campaign.placements[0])
    assert stale.text_id == "employer" and stale.lang == "lo" and stale.state == "stale"
    assert stale.describe() == (
        "employer (lo): stale, reviewed by Test Reviewer on 2026-11-20, "
        "but the en source changed since"
    )
    assert state_of(path, project, "headline", "lo") == "reviewed"  # the others are not
    [job] = plan(campaign)
    assert job.draft and job.held_back == (stale.describe(),)


def test_editing_a_reviewed_translation_in_the_file_makes_it_stale(project):
    path = write(project, SMALL_CAMPAIGN)
    review_campaign(path, project)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("lo: ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ,", "lo: ຮູ້ຈັກນາຍຈ້າງ,"), "utf-8")
    campaign = load_campaign(path, project).campaign
    [stale] = held_back(campaign, campaign.placements[0])
    assert stale.text_id == "employer" and stale.why.endswith("but the text was edited since")


def test_a_reviewed_status_needs_its_reviewer_date_and_hashes(project):
    text = (
        SMALL_CAMPAIGN + "translations:\n  lo:\n    headline: {status: reviewed, reviewer: Noy}\n"
    )
    with pytest.raises(CampaignError) as info:
        load_campaign(write(project, text), project)
    [problem] = info.value.problems
    assert problem.field == "translations.lo.headline"
    assert problem.line == len(SMALL_CAMPAIGN.splitlines()) + 3
    assert "needs reviewer, reviewed, source_hash and text_hash" in problem.message


def test_statuses_must_name_texts_in_languages_that_have_them(project):
    statuses = """\
    translations:
      en:
        headline: {status: translated}
      lo:
        no-such-message: {status: draft}
        headline: {status: translated}
      th:
        placement.test-crossing.name: {status: translated}
        organisation.mlsw.name: {status: translated}
    """
    path = write(project, SMALL_CAMPAIGN + "\n".join(line[4:] for line in statuses.splitlines()))
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    found = {(p.field, p.line): p.message for p in info.value.problems}
    assert len(found) == 3, found
    base = len(SMALL_CAMPAIGN.splitlines())
    assert "the source language" in found[("translations.en.headline", base + 3)]
    assert "no text 'no-such-message'" in found[("translations.lo.no-such-message", base + 5)]
    assert "has no 'th' version" in found[("translations.th.organisation.mlsw.name", base + 9)]


def test_a_placeholder_must_name_a_contact(project):
    text = SMALL_CAMPAIGN.replace("en: Need help? Call,", "en: 'Need help? Call {number:la-9999}',")
    with pytest.raises(CampaignError) as info:
        load_campaign(write(project, text), project)
    [problem] = info.value.problems
    assert problem.field == "messages.call.en"
    assert "unknown contact in {number:...} 'la-9999'" in problem.message


def test_short_hash_is_eight_hex_digits_of_sha256():
    text = "ໄປເຮັດວຽກ"
    assert short_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    assert short_hash("a") != short_hash("a ")


# --- script and width -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("ໄປເຮັດວຽກຕ່າງປະເທດ", "lo", None),
        ("ອົງການ UNICEF ປະຈຳ ສປປ ລາວ", "lo", None),  # a Latin name inside Lao
        ("ສາຍດ່ວນຊາວໜຸ່ມ 24 ຊົ່ວໂມງ", "lo", None),  # digits are common to all
        ("ไปทำงานต่างประเทศ", "lo", "has Thai letters; Lao is written in Lao"),
        ("ໄປເຮັດວຽກ", "th", "has Lao letters; Thai is written in Thai"),
        ("Working abroad", "lo", "is mostly Latin letters; Lao is written in Lao"),
        ("出国务工，安全第一", "zh-Hans", None),
        ("Cần giúp đỡ? Hãy gọi", "vi", None),
        ("နိုင်ငံခြားမှာ", "km", "has Myanmar letters; Khmer is written in Khmer"),
        ("ខ្សែទូរស័ព្ទជំនួយយុវជន ២៤ម៉ោង", "km", None),
    ],
)
def test_script_of_a_text_must_be_its_languages(text, lang, expected):
    assert script_problem(text, lang) == expected


def test_text_width_counts_what_a_reader_sees():
    assert text_width("Stay safe") == 9
    assert text_width("ຊົ່ວໂມງ") == 5  # ຊົ່ ວ ໂ ມ ງ: tone and vowel marks join their letter
    assert text_width("安全第一") == 8  # CJK characters are twice as wide


# --- contacts ---------------------------------------------------------------------------


def test_contact_verification_ages(project):
    campaign = load_campaign(write(project, SMALL_CAMPAIGN), project).campaign
    contact = campaign.contacts[0]
    assert contact.verified == TODAY
    assert contact_state(contact, TODAY, 12).state == "ok"
    assert contact_state(contact, dt.date(2027, 11, 23), 12).state == "ok"  # 12 months exactly
    old = contact_state(contact, dt.date(2027, 11, 24), 12)
    assert old.state == "old" and old.age_months == 12
    assert old.describe() == (
        "contact la-1554 (1554) was last verified on 2026-11-23, 12 months ago: check it again"
    )
    assert contact_state(contact, dt.date(2027, 6, 1), 6).state == "old"  # a shorter limit
    assert contact_state(contact, dt.date(2026, 11, 22), 12).state == "future"
    unverified = contact_state(contact.model_copy(update={"verified": None}), TODAY, 12)
    assert unverified.state == "unverified" and not unverified.verified
    assert "has no verification date" in unverified.describe()


def test_add_months_keeps_the_end_of_the_month():
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 23), 14) == dt.date(2028, 1, 23)


def test_contact_max_age_is_set_per_campaign(project):
    text = SMALL_CAMPAIGN.replace(
        "organisations:", "review: {contact_max_age_months: 6}\norganisations:", 1
    )
    campaign = load_campaign(write(project, text), project).campaign
    report = campaign_status(campaign, dt.date(2027, 6, 1))
    assert report.max_age_months == 6
    [contact] = report.contacts
    assert contact.state == "old" and contact.age_months == 6


# --- poster status ----------------------------------------------------------------------


def test_status_counts_per_language_contacts_and_final_ready_posters(project):
    path = write(project, SMALL_CAMPAIGN)
    review_campaign(path, project)
    text = path.read_text(encoding="utf-8")
    text = text.replace("en: Get a written contract,", "en: Get a contract in writing,")
    text = text.replace("    verified: 2026-11-23\n", "")
    path.write_text(text, encoding="utf-8")
    report = campaign_status(load_campaign(path, project).campaign, TODAY)
    counts = {lang.lang: lang.counts for lang in report.languages}
    assert counts["en"] == {"source": 9}  # the title has only English
    assert counts["lo"] == {"draft": 0, "translated": 0, "reviewed": 7, "stale": 1, "missing": 0}
    # Thai texts exist but no poster is in Thai: nobody reviewed them.
    assert counts["th"] == {"draft": 7, "translated": 0, "reviewed": 0, "stale": 0, "missing": 0}
    [contact] = report.contacts
    assert contact.state == "unverified" and contact.verified is None
    [placement] = report.placements
    assert not placement.final_ready and not placement.press_ready
    assert placement.held_back_by == [
        "contract (lo): stale, reviewed by Test Reviewer on 2026-11-20, "
        "but the en source changed since"
    ]
    assert placement.unverified == [
        "contact la-1554 (1554) has no verification date: check the number, then set 'verified'"
    ]


def test_status_command(project):
    path = write(project, SMALL_CAMPAIGN)
    runner = CliRunner()
    result = runner.invoke(main, ["status", str(path), "--project", str(project)])
    assert result.exit_code == EXIT_OK, result.output
    assert "Texts" in result.stdout and "Contacts" in result.stdout
    assert "no: 8 texts" in result.stdout  # the posters' texts awaiting review
    assert "verified" in result.stdout
    result = runner.invoke(main, ["status", str(path), "--json", "--project", str(project)])
    [report] = json.loads(result.stdout)
    assert report["campaign"] == "small-test"
    assert report["placements"][0]["final_ready"] is False


def test_status_of_the_sample_from_the_command_line(tmp_path):
    shutil.copytree(PROJECT / "templates", tmp_path / "templates")
    shutil.copytree(PROJECT / "assets", tmp_path / "assets")
    (tmp_path / "campaigns").mkdir()
    shutil.copy(SAMPLE, tmp_path / "campaigns")
    result = CliRunner().invoke(main, ["status", "--json", "--project", str(tmp_path)])
    assert result.exit_code == EXIT_OK, result.output
    [report] = json.loads(result.stdout)
    # with the bridge hall in Lao, Thai and English, and Boten in Lao and Hmong
    assert len(report["placements"]) == 17
    assert not any(p["final_ready"] for p in report["placements"])
