"""Hostile and broken campaign files: every one gives its expected message with file
and line, the right exit status, and no traceback; nothing leaks, nothing is fetched.

The cases live in tests/corpus/hostile/, one campaign per file, each with its
expectations in its header (see the README there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import poster_pdfs, squeeze
from generator.cli import main
from generator.preflight import extract_text

CORPUS = Path(__file__).parent / "corpus" / "hostile"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'

PLACEMENT = """\
  - id: place-{i}
    name: {{lo: ດ່ານ, en: Crossing {i}}}
    design: sign
    languages: [lo, en]
    formats:
      - {{size: A5, quantity: 1}}
"""

# What cannot be stored in a file as it is: too big, or bytes no editor keeps.
GENERATORS = {
    "deep-nesting": lambda text: text.replace("@@DEEP@@", "[" * 100_000 + "]" * 100_000),
    "latin-1-byte": lambda text: text.encode("utf-8").replace(b"@@BYTES@@", "ö".encode("latin-1")),
    "bel": lambda text: text.replace("@@BEL@@", "\a"),
    "isolates": lambda text: text.replace("@@RLI_FLOOD@@", "\u2067" * 5_000),
    "combining-marks": lambda text: text.replace("@@MARKS@@", "\u0301" * 500),
    "megabyte": lambda text: text.replace("@@MEGABYTE@@", "word " * 209_715 + "end"),
    "digits": lambda text: text.replace("@@DIGITS@@", "1" * 5_000),
    "placements": lambda text: text.replace(
        "@@PLACEMENTS@@", "".join(PLACEMENT.format(i=i) for i in range(10_000))
    ),
    "long-word": lambda text: text.replace("@@LONG_WORD@@", "W" * 1_500),
}


@dataclass
class Case:
    path: Path
    exit: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    symlinks: list[tuple[str, str]] = field(default_factory=list)
    generate: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem


def read_case(path: Path) -> Case:
    case = Case(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(": ")
        if key == "exit":
            case.exit = int(value)
        elif key == "error":
            number, _, text = value.partition(": ")
            case.errors.append((int(number), text))
        elif key == "text":
            case.texts.append(value)
        elif key == "symlink":
            link, _, target = value.partition(" -> ")
            case.symlinks.append((link, target))
        elif key == "generate":
            case.generate = value
    return case


CASES = sorted(CORPUS.glob("*.yaml"))


def test_the_corpus_covers_every_kind_of_case():
    cases = [read_case(path) for path in CASES]
    assert len(cases) >= 50
    assert {case.exit for case in cases} == {0, 1, 2}
    for case in cases:
        assert case.exit == 0 or case.errors, f"{case.name} promises no message"
        assert case.exit != 0 or case.texts, f"{case.name} promises no text"
        assert case.generate in (None, *GENERATORS), case.generate


def install(case: Case, project: Path, tmp_path: Path) -> Path:
    """Put the case into the project's campaigns/, with its links, as a user would."""
    text = case.path.read_text(encoding="utf-8")
    content = GENERATORS[case.generate](text) if case.generate else text
    target = project / "campaigns" / case.path.name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    outside = tmp_path / "outside.svg"
    outside.write_text(SVG)
    for link, pointee in case.symlinks:
        (project / link).symlink_to(pointee.replace("{outside}", str(outside)))
    return target


def one_line(output: str) -> list[str]:
    """The output's lines, with rich's folding of long lines undone."""
    return [re.sub(r"\s+", " ", line) for line in output.splitlines()]


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_hostile_campaign(path: Path, project: Path, tmp_path: Path):
    case = read_case(path)
    campaign = install(case, project, tmp_path)
    output = tmp_path / "output"
    result = CliRunner().invoke(
        main,
        ["build", str(campaign), "--project", str(project), "--output", str(output), "-j", "1"],
    )

    printed = result.output
    assert "Traceback" not in printed, printed
    assert result.exception is None or isinstance(result.exception, SystemExit), printed
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", printed), "a control character was printed"
    assert result.exit_code == case.exit, printed[-3000:]
    lines = one_line(printed)
    for number, expected in case.errors:
        where = f"{campaign.name}:{number}:"
        found = [line for line in lines if where in line and expected in line]
        assert found, f"no message at {where} with {expected!r} in:\n{printed[-3000:]}"

    folder = output / "hostile"
    if case.exit == 2:
        assert not folder.exists() or not poster_pdfs(folder), "a file that does not load built"
        return
    pdfs = poster_pdfs(folder)
    assert pdfs, printed
    layers = [squeeze(extract_text((folder / pdf).read_bytes())[0]) for pdf in pdfs]
    for expected in case.texts:
        assert any(squeeze(expected) in layer for layer in layers), (expected, layers)
