"""The documentation's example and schema must stay true to the code."""

import json
import re

from conftest import PROJECT
from generator.schema import json_schema, load_campaign


def test_documented_example_is_a_valid_campaign(project):
    doc = (PROJECT / "docs" / "campaign-format.md").read_text(encoding="utf-8")
    example = doc.split("## A complete example", 1)[1]
    yaml_text = re.search(r"```yaml\n(.*?)```", example, re.S).group(1)
    path = project / "campaigns" / "example.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    campaign = load_campaign(path, project).campaign
    assert [p.languages for p in campaign.placements] == [["lo", "th"]]


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
