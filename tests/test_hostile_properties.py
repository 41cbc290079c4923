"""Property: whatever Unicode text a campaign holds in its language fields, loading
and building it either gives a PDF that passes preflight or fails with a message
(a problem with a line, or a failed poster with its reason): never an exception,
never an unexplained failure.

Each example is one A5 poster rendered in this process, whose renderer stays warm
from one example to the next. Most examples draw their text from the characters
the language's fonts have, mixed with characters known to cause trouble, so that
most of them get as far as a PDF; some draw from all of Unicode.
"""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PROJECT
from generator.build.poster import build_poster
from generator.campaign import CampaignError, load_campaign
from generator.campaign.characters import character_problem
from generator.campaign.languages import LANGUAGES, font_stack
from generator.planning.plan import plan
from generator.preflight import preflight
from generator.typeset.fonts import missing_characters, stack_charset

SECOND_LANGUAGES = sorted(code for code in LANGUAGES if code != "lo")
TROUBLE = (
    "<>&\"'{}%#\\/\n\t "  # markup, template and YAML syntax, whitespace
    "\u00a0\u00ad\u200b\u200c\u200d\u2060\ufeff"  # invisible and joining characters
    "\u0301\u0e49\u0ec8\u1039\u17d2"  # combining marks: Latin, Thai, Lao, Burmese, Khmer
)
FOREIGN = "\U0001f600\u4e00\uac00\u0627\u05d0\u0e01\u1000\u0e49\u1039"  # some fonts lack them

FIELDS = ("title", "headline", "documents", "call", "contact", "organisation", "place")


def yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back exactly as ``text``."""
    out = []
    for char in text:
        code = ord(char)
        printable = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
        if char in '"\\' or not (printable or code >= 0x10000) or code == 0xFEFF:
            out.append(f"\\U{code:08X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def campaign_text(second: str, texts: dict[str, dict[str, str]]) -> str:
    def both(field: str) -> str:
        pair = texts[field]
        return f"{{lo: {yaml_string(pair['lo'])}, {second}: {yaml_string(pair[second])}}}"

    return f"""\
id: property
title: {both("title")}
organisations:
  - id: mlsw
    name: {both("organisation")}
    logo: assets/logos/mlsw.svg
messages:
  headline: {both("headline")}
  documents: {both("documents")}
  call: {both("call")}
contacts:
  - id: la-1554
    number: "1554"
    country: LA
    name: {both("contact")}
    source: {json.dumps("UNICEF Laos")}
designs:
  - id: sign
    template: border-sign
    headline: headline
    messages:
      - {{text: documents, icon: assets/pictograms/passport.svg}}
    call_to_action: call
    pictogram: assets/pictograms/border-crossing.svg
    contacts: [la-1554]
    organisations: [mlsw]
placements:
  - id: crossing
    name: {both("place")}
    design: sign
    languages: [lo, {second}]
    formats:
      - {{size: A5, quantity: 1}}
"""


@cache
def covered(lang: str) -> list[str]:
    """The characters the language's fonts have, less those the loader refuses (fonts
    map a few control characters)."""
    chars = (chr(code) for code in sorted(stack_charset(font_stack(lang))))
    return [char for char in chars if character_problem(char) is None]


@cache
def trouble(lang: str) -> list[str]:
    """The troublesome characters the language's fonts can draw (or need not)."""
    return [char for char in TROUBLE if not missing_characters(char, font_stack(lang))]


@st.composite
def characters(draw, mode: str, lang: str) -> str:
    """One character: from the fonts' characters, the troublesome ones, (in mode
    "foreign") characters some fonts lack, or (in mode "anything") any at all. The
    group is drawn first: one sampled_from over all of them would almost never pick
    one of the few troublesome characters among thousands."""
    if mode == "anything":
        return draw(st.characters(codec="utf-8"))
    groups = [covered(lang), trouble(lang)] + ([FOREIGN] if mode == "foreign" else [])
    return draw(st.sampled_from(draw(st.sampled_from(groups))))


@st.composite
def campaigns(draw):
    second = draw(st.sampled_from(SECOND_LANGUAGES))
    # Three examples in five use the fonts' characters, one adds characters some fonts
    # lack, one draws from all of Unicode (control characters, bidi, noncharacters...).
    mode = draw(st.sampled_from(["fonts", "fonts", "fonts", "foreign", "anything"]))
    texts: dict[str, dict[str, str]] = {}
    for field in FIELDS:
        texts[field] = {}
        for lang in ("lo", second):
            size = 30 if field in ("headline", "documents", "call") else 12
            chars = st.lists(characters(mode, lang), min_size=1, max_size=size)
            texts[field][lang] = "".join(draw(chars))
    return second, texts


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("properties")
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "assets", root / "assets")
    (root / "campaigns").mkdir()
    (root / "output").mkdir()
    return root


OUTCOMES: dict[str, int] = {}
_numbers = itertools.count()


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(example=campaigns())
def test_any_text_builds_a_good_pdf_or_fails_with_a_message(workspace, example):
    second, texts = example
    path = workspace / "campaigns" / f"example-{next(_numbers)}.yaml"
    path.write_text(campaign_text(second, texts), encoding="utf-8")
    try:
        loaded = load_campaign(path, workspace)
    except CampaignError as error:
        for problem in error.problems:
            assert problem.message and problem.line > 0, problem
        OUTCOMES["refused by the loader"] = OUTCOMES.get("refused by the loader", 0) + 1
        return
    finally:
        path.unlink()

    [job] = plan(loaded.campaign)
    result = build_poster(job, loaded.campaign, workspace, workspace / "output")
    if not result.ok:
        assert result.error, result
        assert result.detail is None, result.detail  # a known failure, not a crash
        kind = "failed: " + ("font" if "no declared font" in result.error else "layout")
        OUTCOMES[kind] = OUTCOMES.get(kind, 0) + 1
        return
    pdf = (workspace / "output" / result.file).read_bytes()
    report = preflight(pdf, job.format)
    assert report.ok, report.errors
    OUTCOMES["built"] = OUTCOMES.get("built", 0) + 1


def test_the_property_built_pdfs_and_saw_every_kind_of_refusal():
    """Run after the property (same module, file order): it was not vacuous."""
    if not OUTCOMES:
        pytest.skip("the property test did not run in this session")
    print(OUTCOMES)
    assert sum(OUTCOMES.values()) >= 200, OUTCOMES
    assert OUTCOMES.get("built", 0) >= 60, OUTCOMES
    assert OUTCOMES.get("refused by the loader", 0) >= 10, OUTCOMES
    assert OUTCOMES.get("failed: font", 0) >= 10, OUTCOMES
