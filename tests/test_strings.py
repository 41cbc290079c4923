"""Texts out to translators and back: PO export, import, validation, and what import changes.

The campaign files are real ones (the sample, copied to a temporary project) and
the PO files are read back with Babel, as a translator's editor would.
"""

from __future__ import annotations

import difflib
import io
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from conftest import PROJECT, SMALL_CAMPAIGN, review_po
from generator.campaign import load_campaign
from generator.campaign.content import campaign_texts, short_hash, text_state
from generator.campaign.strings import StringsError, export_strings, import_strings
from generator.cli import EXIT_INVALID, EXIT_OK, main

SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
TARGETS = ("lo", "th", "vi", "zh-Hans", "my", "km")


@pytest.fixture
def sample(project: Path) -> Path:
    path = project / "campaigns" / SAMPLE.name
    shutil.copy(SAMPLE, path)
    return path


@pytest.fixture
def small(project: Path) -> Path:
    """The small Lao-English campaign, its call to action naming the number by placeholder."""
    text = SMALL_CAMPAIGN.replace(
        "call: {lo: ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}",
        'call: {lo: "ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ {number:la-1554}", '
        'en: "Need help? Call {number:la-1554}", th: "ต้องการความช่วยเหลือ โทร {number:la-1554}"}',
    )
    assert text != SMALL_CAMPAIGN
    path = project / "campaigns" / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def catalog_of(po: bytes):
    return {m.context: m for m in read_po(io.BytesIO(po)) if m.id}


def edit_po(po: bytes, context: str, new_text: str) -> bytes:
    """The PO file with one msgstr changed, the way a translator's editor would save it."""
    catalog = read_po(io.BytesIO(po))
    [message] = [m for m in catalog if m.context == context]
    message.string = new_text
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    return buffer.getvalue()


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


# --- export ---------------------------------------------------------------------------


def test_export_has_source_beside_each_text_with_context(project, sample):
    loaded = load_campaign(sample, project)
    exported = export_strings(loaded, "lo")
    catalog = read_po(io.BytesIO(exported.po))
    assert str(catalog.locale) == "lo"
    messages = catalog_of(exported.po)
    assert exported.entries == len(messages) == len(campaign_texts(loaded.campaign))
    headline = messages["headline"]
    assert headline.id == "Working abroad? Stay safe"  # the English source
    assert headline.string == "ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ"
    assert headline.fuzzy  # a draft: nobody has reviewed it
    # the border sign and its social-media card print it
    assert "headline: design border-sign, design social-card" in headline.auto_comments
    assert "budget: at most 60 characters (CJK count 2)" in headline.auto_comments
    # The reference points at the line of the Lao text in the campaign file.
    [(file, line)] = headline.locations
    assert file == SAMPLE.name
    assert sample.read_text(encoding="utf-8").splitlines()[line - 1].strip().startswith("lo: ")
    # Names are texts too, with the role that sets their budget.
    place = messages["placement.vientiane-nong-khai.name"]
    assert place.id == "Vientiane – Nong Khai (1st Friendship Bridge)"
    assert any(c.startswith("budget: at most 90") for c in place.auto_comments)
    assert messages["contact.la-1362.name"].string == "ສາຍດ່ວນແມ່ຍິງ ແລະ ເດັກນ້ອຍ"


def test_export_of_a_neighbour_language_has_only_its_texts(project, sample):
    loaded = load_campaign(sample, project)
    messages = catalog_of(export_strings(loaded, "th").po)
    assert "placement.vientiane-nong-khai.name" in messages
    assert "placement.dansavanh-lao-bao.name" not in messages  # a Lao-Vietnamese sign
    assert "contact.vn-111.name" not in messages
    assert all(m.fuzzy for m in messages.values())  # every Thai text is a draft


def test_export_refuses_the_source_language_and_unknown_ones(project, sample):
    loaded = load_campaign(sample, project)
    with pytest.raises(StringsError, match="source language"):
        export_strings(loaded, "en")
    with pytest.raises(StringsError, match="cannot export 'xx': 'xx' is not a valid BCP 47"):
        export_strings(loaded, "xx")


# --- the round trip -------------------------------------------------------------------


@pytest.mark.parametrize("lang", TARGETS)
def test_round_trip_without_edits_changes_nothing(project, sample, lang):
    before = sample.read_bytes()
    loaded = load_campaign(sample, project)
    po = project / f"{lang}.po"
    po.write_bytes(export_strings(loaded, lang).po)
    result = import_strings(loaded, po, project)
    assert result.changes == []
    assert not result.written
    assert sample.read_bytes() == before


