"""YAML syntax errors in plain words, with the line shown and a caret under the spot.

The parser says "while parsing a block mapping expected <block end>, but found
'<block mapping start>'" for one space too many. A campaign officer needs "this
line is indented 1 space more than the line above". The parser's error gives
the place; the words come from looking at the text there: its indentation, a
tab, the quote or bracket that was opened and never closed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError


@dataclass(frozen=True)
class Plain:
    line: int  # 1-based
    column: int  # 1-based
    message: str
    show_line_above: bool = False  # the message compares the line with the one above


def plain_yaml_error(text: str, error: MarkedYAMLError) -> Plain | None:
    """The error in plain words, or None when none of these explanations fits."""
    lines = text.splitlines()
    said = f"{error.context or ''} {error.problem or ''}"
    problem, context = error.problem_mark, error.context_mark
    if problem is None:
        return None
    if "'\\t'" in said:
        return _tab(lines, problem.line, problem.column)
    if "quoted scalar" in said and context is not None:
        quote = _char_at(lines, context.line, context.column) or '"'
        reached = (
            "the end of the file"
            if problem.line >= len(lines) or not "".join(lines[problem.line :]).strip()
            else f"line {problem.line + 1}"
        )
        return Plain(
            context.line + 1,
            context.column + 1,
            f"this {quote} opens a text that is never closed: end the text with {quote} "
            f"(the parser reached {reached} looking for it)",
        )
    if ("flow sequence" in said or "flow mapping" in said) and context is not None:
        opening = _char_at(lines, context.line, context.column) or "["
        closing = {"[": "]", "{": "}"}.get(opening, "]")
        kind = "list" if closing == "]" else "mapping"
        return Plain(
            context.line + 1,
            context.column + 1,
            f"this {opening} opens a {kind} that is never closed: end it with {closing} on "
            f"the same line, with commas between its items (noticed at line {problem.line + 1}, "
            f"column {problem.column + 1})",
        )
    if "duplicate key" in said:
        key = re.search(r'duplicate key "([^"]*)"', said)
        name = f"'{key.group(1)}'" if key else "this key"
        first: int | str | None = (
            _first_key_line(lines, key.group(1), problem) if key and context else None
        )
        first = f" (first on line {first})" if first else ""
        return Plain(
            problem.line + 1,
            problem.column + 1,
            f"{name} is given twice in one mapping{first}: keep one (duplicate key)",
        )
    if "mapping values are not allowed" in said or "expected <block end>" in said:
        return _run_on_quote(lines, problem.line) or _indentation(
            lines, problem.line, problem.column
        )
    return None


def _run_on_quote(lines: list[str], line: int) -> Plain | None:
    """A quote left open in a block value runs on over the next lines, to the next quote:
    the parser then stumbles lines later, on the line holding that next quote. Find the
    line above with an odd number of quotes."""
    if '"' not in lines[line]:
        return None
    for number in range(line - 1, max(line - 40, 0) - 1, -1):
        value = lines[number].split(" #")[0]
        count = value.count('"') - value.count('\\"')
        if count % 2:
            column = value.rindex('"')
            return Plain(
                number + 1,
                column + 1,
                f'this " opens a text that is never closed on its line: it runs on to line '
                f'{line + 1}, where the next " ends it; end the text with "',
            )
    return None


def _first_key_line(lines: list[str], key: str, second) -> int | None:
    """The 1-based line where ``key`` is given first, in the column of its second time."""
    pattern = re.compile(rf"^(\s*- )*\s*['\"]?{re.escape(key)}['\"]?\s*:")
    for number in range(second.line):
        match = pattern.match(lines[number])
        if match and len(match.group(0)) - len(match.group(0).lstrip()) <= second.column:
            start = len(lines[number]) - len(lines[number].lstrip(" -"))
            if start == second.column:
                return number + 1
    return None


def _tab(lines: list[str], line: int, column: int) -> Plain:
    where = "to indent" if not lines[line][:column].strip() else "between values"
    return Plain(line + 1, column + 1, f"a tab {where}: use spaces, not tabs")


def _indentation(lines: list[str], line: int, column: int) -> Plain | None:
    """Compare the line's indentation with the line above it (comments and blank
    lines skipped); a stray ': ' inside an unquoted value is the other usual cause."""
    if not 0 <= line < len(lines):
        return None
    here = lines[line]
    indent = _indent(here)
    above = next(
        (i for i in range(line - 1, -1, -1) if lines[i].strip() and not _comment(lines[i])),
        None,
    )
    # "title: a: b": the second ': ' on the line is where the parser stopped.
    if column > indent and re.match(r"\s*(- )?[^\s:#][^:#]*: ", here) and ": " in here[:column]:
        first = here.index(": ")
        if column > first + 1:
            return Plain(
                line + 1,
                column + 1,
                "a value holding ': ' must be in quotes, e.g. title: \"Note: call 1554\"",
            )
    if above is None:
        return None
    expected = _content_indent(lines[above])
    if lines[above].rstrip().endswith(":") and indent > _indent(lines[above]):
        return None  # a new block below a key: the indentation is fine, something else is not
    if indent == expected:
        return None
    difference = abs(indent - expected)
    spaces = f"{difference} space{'s' if difference != 1 else ''}"
    more = "more" if indent > expected else "less"
    return Plain(
        line + 1,
        indent + 1,
        f"this line is indented {spaces} {more} than the line above: keys of one "
        "mapping start in the same column",
        show_line_above=True,
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_indent(line: str) -> int:
    """Where the line's key starts: after the '- ' of a list item."""
    match = re.match(r"(\s*)((- )+)", line)
    return len(match.group(0)) if match else _indent(line)


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _char_at(lines: list[str], line: int, column: int) -> str:
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def excerpt(text: str, line: int, column: int, line_above: bool = False) -> str:
    """The line (and the one above it, when the message compares them), numbered, with
    a caret under ``column`` (1-based); tabs shown as '→' so the caret lines up."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    numbers = [line]
    if line_above:
        above = next((n for n in range(line - 1, 0, -1) if lines[n - 1].strip()), None)
        numbers = [above, line] if above else numbers
    width = len(str(line))
    shown = [f"{n:>{width}} | {_visible(lines[n - 1])[:160]}" for n in numbers]
    prefix = _visible(lines[line - 1])[: max(column - 1, 0)]
    shown.append(f"{'':>{width}} | {' ' * _display_width(prefix)}^")
    return "\n".join(shown)


def _visible(line: str) -> str:
    return line.replace("\t", "→")


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: combining marks take none, wide characters two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
