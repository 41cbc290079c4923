"""What a new user meets first: messages, summaries and files that say what they mean (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SMALL_CAMPAIGN
from generator.cli import EXIT_INVALID, main


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
