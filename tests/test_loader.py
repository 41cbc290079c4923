"""The campaign loader: the sample campaign loads, and every kind of broken file
is reported as ``CampaignError`` with the file, line, column and field to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT, SMALL_CAMPAIGN
from generator.campaign import CampaignError, Problem, json_schema, load_campaign
from generator.campaign.loader import format_loc
from generator.cli import main

SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"


def edit(old: str, new: str, text: str = SMALL_CAMPAIGN) -> str:
    """``text`` with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based number of the only line of ``text`` containing ``needle``."""
    found = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def column_of(text: str, line: int, needle: str) -> int:
    """1-based column of ``needle`` on 1-based ``line`` of ``text``."""
    return text.splitlines()[line - 1].index(needle) + 1


def write(project: Path, text: str | bytes, name: str = "broken.yaml") -> Path:
    path = project / "campaigns" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(project: Path, text: str | bytes, name: str = "broken.yaml") -> list[Problem]:
    """Load ``text`` as a campaign file; it must fail. Check the shape of every problem."""
    path = write(project, text, name)
    with pytest.raises(CampaignError) as info:
        load_campaign(path, project)
    problems = info.value.problems
    assert problems, "a CampaignError must hold at least one problem"
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file.endswith(name)
        assert isinstance(problem.line, int) and problem.line >= 0
        assert isinstance(problem.column, int) and problem.column >= 0
        assert isinstance(problem.field, str)
        assert problem.message
        assert str(problem) in str(info.value)
    return problems


def only_problem(project: Path, text: str | bytes) -> Problem:
    problems = problems_of(project, text)
    assert len(problems) == 1, problems
    return problems[0]


def problem_at(problems: list[Problem], field: str) -> Problem:
    matching = [p for p in problems if p.field == field]
    assert len(matching) == 1, f"no single problem at {field!r}: {problems}"
    return matching[0]


# --- files that load ---------------------------------------------------------------


def test_sample_campaign_loads_with_the_right_second_languages():
    loaded = load_campaign(SAMPLE, PROJECT)
    placements = loaded.campaign.placements
    assert len(placements) == 17
    assert loaded.path == SAMPLE
    assert loaded.source == SAMPLE.read_text(encoding="utf-8")

    languages = {p.id: p.languages for p in placements}
    assert all(langs[0] == "lo" for langs in languages.values())
    # The passenger hall of the Friendship Bridge gets Lao, Thai and English.
    assert languages.pop("vientiane-nong-khai-hall") == ["lo", "th", "en"]
    # Boten gets Lao, Chinese and Hmong on a second sign.
    assert languages.pop("boten-mohan-hmn") == ["lo", "zh-Hans", "hmn-Latn"]
    second = {pid: langs[1] for pid, langs in languages.items()}
    thai = {
        "vientiane-nong-khai",
        "savannakhet-mukdahan",
        "thakhek-nakhon-phanom",
        "houayxay-chiang-khong",
        "paksan-bueng-kan",
        "vang-tao-chong-mek",
        "kenthao-tha-li",
    }
    vietnam = {
        "dansavanh-lao-bao",
        "nam-phao-cau-treo",
        "na-phao-cha-lo",
        "nam-khan-nam-can",
        "pang-hok-tay-trang",
    }
    assert {pid for pid, lang in second.items() if lang == "th"} == thai
    assert {pid for pid, lang in second.items() if lang == "vi"} == vietnam
    assert second["boten-mohan"] == "zh-Hans"
    assert second["xieng-kok-kenglap"] == "my"
    assert second["nong-nok-khiene-trapeang-kriel"] == "km"


def test_small_campaign_loads(project, small_campaign):
    campaign = load_campaign(small_campaign, project).campaign
    assert campaign.id == "small-test"
    assert campaign.contacts[0].number == "1554"
    assert campaign.placements[0].formats[0].quantity == 3


# --- YAML syntax ----------------------------------------------------------------------


def test_yaml_bad_indentation_points_at_the_line(project):
    text = edit("    languages: [lo, en]", "   languages: [lo, en]")
    problem = only_problem(project, text)
    assert (problem.line, problem.column) == (line_of(text, "languages: [lo, en]"), 4)
    assert problem.field == ""
    assert problem.message.startswith("YAML:")


def test_yaml_mapping_in_a_value_points_at_the_line(project):
    text = edit("    template: border-sign", "      template: border-sign")
    problem = only_problem(project, text)
    assert problem.line == line_of(text, "template: border-sign")
    assert "indented 2 spaces more than the line above" in problem.message


def test_yaml_unclosed_bracket_is_a_yaml_problem(project):
    text = edit("contacts: [la-1554]", "contacts: [la-1554")
    problem = only_problem(project, text)
    opened = line_of(text, "contacts: [la-1554")
    # The parser notices on the next line; either line is acceptable here.
    assert problem.line in (opened, opened + 1)
    assert problem.field == ""
    assert "this [ opens a list that is never closed" in problem.message


def test_yaml_unclosed_bracket_names_the_line_that_opened_it(project):
    text = edit("contacts: [la-1554]", "contacts: [la-1554")
    problem = only_problem(project, text)
    opened = line_of(text, "contacts: [la-1554")
    assert problem.line == opened
    assert f"noticed at line {opened + 1}" in problem.message


def test_yaml_tab_indentation_is_reported(project):
    text = edit("    template: border-sign", "\ttemplate: border-sign")
    problem = only_problem(project, text)
    assert (problem.line, problem.column) == (line_of(text, "template: border-sign"), 1)


def test_yaml_alias_is_refused(project):
    text = edit("title: {en:", "title: &t {en:")
    text = edit(
        "    name: {en: Ministry of Labour and Social Welfare, lo: ກະຊວງແຮງງານ}",
        "    name: *t",
        text,
    )
    problem = only_problem(project, text)
    line = line_of(text, "name: *t")
    assert (problem.line, problem.column) == (line, column_of(text, line, "*t"))
    assert "alias" in problem.message


def test_yaml_merge_key_needs_an_alias_so_is_refused(project):
    text = edit("    template: border-sign", "    template: border-sign\n    <<: *base")
    text = edit("  - id: border-sign", "  - &base\n    id: border-sign", text)
    problem = only_problem(project, text)
    assert problem.line == line_of(text, "<<: *base")
    assert "alias" in problem.message


def test_duplicate_yaml_key_is_refused(project):
    text = edit("    headline: headline\n", "    headline: headline\n    headline: headline\n")
    problem = only_problem(project, text)
    second = [i for i, line in enumerate(text.splitlines(), 1) if line == "    headline: headline"]
    assert problem.line == second[1]
    assert problem.column == 5
    assert "duplicate key" in problem.message and "headline" in problem.message


def test_duplicate_top_level_key_is_refused(project):
    text = SMALL_CAMPAIGN + "id: again\n"
    problem = only_problem(project, text)
    assert problem.line == len(text.splitlines())
    assert "duplicate key" in problem.message


def test_non_utf8_file_is_refused(project):
    raw = SMALL_CAMPAIGN.encode("utf-8").replace(b"Small test", b"Small \xe9test")
    problem = only_problem(project, raw)
    assert "UTF-8" in problem.message
    bad_byte = raw.index(b"\xe9")
    assert f"byte {bad_byte}" in problem.message
    # Line 0 means "unknown"; if a line is given it must be the right one.
    assert problem.line in (0, 2)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a list\n", "just a string\n"])
def test_a_file_that_is_not_a_mapping_is_refused(project, text):
    problem = only_problem(project, text)
    assert problem.line == 1
    assert "mapping" in problem.message


def test_unreadable_path_is_a_campaign_error(project):
    with pytest.raises(CampaignError) as info:
        load_campaign(project / "campaigns" / "missing.yaml", project)
    (problem,) = info.value.problems
    assert problem.line == 0
    assert "cannot read" in problem.message


# --- shapes -------------------------------------------------------------------------


def test_wrong_type_names_the_field_path(project):
    text = edit("quantity: 3", "quantity: many")
    problem = only_problem(project, text)
    line = line_of(text, "quantity: many")
    assert problem.field == "placements[0].formats[0].quantity"
    assert (problem.line, problem.column) == (line, column_of(text, line, "many"))
    assert "'many'" in problem.message
    assert str(problem).startswith(f"{problem.file}:{line}:{problem.column}: placements[0]")


def test_quantity_below_one_is_refused(project):
    text = edit("quantity: 3", "quantity: 0")
    problem = only_problem(project, text)
    assert problem.field == "placements[0].formats[0].quantity"
    assert problem.line == line_of(text, "quantity: 0")


def test_unknown_key_points_at_the_key(project):
    text = edit("    headline: headline", "    headlien: headline")
    problems = problems_of(project, text)
    typo = problem_at(problems, "designs[0].headlien")
    assert (typo.line, typo.column) == (line_of(text, "headlien:"), 5)
    assert "unknown field" in typo.message
    # The real key is then missing, reported at its design.
    missing = problem_at(problems, "designs[0].headline")
    assert missing.line == line_of(text, "- id: border-sign")
    assert len(problems) == 2


def test_unknown_top_level_key(project):
    text = edit("title: {en:", "titel: {en:")
    problems = problems_of(project, text)
    typo = problem_at(problems, "titel")
    assert (typo.line, typo.column) == (2, 1)
    assert problem_at(problems, "title").message == "required field is missing"


def test_missing_required_field(project):
    text = edit("    call_to_action: call\n", "")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].call_to_action"
    assert problem.message == "required field is missing"
    assert (problem.line, problem.column) == (line_of(text, "- id: border-sign"), 5)


def test_missing_placement_design(project):
    text = edit("    design: border-sign\n", "")
    problem = only_problem(project, text)
    assert problem.field == "placements[0].design"
    assert problem.line == line_of(text, "- id: test-crossing")


def test_unquoted_phone_number_is_refused(project):
    text = edit('number: "1554"', "number: 1554")
    problem = only_problem(project, text)
    line = line_of(text, "number: 1554")
    assert problem.field == "contacts[0].number"
    assert (problem.line, problem.column) == (line, column_of(text, line, "1554"))
    assert "must be text: put it in quotes" in problem.message


def test_unquoted_phone_number_with_leading_zero_is_refused(project):
    # YAML reads 021251128 as an integer and drops the zero: it must not pass.
    text = edit('number: "1554"', "number: 021251128")
    problem = only_problem(project, text)
    assert problem.field == "contacts[0].number"
    assert problem.line == line_of(text, "number: 021251128")


@pytest.mark.parametrize("number", ['"15 54 "', '"1554a"', '"021-251-128"', '""'])
def test_malformed_phone_number_is_refused(project, number):
    problem = only_problem(project, edit('number: "1554"', f"number: {number}"))
    assert problem.field == "contacts[0].number"


def test_unknown_language_code(project):
    text = edit("languages: [lo, en]", "languages: [lo, qaa]")
    problem = only_problem(project, text)
    line = line_of(text, "languages: [lo, qaa]")
    assert problem.field == "placements[0].languages[1]"
    assert (problem.line, problem.column) == (line, column_of(text, line, "qaa"))
    assert "'qaa'" in problem.message and "'languages:' block" in problem.message


def test_same_language_twice(project):
    text = edit("languages: [lo, en]", "languages: [lo, lo]")
    problem = only_problem(project, text)
    assert problem.field == "placements[0].languages[1]"
    assert problem.line == line_of(text, "languages: [lo, lo]")
    assert "'lo' is listed twice" in problem.message


@pytest.mark.parametrize(
    ("languages", "why"),
    [("[]", "1 to 4 languages; this one lists 0"), ("[lo, en, th, vi, km]", "lists 5")],
)
def test_no_language_or_more_than_four_is_refused_where_it_is(project, languages, why):
    text = edit("languages: [lo, en]", f"languages: {languages}")
    problem = only_problem(project, text)
    assert problem.field == "placements[0].languages"
    assert problem.line == line_of(text, f"languages: {languages}")
    assert why in problem.message, problem.message


def test_one_language_loads_and_the_samples_have_three_and_four(project):
    text = edit("languages: [lo, en]", "languages: [lo]")
    loaded = load_campaign(write(project, text, "one.yaml"), project)
    assert loaded.campaign.placements[0].languages == ["lo"]
    counts = {
        len(p.languages)
        for sample in (SAMPLE, PROJECT / "campaigns" / "laos-tourist-child-protection.yaml")
        for p in load_campaign(sample, PROJECT).campaign.placements
    }
    assert counts == {2, 3, 4}


def test_invalid_message_key(project):
    text = edit("  employer: {", "  Employer: {")
    problems = problems_of(project, text)
    bad_key = problem_at(problems, "messages.Employer")
    assert bad_key.line == line_of(text, "Employer:")
    assert "'Employer'" in bad_key.message


def test_all_problems_are_reported_at_once(project):
    text = edit("quantity: 3", "quantity: many")
    text = edit('number: "1554"', "number: 1554", text)
    text = edit("    headline: headline", "    headlien: headline", text)
    fields = {p.field for p in problems_of(project, text)}
    assert {
        "placements[0].formats[0].quantity",
        "contacts[0].number",
        "designs[0].headlien",
        "designs[0].headline",
    } <= fields


# --- references and completeness -------------------------------------------------------


def test_missing_translation_names_the_language(project):
    text = edit(", en: Know your employer", "")
    problem = only_problem(project, text)
    assert problem.field == "messages.employer"
    assert problem.line == line_of(text, "  employer: {")
    assert "'en'" in problem.message
    assert "test-crossing" in problem.message


def test_translation_not_needed_by_any_placement_may_be_missing(project):
    # The placement is lo + en: a message without Thai is fine.
    text = edit(", th: รู้จักนายจ้างของคุณ", "")
    assert load_campaign(write(project, text), project).campaign.messages["employer"].keys() == {
        "lo",
        "en",
    }


def test_missing_placement_name_in_one_of_its_languages(project):
    text = edit(", en: Test crossing", "")
    problem = only_problem(project, text)
    assert problem.field == "placements[0].name"
    assert problem.line == line_of(text, "name: {lo: ດ່ານທົດລອງ")
    assert "'en'" in problem.message


def test_missing_contact_name_in_a_placement_language(project):
    text = edit(", en: Youth helpline", "")
    problem = only_problem(project, text)
    assert problem.field == "contacts[0].name"
    assert "'en'" in problem.message


def test_duplicate_placement_id(project):
    second = (
        "  - id: test-crossing\n"
        "    name: {lo: ດ່ານທີສອງ, en: Second crossing}\n"
        "    design: border-sign\n"
        "    languages: [lo, en]\n"
        "    formats:\n"
        "      - {size: A3, quantity: 1}\n"
    )
    text = SMALL_CAMPAIGN + second
    problem = only_problem(project, text)
    line = len(SMALL_CAMPAIGN.splitlines()) + 1
    assert problem.field == "placements[1].id"
    assert (problem.line, problem.column) == (line, column_of(text, line, "test-crossing"))
    assert "duplicate id 'test-crossing'" in problem.message


def test_duplicate_contact_id(project):
    text = edit(
        "designs:\n",
        "  - id: la-1554\n"
        '    number: "1555"\n'
        "    country: LA\n"
        "    name: {lo: ສາຍ, en: Line}\n"
        "    source: test\n"
        "designs:\n",
    )
    problem = only_problem(project, text)
    assert problem.field == "contacts[1].id"
    assert problem.line == line_of(text, 'number: "1555"') - 1
    assert "duplicate id 'la-1554'" in problem.message


def test_unknown_design_lists_the_known_ones(project):
    text = edit("    design: border-sign", "    design: border-sgn")
    problem = only_problem(project, text)
    line = line_of(text, "design: border-sgn")
    assert problem.field == "placements[0].design"
    assert (problem.line, problem.column) == (line, column_of(text, line, "border-sgn"))
    assert "'border-sgn'" in problem.message
    assert "border-sign" in problem.message.split("expected one of")[1]


def test_unknown_message_lists_the_known_ones(project):
    text = edit("{text: contract,", "{text: contrat,")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].messages[1].text"
    assert problem.line == line_of(text, "text: contrat")
    known = problem.message.split("expected one of")[1]
    for key in ("call", "contract", "employer", "headline", "keep-documents"):
        assert key in known


def test_unknown_headline_message(project):
    text = edit("    headline: headline", "    headline: headlines")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].headline"
    assert problem.line == line_of(text, "headline: headlines")
    assert "'headlines'" in problem.message


def test_unknown_contact_lists_the_known_ones(project):
    text = edit("contacts: [la-1554]", "contacts: [la-1555]")
    problem = only_problem(project, text)
    line = line_of(text, "contacts: [la-1555]")
    assert problem.field == "designs[0].contacts[0]"
    assert (problem.line, problem.column) == (line, column_of(text, line, "la-1555"))
    assert "la-1554" in problem.message.split("expected one of")[1]


def test_unknown_organisation(project):
    text = edit("organisations: [mlsw]", "organisations: [lwu]")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].organisations[0]"
    assert "mlsw" in problem.message.split("expected one of")[1]


def test_unknown_template_folder(project):
    text = edit("    template: border-sign", "    template: border-sing")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].template"
    assert problem.line == line_of(text, "template: border-sing")
    assert "border-sign" in problem.message.split("expected one of")[1]


def test_duplicate_format_in_one_placement(project):
    text = edit(
        "      - {size: A4, quantity: 3}",
        "      - {size: A4, quantity: 3}\n      - {size: A4, quantity: 2}",
    )
    problem = only_problem(project, text)
    assert problem.field == "placements[0].formats[1]"
    assert problem.line == line_of(text, "quantity: 2")
    assert "twice" in problem.message


def test_same_size_in_two_orientations_is_not_a_duplicate(project):
    text = edit(
        "      - {size: A4, quantity: 3}",
        "      - {size: A4, quantity: 3}\n      - {size: A4, orientation: landscape, quantity: 2}",
    )
    formats = load_campaign(write(project, text), project).campaign.placements[0].formats
    assert [f.orientation for f in formats] == ["portrait", "landscape"]


# --- asset paths -------------------------------------------------------------------------

PICTOGRAM = "pictogram: assets/pictograms/border-crossing.svg"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("assets/../assets/pictograms/employer.svg", "'..'"),
        ("assets/pictograms/../../../../etc/passwd", "'..'"),
        ("/etc/passwd", "relative path"),
        ("file:///etc/passwd", "URL scheme"),
        ("http://example.com/x.svg", "URL scheme"),
        ("https://example.com/x.svg", "URL scheme"),
        ("assets\\pictograms\\employer.svg", "relative path"),
        ("templates/base.css", "under assets/"),
        ("assets/pictograms/no-such-picture.svg", "no such file"),
        ("assets/pictograms", "no such file"),
    ],
)
def test_bad_asset_path(project, value, expected):
    text = edit(PICTOGRAM, f"pictogram: '{value}'")
    problem = only_problem(project, text)
    line = line_of(text, "pictogram:")
    assert problem.field == "designs[0].pictogram"
    assert (problem.line, problem.column) == (line, column_of(text, line, "'"))
    assert expected in problem.message


def test_bad_icon_in_a_flow_mapping(project):
    text = edit("icon: assets/pictograms/contract.svg", "icon: http://example.com/x.svg")
    problem = only_problem(project, text)
    line = line_of(text, "http://example.com")
    assert problem.field == "designs[0].messages[1].icon"
    assert (problem.line, problem.column) == (line, column_of(text, line, "http://"))


def test_bad_logo(project):
    text = edit("logo: assets/logos/mlsw.svg", "logo: ../assets/logos/mlsw.svg")
    problem = only_problem(project, text)
    assert problem.field == "organisations[0].logo"
    assert problem.line == line_of(text, "logo:")


def test_symlink_under_assets_pointing_outside_is_refused(project, tmp_path):
    outside = tmp_path / "outside.svg"
    outside.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert not outside.resolve().is_relative_to(project.resolve())
    (project / "assets" / "pictograms" / "sneaky.svg").symlink_to(outside)
    text = edit(PICTOGRAM, "pictogram: assets/pictograms/sneaky.svg")
    problem = only_problem(project, text)
    assert problem.field == "designs[0].pictogram"
    assert problem.line == line_of(text, "pictogram:")
    assert "outside" in problem.message


def test_symlinked_folder_under_assets_pointing_outside_is_refused(project, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (project / "assets" / "linked").symlink_to(folder, target_is_directory=True)
    problem = only_problem(project, edit(PICTOGRAM, "pictogram: assets/linked/x.svg"))
    assert problem.field == "designs[0].pictogram"
    assert "outside" in problem.message


def test_symlink_inside_assets_is_allowed(project):
    (project / "assets" / "pictograms" / "alias.svg").symlink_to(
        project / "assets" / "pictograms" / "border-crossing.svg"
    )
    text = edit(PICTOGRAM, "pictogram: assets/pictograms/alias.svg")
    design = load_campaign(write(project, text), project).campaign.designs[0]
    assert design.pictogram == "assets/pictograms/alias.svg"


# --- helpers, schema, CLI --------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        ((), ""),
        (("title",), "title"),
        (("messages", "call"), "messages.call"),
        (("placements", 0, "formats", 1, "quantity"), "placements[0].formats[1].quantity"),
        (("designs", 2, "contacts", 0), "designs[2].contacts[0]"),
        ((0, "id"), "[0].id"),
    ],
)
def test_format_loc(loc, expected):
    assert format_loc(loc) == expected


def test_problem_str():
    problem = Problem("c.yaml", 3, 7, "designs[0].id", "bad")
    assert str(problem) == "c.yaml:3:7: designs[0].id: bad"
    assert str(Problem("c.yaml", 0, 0, "", "not UTF-8")) == "c.yaml: not UTF-8"


def test_json_schema():
    schema = json_schema()
    assert isinstance(schema, dict)
    assert "placements" in schema["properties"]
    assert {"id", "messages", "designs", "placements"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert json.loads(json.dumps(schema)) == schema


def test_cli_validate_broken_file_exits_2_with_location(project):
    text = edit("quantity: 3", "quantity: many")
    path = write(project, text)
    result = CliRunner().invoke(main, ["validate", str(path), "--project", str(project)])
    assert result.exit_code == 2, result.output
    line = line_of(text, "quantity: many")
    column = column_of(text, line, "many")
    assert f"{path}:{line}:{column}" in result.output
    assert "placements[0].formats[0].quantity" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_cli_validate_yaml_error_exits_2(project):
    text = edit("    headline: headline\n", "    headline: headline\n    headline: headline\n")
    path = write(project, text)
    result = CliRunner().invoke(main, ["validate", str(path), "--project", str(project)])
    assert result.exit_code == 2, result.output
    second = [i for i, line in enumerate(text.splitlines(), 1) if line == "    headline: headline"]
    assert f"{path}:{second[1]}:5" in result.output
    assert "Traceback" not in result.output


def test_cli_validate_good_file_exits_0(project, small_campaign):
    result = CliRunner().invoke(main, ["validate", str(small_campaign), "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
