"""Hostile and broken PO files sent back by translators: each one is refused with its
expected, located message, no traceback and a screenful of output at most, and the
campaign file stays byte for byte as it was.

The cases live in tests/corpus/hostile-po/, one PO file each, with their expectations
in their first comment lines (see the README there). What cannot be kept in a file as
it is (100,000 entries, 5 MB, raw bytes) is made here from a marker in the case.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_hostile import Case, read_case  # the campaign corpus's header format

from conftest import PROJECT
from generator.campaign import load_campaign
from generator.campaign.strings import (
    MAX_SHOWN_PROBLEMS,
    StringsError,
    export_strings,
    import_strings,
)
from generator.cli import main

CORPUS = Path(__file__).parent / "corpus" / "hostile-po"
SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
UNKNOWN_ENTRY = 'msgctxt "u{i}"\nmsgid "s"\nmsgstr "t"\n\n'

GENERATORS = {
    "unknown-entries": lambda raw: raw.replace(
        b"@@UNKNOWN_ENTRIES@@", "".join(UNKNOWN_ENTRY.format(i=i) for i in range(100_000)).encode()
    ),
    "too-large": lambda raw: raw.replace(b"@@LARGE@@", "ก".encode() * 1_700_000),
}
MARKERS = {  # bytes no editor keeps, in files that need no generator
    b"@@LATIN1@@": "ö".encode("latin-1"),
    b"@@GARBAGE@@": bytes(range(256)) * 4,
    b"@@BEL@@": b"\a",
}


def case_bytes(case: Case) -> bytes:
    raw = case.path.read_bytes()
    if case.generate:
        raw = GENERATORS[case.generate](raw)
    for marker, replacement in MARKERS.items():
        raw = raw.replace(marker, replacement)
    return raw


CASES = sorted(CORPUS.glob("*.po"))


@pytest.fixture
def sample(project: Path) -> Path:
    path = project / "campaigns" / SAMPLE.name
    shutil.copy(SAMPLE, path)
    return path


def test_the_corpus_covers_the_issue():
    cases = {path.stem: read_case(path) for path in CASES}
    assert len(cases) >= 15
    for needed in ("duplicate-entry", "unknown-charset", "unknown-entries", "too-large"):
        assert needed in cases
    for case in cases.values():
        assert case.exit == 2 and case.errors, f"{case.name} promises no message"
        assert case.generate in (None, *GENERATORS), case.generate


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_hostile_po(path: Path, project: Path, sample: Path):
    case = read_case(path)
    po = project / path.name
    po.write_bytes(case_bytes(case))
    before = sample.read_bytes()
    result = CliRunner().invoke(
        main, ["strings", "import", str(sample), str(po), "--project", str(project)]
    )
    output = re.sub(r"\s+", " ", result.output)
    assert result.exit_code == case.exit, result.output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for line, text in case.errors:
        where = f"{path.name}:{line}: " if line else ""
        assert f"{where}{text}" in output, result.output[-3000:]
    # A screenful at most: the first problems, then counts by kind.
    assert len(result.output.splitlines()) <= MAX_SHOWN_PROBLEMS + 3
    assert len(result.output) < 20_000
    assert sample.read_bytes() == before
    assert not list(sample.parent.glob(".*.part"))


# --- a refused import changes nothing, whatever the file holds -------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The sample's Thai PO file as a catalog, exported once."""
    from conftest import make_project

    root = make_project(tmp_path_factory.mktemp("po") / "project")
    path = root / "campaigns" / SAMPLE.name
    shutil.copy(SAMPLE, path)
    loaded = load_campaign(path, root)  # each example starts from the same file again
    return root, loaded, export_strings(loaded, "th").po


def _mutated(po: bytes, data) -> bytes:
    """The PO file after a translator's editor (or a careless hand) did something to it."""
    catalog = read_po(io.BytesIO(po))
    messages = [m for m in catalog if m.id]
    how = data.draw(st.sampled_from(["msgstr", "msgctxt", "raw", "flags"]))
    target = data.draw(st.sampled_from(messages[:40]))
    text = data.draw(st.text(max_size=120))
    if how == "msgstr":
        target.string = text
    elif how == "msgctxt":
        target.context = text or None
    elif how == "flags":
        target.flags = {"fuzzy"} if data.draw(st.booleans()) else set()
        target.user_comments = [f"reviewed-by: {text}"]
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    raw = buffer.getvalue()
    if how == "raw":  # arbitrary text spliced anywhere into the file
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + text.encode("utf-8", "surrogatepass") + raw[at:]
    return raw


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_refused_import_leaves_the_campaign_byte_for_byte(exported, data):
    project, loaded, po = exported
    path, original = loaded.path, SAMPLE.read_bytes()
    path.write_bytes(original)
    mutated = project / "mutated.po"
    mutated.write_bytes(_mutated(po, data))
    try:
        import_strings(loaded, mutated, project)
    except StringsError as error:
        event("refused")
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
        assert len(error.problems) <= MAX_SHOWN_PROBLEMS + 1
        assert path.read_bytes() == original
    else:  # accepted: the file is still a valid campaign
        event("accepted")
        load_campaign(path, project)
    assert not list(path.parent.glob(".*.part"))
