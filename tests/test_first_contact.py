"""What a new user meets first: messages, summaries and files that say what they mean (issue 14)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from conftest import PROJECT, SMALL_CAMPAIGN
from generator.build.campaign import build_campaign
from generator.campaign import CampaignError, Placement, load_campaign
from generator.campaign.placeholders import placeholder_assets
from generator.cli import EXIT_INVALID, EXIT_POSTERS_FAILED, main
from generator.output.manifest import Manifest
from generator.output.print_order import ORDER_HEADER, read_order_sheet, write_order_sheet
from generator.planning.plan import plan


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str | Path):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_campaign(project: Path, text: str, name: str = "small") -> Path:
    path = project / "campaigns" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- no user text through console markup or emoji ---------------------------------------


def test_line_100_is_printed_as_written_not_as_an_emoji(runner, project):
    padding = "".join(f"# comment {n}\n" for n in range(99))  # the mistake is on line 100
    text = padding + SMALL_CAMPAIGN.replace("id: small-test", "id: small-test\n:smile: 1", 1)
    path = write_campaign(project, text)
    result = invoke(runner, "validate", path, "--project", project)
    assert result.exit_code == EXIT_INVALID
    assert "small.yaml:101:1" in result.output  # the stray key, after the 99 comments and id
    assert ":smile:" in result.output
    assert "💯" not in result.output and "😄" not in result.output


def test_square_brackets_in_a_file_name_are_not_markup(runner, project):
    path = write_campaign(project, SMALL_CAMPAIGN, name="[red]x")
    result = invoke(runner, "validate", path, "--project", project)
    assert result.exit_code == 0
    assert "[red]x.yaml" in result.output


# --- --only: AND across kinds, OR within one ----------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return load_campaign(PROJECT / "campaigns" / "laos-border-crossings.yaml", PROJECT).campaign


def test_only_placement_and_format_is_that_one_poster(sample):
    jobs = plan(sample, ["vientiane-nong-khai", "A1"])  # the README's own example
    assert [(j.placement_id, j.format.label) for j in jobs] == [("vientiane-nong-khai", "A1")]


def test_only_two_formats_is_either_of_them(sample):
    jobs = plan(sample, ["A1", "A2"])
    every = plan(sample)
    assert {j.format.name for j in jobs} == {"A1", "A2"}
    assert len(jobs) == sum(1 for j in every if j.format.name in ("A1", "A2"))


def test_only_pattern_and_placement_and_language_all_apply(sample):
    jobs = plan(sample, ["*A1*", "vientiane-nong-khai", "th"])
    assert [j.format.label for j in jobs] == ["A1"]
    assert plan(sample, ["vientiane-nong-khai", "vi"]) == []  # that crossing is Lao-Thai


def test_list_says_what_only_selected(runner):
    path = PROJECT / "campaigns" / "laos-border-crossings.yaml"
    result = invoke(runner, "list", path, "--only", "vientiane-nong-khai", "--only", "A1",
                    "--only", "A2", "--project", PROJECT)  # fmt: skip
    assert result.exit_code == 0
    total = len(plan(load_campaign(path, PROJECT).campaign))
    assert f"--only placement vientiane-nong-khai and format A1 or A2: 1 of {total}" in (
        " ".join(result.output.split())
    )


def test_build_help_explains_how_filters_combine(runner):
    help_text = " ".join(invoke(runner, "build", "--help").output.split())
    assert "different kinds must all match" in help_text


# --- the summary names each refusal by its real reason ----------------------------------


def test_press_refusal_is_named_for_the_unverified_contact_not_final(runner, project, tmp_path):
    text = SMALL_CAMPAIGN.replace("    verified: 2026-11-23\n", "")
    path = write_campaign(
        project, text + "print: {profile: press, icc: default_cmyk.icc, allow_placeholders: true}\n"
    )
    result = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_POSTERS_FAILED
    stderr = " ".join(result.stderr.split())
    assert "refused 1 poster: press profile and a contact with no verification date" in stderr
    assert "contact la-1554 (1554) has no verification date" in stderr
    assert "--profile digital" in stderr
    assert "--final" not in stderr  # no --final was given


# --- print-order.csv: finals only; drafts apart, without quantities ----------------------


def order_entry(file: str, label: str, quantity: int, draft: bool) -> dict:
    return {"file": file, "format": label, "quantity": quantity, "pages": 1, "draft": draft}


def test_print_order_gives_quantities_to_finals_only(tmp_path):
    manifest = {
        "posters": [
            order_entry("a_x_A3_lo-en.pdf", "A3", 10, draft=False),
            order_entry("b_x_A2_lo-th_DRAFT.pdf", "A2", 5, draft=True),
            order_entry("c_x_A3_lo-en_DRAFT.pdf", "A3", 7, draft=True),
        ]
    }
    path = write_order_sheet(tmp_path, Manifest.from_json(manifest))  # as read from disk
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[0][0] == "NOT FOR PRINT" and "2 DRAFT posters" in rows[0][1]
    assert rows[1] == list(ORDER_HEADER)
    totals = [row for row in rows if row and row[0].startswith("TOTAL")]
    assert totals == [["TOTAL A3", "A3", "", "", "10", ""], ["TOTAL", "", "", "", "10", ""]]
    finals, drafts = read_order_sheet(path)
    assert [(r["file"], r["quantity"]) for r in finals] == [("a_x_A3_lo-en.pdf", "10")]
    assert [(r["file"], r["quantity"]) for r in drafts] == [
        ("b_x_A2_lo-th_DRAFT.pdf", ""),
        ("c_x_A3_lo-en_DRAFT.pdf", ""),
    ]
    # Every DRAFT file is below the totals, under the heading that says so.
    heading = rows.index(["DRAFTS: NOT FOR PRINT"])
    assert all(i > heading for i, row in enumerate(rows) if row and "_DRAFT" in row[0])


def test_print_order_without_drafts_is_the_plain_table(tmp_path):
    manifest = Manifest.from_json({"posters": [order_entry("a.pdf", "A4", 3, draft=False)]})
    path = write_order_sheet(tmp_path, manifest)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[0] == list(ORDER_HEADER)
    assert not any("DRAFT" in cell for row in rows for cell in row)


def test_a_draft_build_writes_no_quantity_for_print(project, tmp_path):
    path = write_campaign(project, SMALL_CAMPAIGN)  # nothing reviewed: a draft
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    finals, drafts = read_order_sheet(result.folder / "print-order.csv")
    assert finals == []
    assert [(r["file"], r["quantity"]) for r in drafts] == [
        ("test-crossing_border-sign_A4_lo-en_DRAFT.pdf", "")
    ]


# --- PDF metadata: the texts as written ---------------------------------------------------

BREAKS = ("\u200b", "\u2060", "\u00ad", "\u200c", "\u200d")


@pytest.mark.parametrize("profile", ["digital", "press"])
def test_pdf_title_and_subject_carry_no_break_characters(project, tmp_path, profile):
    path = write_campaign(
        project, SMALL_CAMPAIGN + "print: {icc: default_cmyk.icc, allow_placeholders: true}\n"
    )
    loaded = load_campaign(path, project)
    result = build_campaign(loaded, project, tmp_path / profile, jobs=1, profile=profile)
    [poster] = result.results
    assert poster.ok, poster.error
    with pikepdf.open(result.folder / poster.file) as pdf:
        title, subject = str(pdf.docinfo["/Title"]), str(pdf.docinfo["/Subject"])
        xmp = pdf.open_metadata()
        xmp_says = (xmp.get("dc:title"), xmp.get("dc:description"))
    assert title == "Small test campaign – ດ່ານທົດລອງ"  # Lao words joined as written
    assert subject == "ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ / Working abroad? Stay safe"
    assert not any(mark in title + subject for mark in BREAKS)
    if profile == "press":  # the XMP packet, rewritten for PDF/X, says the same
        assert xmp_says == (title, subject)


# --- placeholder assets: warned about; refused for press unless allowed --------------------

PLACEHOLDER = "assets/logos/mlsw.svg"  # the small campaign's one logo, a stand-in


def test_the_sample_logos_are_listed_as_placeholders():
    listed = placeholder_assets(PROJECT)
    assert {f"assets/logos/{p.name}" for p in (PROJECT / "assets" / "logos").glob("*.svg")} <= (
        set(listed)
    )
    assert all((PROJECT / path).is_file() and note for path, note in listed.items())


def test_press_build_refuses_a_placeholder_unless_the_campaign_allows_it(runner, project, tmp_path):
    press = "print: {profile: press, icc: default_cmyk.icc}\n"
    path = write_campaign(project, SMALL_CAMPAIGN + press)
    refused = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert refused.exit_code == EXIT_POSTERS_FAILED
    stderr = " ".join(refused.stderr.split())
    assert "refused 1 poster: press profile and placeholder assets" in stderr
    assert "allow_placeholders: true" in stderr
    assert not list((tmp_path / "out").rglob("*.pdf"))

    allowed = press.replace("}", ", allow_placeholders: true}")
    path.write_text(SMALL_CAMPAIGN + allowed, encoding="utf-8")
    built = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert built.exit_code == 0, built.output
    stderr = " ".join(built.stderr.split())
    assert f"test-crossing_border-sign_A4_lo-en_DRAFT shows placeholder assets: {PLACEHOLDER}" in (
        stderr
    )
    assert "1 posters show placeholder assets" in stderr
    manifest = json.loads((tmp_path / "out" / "small-test" / "manifest.json").read_text())
    assert manifest["posters"][0]["placeholders"][0].startswith(PLACEHOLDER)


def test_digital_build_warns_for_each_poster_with_a_placeholder(runner, project, tmp_path):
    two = SMALL_CAMPAIGN.replace(
        "      - {size: A4, quantity: 3}\n",
        "      - {size: A4, quantity: 3}\n      - {size: A6, quantity: 3}\n",
    )
    path = write_campaign(project, two)
    built = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert built.exit_code == 0, built.output
    assert built.stderr.count("shows placeholder assets") == 2
    (project / "assets" / "placeholders.txt").unlink()  # the real logo is in place now
    again = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert "placeholder" not in again.stderr


# --- YAML problems in plain words, with the line and a caret -------------------------------


def yaml_problem(project: Path, old: str, new: str):
    assert old in SMALL_CAMPAIGN
    path = write_campaign(project, SMALL_CAMPAIGN.replace(old, new, 1))
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    [problem] = info.value.problems
    return problem


def test_one_space_too_many_is_said_in_plain_words(project):
    problem = yaml_problem(project, "    languages: [lo, en]", "     languages: [lo, en]")
    assert "this line is indented 1 space more than the line above" in problem.message
    assert "block" not in problem.message and "<" not in problem.message
    lines = problem.excerpt.splitlines()
    assert lines[-2].endswith("|      languages: [lo, en]")
    assert lines[-1].index("^") == lines[-2].index("languages")  # under the misplaced key


def test_one_space_too_few_is_said_in_plain_words(project):
    problem = yaml_problem(project, "    languages: [lo, en]", "   languages: [lo, en]")
    assert "this line is indented 1 space less than the line above" in problem.message


def test_a_tab_is_said_in_plain_words(project):
    problem = yaml_problem(project, "    template: border-sign", "\ttemplate: border-sign")
    assert "use spaces, not tabs" in problem.message
    assert "'\\t'" not in problem.message and "token" not in problem.message
    assert "→template: border-sign" in problem.excerpt


@pytest.mark.parametrize(
    ("old", "new", "words", "opened"),
    [
        ("contacts: [la-1554]", "contacts: [la-1554", "this [ opens a list that is never closed", "["),
        ('number: "1554"', 'number: "1554', 'this " opens a text that is never closed', '"'),
        ("title: {en: Small test campaign}", "title: {en: Small test campaign",
         "this { opens a mapping that is never closed", "{"),
    ],
)  # fmt: skip
def test_an_unclosed_quote_or_bracket_points_where_it_opened(project, old, new, words, opened):
    problem = yaml_problem(project, old, new)
    assert words in problem.message
    text, caret = problem.excerpt.splitlines()[-2:]
    assert text[caret.index("^")] == opened


def test_a_colon_in_a_value_asks_for_quotes(project):
    problem = yaml_problem(project, "title: {en: Small test campaign}", "title: Small: test")
    assert "must be in quotes" in problem.message


def test_the_cli_prints_the_line_and_the_caret(runner, project):
    path = write_campaign(project, SMALL_CAMPAIGN.replace("\n    languages", "\n     languages"))
    result = invoke(runner, "validate", path, "--project", project)
    assert result.exit_code == EXIT_INVALID
    assert "|      languages: [lo, en]" in result.output
    assert "^" in result.output.splitlines()[-1]


# --- validation errors for people: limits from the models, did you mean, repeats grouped -----


def problems_in(project: Path, text: str) -> list:
    path = write_campaign(project, text)
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    return info.value.problems


def test_too_many_languages_is_said_with_the_models_own_limits(project):
    limits = {type(m).__name__: m for m in Placement.model_fields["languages"].metadata}
    low, high = limits["MinLen"].min_length, limits["MaxLen"].max_length
    codes = ["lo", "en", "th", "vi", "ko", "my", "km", "zh-Hans"][: high + 1]
    text = SMALL_CAMPAIGN.replace("languages: [lo, en]", f"languages: [{', '.join(codes)}]")
    [problem] = problems_in(project, text)
    between = f"exactly {low}" if low == high else f"{low} to {high}"
    assert problem.field == "placements[0].languages"
    assert problem.message == f"a placement has {between} languages; this one lists {high + 1}"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("quantity: 3", "quantity: 0", "must be at least 1 (got 0)"),
        ("quantity: 3", "quantity: many", "must be a whole number (got 'many')"),
        ("size: A4", "size: A9", "must be one of 'A1', 'A2'"),
        (
            "id: small-test",
            "id: Small Test",
            "must be lower-case letters, digits and single hyphens",
        ),
        ("verified: 2026-11-23", "verified: yesterday", "must be a date written YYYY-MM-DD"),
    ],
)
def test_pydantic_wording_is_rewritten_for_people(project, old, new, words):
    [problem] = problems_in(project, SMALL_CAMPAIGN.replace(old, new, 1))
    assert words in problem.message
    for jargon in ("Input should", "input should", "after validation", "valid integer", "String"):
        assert jargon not in problem.message


@pytest.mark.parametrize(
    ("old", "new", "meant"),
    [
        ("    languages: [lo, en]", "    langauges: [lo, en]", "languages"),  # a field
        ("    design: border-sign", "    design: border-sgn", "border-sign"),  # a design id
        ("contacts: [la-1554]", "contacts: [la-1545]", "la-1554"),  # a contact id
        ("{text: contract,", "{text: contarct,", "contract"),  # a message key
        ("  headline: {lo", "  headlines: {lo", None),  # the message is then unknown
    ],
)
def test_did_you_mean_for_fields_ids_and_message_keys(project, old, new, meant):
    problems = problems_in(project, SMALL_CAMPAIGN.replace(old, new, 1))
    hints = [p.message for p in problems if "did you mean" in p.message]
    assert hints, problems
    if meant:
        assert f"did you mean '{meant}'?" in hints[0]


def test_one_mistake_in_every_text_is_one_message_with_its_lines(project):
    text = SMALL_CAMPAIGN
    for key in ("headline", "keep-documents", "contract", "employer", "call"):
        text = text.replace(f"  {key}: {{lo: ", f"  {key}: {{xx: x, lo: ")
    problems = problems_in(project, text)
    [problem] = [p for p in problems if "'xx'" in p.message]
    assert "(5 times: here and on lines " in problem.message
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "{xx: x" in line]
    assert problem.line == lines[0]
    assert problem.message.endswith(f"lines {', '.join(map(str, lines[1:]))})")
    assert [p.line for p in problem.repeats] == lines[1:]


def test_did_you_mean_for_a_status_of_a_misspelt_text(project):
    text = SMALL_CAMPAIGN + "translations:\n  lo:\n    headlin: {status: translated}\n"
    [problem] = problems_in(project, text)
    assert "no text 'headlin' in this campaign; did you mean 'headline'?" in problem.message


def test_only_with_a_misspelt_name_says_so(runner):
    path = PROJECT / "campaigns" / "laos-border-crossings.yaml"
    result = invoke(runner, "list", path, "--only", "vientiane-nong-kai", "--project", PROJECT)
    stderr = " ".join(result.stderr.split())
    assert "--only vientiane-nong-kai: no placement, design, format or language" in stderr
    assert "did you mean 'vientiane-nong-khai'?" in stderr
    assert "0 of" in stderr
