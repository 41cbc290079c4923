"""The ``poster`` command, run in-process with click's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BAD_PLACEMENT, SMALL_CAMPAIGN, poster_pdfs
from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_POSTERS_FAILED, main

GOOD_FILE = "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"  # no text reviewed yet
OTHER_PLACEMENT = """\
  - id: other-crossing
    name: {lo: ດ່ານອື່ນ, en: Other crossing}
    design: border-sign
    languages: [lo, en]
    formats:
      - {size: A5, quantity: 2}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str | Path):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_campaign(project: Path, name: str, text: str) -> Path:
    path = project / "campaigns" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return re.sub(r"\s+", " ", text)


def test_build_small_campaign(runner, project, small_campaign, tmp_path):
    out = tmp_path / "out"
    result = invoke(runner, "build", small_campaign, "--project", project, "--output", out)
    assert result.exit_code == EXIT_OK, result.output
    pdf = out / "small-test" / GOOD_FILE
    assert pdf.is_file()
    assert pdf.read_bytes().startswith(b"%PDF-")
    manifest = json.loads((out / "small-test" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in manifest["posters"]] == [GOOD_FILE]
    assert "draft" in result.stderr  # unreviewed translations are flagged
    assert "Traceback" not in result.output


def test_build_with_a_failing_poster_exits_1_and_keeps_the_good_one(runner, project, tmp_path):
    path = write_campaign(project, "mixed", SMALL_CAMPAIGN + BAD_PLACEMENT)
    out = tmp_path / "out"
    result = invoke(runner, "build", path, "--project", project, "-o", out, "-j", "1")
    assert result.exit_code == EXIT_POSTERS_FAILED, result.output
    folder = out / "small-test"
    assert poster_pdfs(folder) == [GOOD_FILE]
    stderr = one_line(result.stderr)
    assert "failed bad-crossing_border-sign_A4_lo-en_DRAFT" in stderr
    assert "U+10D0" in stderr
    assert "Traceback" not in result.output


def test_invalid_campaign_exits_2_with_file_line_column(runner, project, tmp_path):
    text = SMALL_CAMPAIGN.replace("{size: A4, quantity: 3}", "{size: A4, quantity: 0}")
    path = write_campaign(project, "invalid", text)
    [(line, column)] = [
        (number, row.index("0}") + 1)
        for number, row in enumerate(text.splitlines(), 1)
        if "quantity: 0" in row
    ]
    out = tmp_path / "out"
    result = invoke(runner, "build", path, "--project", project, "-o", out)
    assert result.exit_code == EXIT_INVALID, result.output
    assert re.search(rf"invalid\.yaml:{line}:{column}: ", result.stderr), result.stderr
    assert "placements[0].formats[0].quantity" in result.stderr
    assert "Traceback" not in result.output
    assert not list(out.rglob("*.pdf"))


def test_yaml_syntax_error_exits_2_with_file_line_column(runner, project, tmp_path):
    text = SMALL_CAMPAIGN.replace("title: {en: Small test campaign}", "title: {en: Small test")
    path = write_campaign(project, "broken", text)
    result = invoke(runner, "build", path, "--project", project, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_INVALID, result.output
    assert re.search(r"broken\.yaml:\d+:\d+: YAML", result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_validate(runner, project, small_campaign):
    result = invoke(runner, "validate", small_campaign, "--project", project)
    assert result.exit_code == EXIT_OK, result.output
    assert "valid" in result.stderr

    bad = write_campaign(project, "bad", SMALL_CAMPAIGN.replace("size: A4", "size: A0"))
    result = invoke(runner, "validate", bad, "--project", project)
    assert result.exit_code == EXIT_INVALID
    assert re.search(r"bad\.yaml:\d+:\d+: .*size", result.stderr), result.stderr


def test_list_shows_the_planned_posters(runner, project):
    path = write_campaign(project, "two", SMALL_CAMPAIGN + OTHER_PLACEMENT)
    result = invoke(runner, "list", path, "--project", project)
    assert result.exit_code == EXIT_OK, result.output
    assert "test-crossing" in result.stdout
    assert "other-crossing" in result.stdout
    assert "2 posters, 5 prints" in one_line(result.stdout)


def test_list_json_is_the_plan(runner, project):
    path = write_campaign(project, "two", SMALL_CAMPAIGN + OTHER_PLACEMENT)
    result = invoke(runner, "list", path, "--json", "--project", project)
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.stdout)
    assert [row["file"] for row in data] == [
        GOOD_FILE,
        "other-crossing_border-sign_A5_lo-en_DRAFT.pdf",
    ]
    assert data[0] == {
        "campaign": "small-test",
        "file": GOOD_FILE,
        "placement": "test-crossing",
        "design": "border-sign",
        "format": "A4",
        "languages": ["lo", "en"],
        "quantity": 3,
    }

    only = invoke(runner, "list", path, "--json", "--only", "A5", "--project", project)
    assert [row["placement"] for row in json.loads(only.stdout)] == ["other-crossing"]


def test_list_defaults_to_every_campaign_of_the_project(runner, project, small_campaign):
    result = invoke(runner, "list", "--json", "--project", project)
    assert result.exit_code == EXIT_OK, result.output
    assert [row["campaign"] for row in json.loads(result.stdout)] == ["small-test"]


def test_schema_is_json_schema(runner):
    result = invoke(runner, "schema")
    assert result.exit_code == EXIT_OK
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    assert {"id", "messages", "designs", "placements"} <= set(schema["properties"])
    assert {"id", "messages", "designs", "placements"} <= set(schema["required"])
    assert schema["additionalProperties"] is False  # typos are errors, not ignored
    assert "$defs" in schema and "Placement" in schema["$defs"]


def test_doctor_passes_on_this_machine(runner):
    result = invoke(runner, "doctor")
    assert result.exit_code == EXIT_OK, result.output
    assert "HarfBuzz" in result.stdout
    assert "ICU" in result.stdout
    assert "missing" not in result.stdout


def test_build_only_one_placement(runner, project, tmp_path):
    path = write_campaign(project, "two", SMALL_CAMPAIGN + OTHER_PLACEMENT)
    out = tmp_path / "out"
    result = invoke(
        runner, "build", path, "--project", project, "-o", out, "--only", "other-crossing"
    )
    assert result.exit_code == EXIT_OK, result.output
    folder = out / "small-test"
    assert poster_pdfs(folder) == ["other-crossing_border-sign_A5_lo-en_DRAFT.pdf"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["placement"] for e in manifest["posters"]] == ["other-crossing"]