def test_round_trip_of_reviewed_and_stale_texts_changes_nothing(project, sample):
    """Statuses other than draft survive a round trip too, stale ones included."""
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    po.write_bytes(review_po(export_strings(loaded, "lo").po, "Noy", "2026-11-20"))
    import_strings(loaded, po, project)
    text = sample.read_text(encoding="utf-8")
    sample.write_text(
        text.replace('en: "Need help? Call"', 'en: "Need help? Call now"'), encoding="utf-8"
    )
    loaded = load_campaign(sample, project)
    texts = campaign_texts(loaded.campaign)
    assert text_state(loaded.campaign, texts["call-for-help"], "lo").state == "stale"
    assert text_state(loaded.campaign, texts["headline"], "lo").state == "reviewed"

    before = sample.read_bytes()
    po.write_bytes(export_strings(loaded, "lo").po)
    result = import_strings(loaded, po, project)
    assert result.changes == []
    assert sample.read_bytes() == before


def test_an_edit_changes_only_its_text_and_adds_its_status(project, sample):
    before = sample.read_text(encoding="utf-8")
    loaded = load_campaign(sample, project)
    po = project / "th.po"
    exported = export_strings(loaded, "th").po
    new = "ก่อนออกเดินทาง จำข้อต่อไปนี้ไว้"
    po.write_bytes(edit_po(exported, "subheadline", new))
    result = import_strings(loaded, po, project)
    assert result.written
    assert result.changes == ["subheadline (th): text changed; draft"]
    after = sample.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert removed == ['    th: "ก่อนเดินทาง จำข้อต่อไปนี้ไว้"']
    assert added[0] == f'    th: "{new}"'  # in place, quoted as before
    assert added[1:] == [
        "",
        "# Status of each translation, per language and text: written by `poster strings import`",
        "# (see docs/campaign-format.md). A text with no entry here is a draft.",
        "translations:",
        "  th:",
        "    subheadline: {status: draft}",
    ]
    # Every comment of the original is still there, in order.
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in after.splitlines() if line in comments] == comments
    assert load_campaign(sample, project).campaign.messages["subheadline"]["th"] == new


