"""The documentation's examples and schema must stay true to the code."""

import io
import json
import re

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from conftest import PROJECT, make_project
from generator.campaign import json_schema, load_campaign
from generator.cli import EXIT_OK, main

DOCS = sorted((PROJECT / "docs").glob("*.md"))
# A fragment says where it belongs in an HTML comment just above it:
# <!-- example: placements in campaigns/x.yaml --> (list items added to, or replacing
# the items with the same id in, that list) or <!-- example: in campaigns/x.yaml -->
# (top-level fields replacing the file's). A block without one is a whole campaign;
# the tutorial's additions to its own file (<!-- add to ... -->) are checked by
# tests/test_tutorial.py, which validates the file after adding them.
BLOCK = re.compile(r"(?:<!-- ([^\n]*?) -->\n)?```yaml\n(.*?)```", re.S)
EXAMPLE = re.compile(r"example: (?:(\w+) )?in (\S+)")


def yaml_examples() -> list[tuple[str, str | None, str | None, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            marker, block = match.group(1) or "", match.group(2)
            if marker.startswith("add to "):
                continue
            line = text[: match.start(2)].count("\n") + 1
            example = EXAMPLE.fullmatch(marker)
            key, target = example.groups() if example else (None, None)
            found.append((f"{doc.name}:{line}", key, target, block))
    return found


def complete_example() -> str:
    doc = (PROJECT / "docs" / "campaign-format.md").read_text(encoding="utf-8")
    example = doc.split("## A complete example", 1)[1]
    return re.search(r"```yaml\n(.*?)```", example, re.S).group(1)


@pytest.mark.parametrize(
    ("key", "target", "block"),
    [example[1:] for example in yaml_examples()],
    ids=[example[0] for example in yaml_examples()],
)
def test_every_yaml_example_in_the_docs_is_valid(project, key, target, block):
    yaml = YAML(typ="rt")
    fragment = yaml.load(block)
    if fragment is None:  # only comments (the editor's schema line)
        assert block.strip().startswith("#")
        return
    if target is None:
        text = block
    else:
        campaign = yaml.load((PROJECT / target).read_text(encoding="utf-8"))
        if key is None:
            campaign.update(fragment)
        else:
            ids = {item["id"] for item in fragment}
            campaign[key] = [i for i in campaign[key] if i["id"] not in ids] + list(fragment)
        buffer = io.StringIO()
        yaml.dump(campaign, buffer)
        text = buffer.getvalue()
    path = project / "campaigns" / "example.yaml"
    path.write_text(text, encoding="utf-8")
    load_campaign(path, project)  # raises CampaignError, naming the line, if it is wrong


def test_documented_example_is_a_valid_campaign(project):
    path = project / "campaigns" / "example.yaml"
    path.write_text(complete_example(), encoding="utf-8")
    campaign = load_campaign(path, project).campaign
    assert [p.languages for p in campaign.placements] == [["lo", "th"]]


def test_documented_complete_example_builds_with_its_own_profile(tmp_path):
    """Copied unchanged into a fresh project, the example builds every poster, as press."""
    project = make_project(tmp_path / "project")
    path = project / "campaigns" / "example.yaml"
    path.write_text(complete_example(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(path), "--project", str(project), "-o", str(out)]
    )
    assert result.exit_code == EXIT_OK, result.output
    manifest = json.loads((out / "example-crossing" / "manifest.json").read_text())
    assert {p["profile"] for p in manifest["posters"]} == {"press"}
    assert len(manifest["posters"]) == 2
    assert "shows placeholder assets: assets/logos/mlsw.svg" in result.stderr


def test_committed_json_schema_is_current():
    committed = json.loads((PROJECT / "docs" / "campaign.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: poster schema > docs/campaign.schema.json"


def test_project_license_is_an_spdx_expression():
    import tomllib

    from packaging.licenses import canonicalize_license_expression

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # A table ({text = ...}) is deprecated by setuptools (PEP 639) and warns on every install.
    assert isinstance(project["license"], str)
    assert canonicalize_license_expression(project["license"]) == project["license"]


def test_the_readme_project_layout_matches_the_package():
    """Every stage folder of generator/ is in the README's table, with its modules, and
    every module the table names is in its folder."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)/` \| (.+) \|$", readme, re.M))
    package = PROJECT / "generator"
    folders = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert folders - {"workspace"} <= rows.keys(), folders - rows.keys()
    for folder, text in rows.items():
        if folder not in folders:
            continue  # a folder of the project (campaigns/, templates/...)
        named = set(re.findall(r"`([a-z_]+\.py)`", text))
        present = {p.name for p in (package / folder).glob("*.py")} - {"__init__.py"}
        assert named == present, (folder, named ^ present)