def test_review_line_marks_a_text_reviewed_with_hashes(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    exported = export_strings(loaded, "lo").po
    po.write_bytes(review_po(exported, "Noy S.", "2026-11-20", only={"headline"}))
    result = import_strings(loaded, po, project)
    assert result.changes == ["headline (lo): draft → reviewed by Noy S. on 2026-11-20"]
    campaign = load_campaign(sample, project).campaign
    record = campaign.translations["lo"]["headline"]
    assert record.status == "reviewed" and record.reviewer == "Noy S."
    assert str(record.reviewed) == "2026-11-20"
    assert record.source_hash == short_hash("Working abroad? Stay safe")
    assert record.text_hash == short_hash("ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ")
    # Exported again, the entry carries the review and no fuzzy flag.
    message = catalog_of(export_strings(load_campaign(sample, project), "lo").po)["headline"]
    assert not message.fuzzy
    assert message.user_comments == ["reviewed-by: Noy S. 2026-11-20"]


def test_editing_a_reviewed_text_without_a_new_review_makes_it_translated(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    po.write_bytes(review_po(export_strings(loaded, "lo").po, "Noy", "2026-11-20"))
    import_strings(loaded, po, project)
    loaded = load_campaign(sample, project)
    # The translator changes the text; the exported review line is still on the entry.
    po.write_bytes(edit_po(export_strings(loaded, "lo").po, "headline", "ໄປເຮັດວຽກ ຢ່າງປອດໄພ"))
    result = import_strings(loaded, po, project)
    assert result.changes == [
        "headline (lo): text changed; reviewed → translated (the review was of the earlier text)"
    ]
    campaign = load_campaign(sample, project).campaign
    state = text_state(campaign, campaign_texts(campaign)["headline"], "lo")
    assert state.state == "translated"


def test_reviewed_by_option_reviews_every_entry_not_fuzzy(project, sample):
    loaded = load_campaign(sample, project)
    catalog = read_po(io.BytesIO(export_strings(loaded, "km").po))
    for message in catalog:
        if message.context in ("headline", "subheadline"):
            message.flags.discard("fuzzy")
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    po = project / "km.po"
    po.write_bytes(buffer.getvalue())
    result = import_strings(loaded, po, project, reviewed_by="Dara")
    assert sorted(result.changes) == [
        f"headline (km): draft → reviewed by Dara on {result_date()}",
        f"subheadline (km): draft → reviewed by Dara on {result_date()}",
    ]


def result_date() -> str:
    import datetime as dt

    return str(dt.date.today())


# --- refusals ----------------------------------------------------------------------------


def refused(loaded, po: Path, project: Path, path: Path) -> list[str]:
    before = path.read_bytes()
    with pytest.raises(StringsError) as info:
        import_strings(loaded, po, project)
    assert path.read_bytes() == before, "a refused import must change nothing"
    return info.value.problems


def test_thai_text_in_the_lao_column_is_refused(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    thai = "ไปทำงานต่างประเทศ ไปอย่างปลอดภัย"
    po.write_bytes(edit_po(export_strings(loaded, "lo").po, "headline", thai))
    [problem] = refused(loaded, po, project, sample)
    assert "lo.po:" in problem and "headline (lo)" in problem
    assert "has Thai letters; Lao is written in Lao" in problem


def test_lao_text_in_the_vietnamese_column_is_refused(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "vi.po"
    po.write_bytes(edit_po(export_strings(loaded, "vi").po, "place-label", "ດ່ານຊາຍແດນ"))
    [problem] = refused(loaded, po, project, sample)
    assert "has Lao letters; Vietnamese is written in Latin" in problem


def test_broken_placeholder_is_refused(project, small):
    loaded = load_campaign(small, project)
    exported = export_strings(loaded, "lo").po
    assert catalog_of(exported)["call"].id == "Need help? Call {number:la-1554}"
    po = project / "lo.po"
    for broken, expected in (
        ("ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ {number:la-1555}", "names no contact"),
        ("ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ {number:la-1554", "a brace that is not part"),
        ("ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ 1554", "placeholders differ from the source's"),
    ):
        po.write_bytes(edit_po(exported, "call", broken))
        problems = refused(loaded, po, project, small)
        assert any(expected in p for p in problems), problems
    # Kept as it is, the placeholder passes.
    po.write_bytes(edit_po(exported, "call", "ໂທຫາ {number:la-1554} ເພື່ອຂໍຄວາມຊ່ວຍເຫຼືອ"))
    assert import_strings(loaded, po, project).written


def test_text_over_its_budget_is_refused(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    long_text = "ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ " * 4  # about 80 characters for a 45-character role
    po.write_bytes(edit_po(export_strings(loaded, "lo").po, "call-for-help", long_text))
    [problem] = refused(loaded, po, project, sample)
    assert "the budget for a call_to_action is 45" in problem


def test_every_bad_entry_is_reported_at_once(project, sample):
    loaded = load_campaign(sample, project)
    po_bytes = export_strings(loaded, "lo").po
    po_bytes = edit_po(po_bytes, "headline", "ไปทำงานต่างประเทศ")
    po_bytes = edit_po(po_bytes, "subheadline", "Before you go")
    po_bytes = po_bytes.replace(b'msgctxt "place-label"', b'msgctxt "place-lable"')
    po = project / "lo.po"
    po.write_bytes(po_bytes)
    problems = refused(loaded, po, project, sample)
    assert len(problems) == 3
    assert any("unknown text 'place-lable'" in p for p in problems)
    assert any("subheadline (lo): is mostly Latin letters" in p for p in problems)


def test_a_file_exported_before_the_source_changed_is_refused(project, sample):
    loaded = load_campaign(sample, project)
    po = project / "lo.po"
    po.write_bytes(edit_po(export_strings(loaded, "lo").po, "headline", "ໄປເຮັດວຽກ ຢ່າງປອດໄພ"))
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("Working abroad? Stay safe", "Working abroad?"), "utf-8")
    problems = refused(load_campaign(sample, project), po, project, sample)
    assert problems == [
        p for p in problems if "the en source changed since this file was exported" in p
    ]
    assert len(problems) == 1


def test_fuzzy_and_reviewed_at_once_is_refused(project, sample):
    loaded = load_campaign(sample, project)
    po_bytes = export_strings(loaded, "lo").po.replace(
        b'#, fuzzy\nmsgctxt "headline"',
        b'# reviewed-by: Noy 2026-11-20\n#, fuzzy\nmsgctxt "headline"',
    )
    po = project / "lo.po"
    po.write_bytes(po_bytes)
    [problem] = refused(loaded, po, project, sample)
    assert "both fuzzy (draft) and reviewed-by" in problem


def test_a_po_file_of_another_campaign_is_refused(project, sample, small):
    po = project / "lo.po"
    po.write_bytes(export_strings(load_campaign(small, project), "lo").po)
    with pytest.raises(StringsError, match="for campaign 'small-test'"):
        import_strings(load_campaign(sample, project), po, project)


# --- the command line -------------------------------------------------------------------


def test_cli_export_then_import(project, sample):
    runner = CliRunner()
    po = project / "my.po"
    args = ["--project", str(project)]
    result = runner.invoke(
        main, ["strings", "export", str(sample), "--language", "my", "--output", str(po), *args]
    )
    assert result.exit_code == EXIT_OK, result.output
    assert po.is_file() and "13 texts" in result.stderr
    before = sample.read_bytes()
    result = runner.invoke(main, ["strings", "import", str(sample), str(po), *args])
    assert result.exit_code == EXIT_OK, result.output
    assert "no changes" in result.stderr
    assert sample.read_bytes() == before

    po.write_bytes(edit_po(po.read_bytes(), "headline", "ไปทำงานต่างประเทศ"))
    result = runner.invoke(main, ["strings", "import", str(sample), str(po), *args])
    assert result.exit_code == EXIT_INVALID
    assert "refused" in result.stderr and "Thai letters" in result.stderr
    assert "Traceback" not in result.output
    assert sample.read_bytes() == before
