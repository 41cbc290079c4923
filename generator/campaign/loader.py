"""Read a campaign file, keeping line numbers, and validate it.

Whatever is wrong comes back as ``CampaignError`` holding one ``Problem`` per
mistake, each with file, line, column, the field path and what was expected:
a campaign officer fixes them all in one pass, with no traceback to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import cast

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.reader import ReaderError

from .characters import MAX_VALUE_CHARS, character_problem, describe
from .models import Campaign
from .references import Loc, check_references
from .wording import for_people
from .yaml_words import excerpt, plain_yaml_error

MAX_FILE_BYTES = 5_000_000
# A campaign nests six levels deep and the sample has some 1,200 values. Deeper
# nesting makes the YAML parser slow down quadratically and then overflow the
# stack; ever more values make it slow (some 50 µs each): both are refused early.
MAX_DEPTH = 20
MAX_NODES = 50_000
MAX_SHOWN_CHARS = 80  # of a key or value repeated in a message
MAX_LINES_LISTED = 12  # other lines named in a message about a repeated mistake


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    field: str
    message: str
    excerpt: str = ""  # the line in the file with a caret under the column, for YAML syntax
    repeats: tuple[Problem, ...] = ()  # the same mistake elsewhere, told in this one message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def render(self) -> str:
        """The problem, then the lines of the file it is about, when it has them."""
        shown = "\n".join(f"    {line}" for line in self.excerpt.splitlines())
        return f"{self}\n{shown}" if shown else str(self)


class CampaignError(Exception):
    """A campaign file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.render() for p in problems))


@dataclass(frozen=True)
class LoadedCampaign:
    campaign: Campaign
    path: Path
    source: str  # the file's text, for change detection and reporting


def load_campaign(path: Path, project: Path | None = None) -> LoadedCampaign:
    """Parse and validate one campaign file; raise ``CampaignError`` when it is wrong."""
    shown = _display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CampaignError([Problem(shown, 0, 0, "", f"cannot read: {error.strerror}")]) from None
    text = decode_campaign(raw, shown)
    return LoadedCampaign(parse_campaign(text, shown, project), path, text)


def decode_campaign(raw: bytes, shown: str) -> str:
    """A campaign file's bytes as text: not too large, and UTF-8 (or where it is not)."""
    if len(raw) > MAX_FILE_BYTES:
        message = f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}"
        raise CampaignError([Problem(shown, 0, 0, "", message)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line, column = before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8 text (byte {error.start}: {raw[error.start : error.end]!r})"
        raise CampaignError([Problem(shown, line, column, "", message)]) from None


def parse_campaign(text: str, shown: str, project: Path | None = None) -> Campaign:
    """Validate a campaign file's text; ``shown`` names the file in problems."""
    tree = _parse_yaml(text, shown)
    if not isinstance(tree, CommentedMap):
        line, column = (tree.lc.line + 1, tree.lc.col + 1) if hasattr(tree, "lc") else (1, 1)
        message = "expected a mapping of campaign fields"
        raise CampaignError([Problem(shown, line, column, "", message)])
    problems = list(_character_problems(tree, (), shown))
    if problems:
        raise CampaignError(grouped(problems))

    try:
        campaign = Campaign.model_validate(tree, context={"project": project})
    except ValidationError as error:
        problems = [_from_pydantic(e, tree, shown) for e in error.errors()]
        raise CampaignError(grouped(problems)) from None

    problems = [_at(tree, loc, shown, msg) for loc, msg in check_references(campaign, project)]
    if problems:
        raise CampaignError(grouped(problems))
    campaign._asset_locations = dict(_asset_locations(tree, shown))
    return campaign


def grouped(problems: list[Problem]) -> list[Problem]:
    """One problem for a mistake made many times (an unknown language in every text): the
    first place it occurs, with a count and the lines of the others; in the order found."""
    same: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        same.setdefault((problem.file, problem.message), []).append(problem)
    out = []
    for (_, message), group in same.items():
        first, others = group[0], group[1:]
        if not others:
            out.append(first)
            continue
        # Lines alone when every occurrence is of the same field name (each text's 'fr');
        # with the field where they differ (required fields missing in several places).
        one_name = len({_last_name(p.field) for p in group}) == 1
        places = [str(p.line) if one_name else f"{p.line} ({p.field})" for p in others]
        shown = ", ".join(places[:MAX_LINES_LISTED])
        shown += (
            f" and {len(places) - MAX_LINES_LISTED} more" if len(places) > MAX_LINES_LISTED else ""
        )
        lines = "line" if len(others) == 1 else "lines"
        text = f"{message} ({len(group)} times: here and on {lines} {shown})"
        out.append(replace(first, message=text, repeats=tuple(others)))
    return out


def _last_name(field: str) -> str:
    return field.rsplit(".", 1)[-1].split("[", 1)[0]


def _asset_locations(node, shown: str) -> Iterable[tuple[str, str]]:
    """Each asset path the file names, with the first line that does ("file:line"),
    in file order: ruamel keeps the line of every mapping value and list item."""
    items = []
    if isinstance(node, CommentedMap):
        items = [(value, node.lc.value(key)) for key, value in node.items()]
    elif isinstance(node, CommentedSeq):
        items = [(value, node.lc.item(i)) for i, value in enumerate(node)]
    found: dict[str, str] = {}
    for value, (line, _column) in items:
        if isinstance(value, str) and value.startswith("assets/"):
            found.setdefault(value, f"{shown}:{line + 1}")
        else:
            for asset, where in _asset_locations(value, shown):
                found.setdefault(asset, where)
    return found.items()


class _Constructor(RoundTripConstructor):
    """Says where a value that cannot be converted is (a date of month 13, a number of
    10,000 digits) instead of letting Python's ``ValueError`` escape without a line."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            why = str(error).split(";")[0]  # not Python's advice to programmers
            message = f"cannot read this value: {why}"
            raise ConstructorError(None, None, message, node.start_mark) from None


def field_location(loaded: LoadedCampaign, loc: Loc) -> str:
    """``file:line:column: field`` of a field of a campaign that loaded, for a
    problem found later, while building (a character no font has, a refused URL)."""
    line, column = _locate(_tree(loaded.source), loc, point_at_key=False)
    return f"{_display_path(loaded.path)}:{line}:{column}: {_field(loc)}"


@lru_cache(maxsize=4)
def _tree(source: str) -> CommentedMap:
    return YAML(typ="rt").load(source)


def _parse_yaml(text: str, shown: str):
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    composer = type("Composer", (_CheckingComposer,), {"shown": shown})
    yaml.Composer = cast(type[Composer], composer)  # type() made a subclass of Composer
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except ReaderError as error:
        # A raw control character: the reader knows only its offset in the text.
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        char = chr(error.character) if isinstance(error.character, int) else error.character
        message = f"character {describe(char)} is not allowed in a YAML file ({error.reason})"
        where = excerpt(text, line, column)
        raise CampaignError([Problem(shown, line, column, "", message, where)]) from None
    except MarkedYAMLError as error:
        plain = plain_yaml_error(text, error)
        if plain is not None:
            where = excerpt(text, plain.line, plain.column, plain.show_line_above)
            problem = Problem(shown, plain.line, plain.column, "", f"YAML: {plain.message}", where)
            raise CampaignError([problem]) from None
        # An unclosed bracket or quote is noticed lines later: point at where it opened
        # (the context) and say where the parser gave up.
        unclosed = error.context_mark is not None and any(
            word in str(error.context) for word in ("flow", "quoted")
        )
        mark = error.context_mark if unclosed else (error.problem_mark or error.context_mark)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        if unclosed and error.problem_mark:
            gave_up = error.problem_mark
            message += f" (noticed at line {gave_up.line + 1}, column {gave_up.column + 1})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = _shorten(message, 300)
        where = excerpt(text, line, column)
        raise CampaignError([Problem(shown, line, column, "", f"YAML: {message}", where)]) from None
    except YAMLError as error:
        raise CampaignError([Problem(shown, 0, 0, "", f"YAML: {error}")]) from None


def _event_problem(event, depth: int, nodes: int) -> str | None:
    """What a campaign never needs and a hostile file could abuse, in one parser event."""
    if isinstance(event, AliasEvent):
        # Aliases can multiply a small file into gigabytes (a "YAML bomb").
        return "YAML aliases (*name) are not allowed in campaign files"
    if isinstance(event, NodeEvent) and (tag := getattr(event, "tag", None)):
        tag = str(tag).replace("tag:yaml.org,2002:", "!!")
        return f"YAML tags ({tag}) are not allowed in campaign files; quote the value"
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(event, ScalarEvent) and len(event.value) > MAX_VALUE_CHARS:
        # Checked again with the field's name later; here to stop before loading it.
        return f"a value of {len(event.value):,} characters; the limit is {MAX_VALUE_CHARS:,}"
    if nodes > MAX_NODES:
        return f"more than {MAX_NODES:,} values: split the campaign into several files"
    return None


class _CheckingComposer(Composer):
    """Builds the tree, checking each node's event as the parser makes it: a refused
    file stops at its first problem, before anything is built from it, in the same
    single pass over the text."""

    shown = ""  # the file's name in messages, set per load

    def compose_node(self, parent, index):
        event = self.parser.peek_event()
        opens = isinstance(event, CollectionStartEvent)
        self.levels = getattr(self, "levels", 0) + opens
        self.nodes = getattr(self, "nodes", 0) + 1
        message = _event_problem(event, self.levels, self.nodes)
        if message:
            mark = event.start_mark
            problem = Problem(self.shown, mark.line + 1, mark.column + 1, "", message)
            raise CampaignError([problem])
        try:
            return super().compose_node(parent, index)
        finally:
            self.levels -= opens


def _character_problems(node, loc: Loc, shown: str):
    """A problem for each key or text holding characters no campaign may hold."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(key, str) and (why := character_problem(key)):
                line, column = node.lc.key(key)
                yield Problem(shown, line + 1, column + 1, _field(loc), f"key: {why}")
                continue
            if isinstance(value, str) and (why := character_problem(value)):
                line, column = node.lc.value(key)
                yield Problem(shown, line + 1, column + 1, _field((*loc, key)), why)
            yield from _character_problems(value, (*loc, key), shown)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            if isinstance(value, str) and (why := character_problem(value)):
                line, column = node.lc.item(index)
                yield Problem(shown, line + 1, column + 1, _field((*loc, index)), why)
            yield from _character_problems(value, (*loc, index), shown)


def _from_pydantic(error: ErrorDetails, tree: CommentedMap, shown: str) -> Problem:
    loc, message = for_people(error)
    return _at(tree, loc, shown, message, point_at_key=error["type"] == "extra_forbidden")


def _at(tree, loc: Loc, shown: str, message: str, point_at_key: bool = False) -> Problem:
    line, column = _locate(tree, loc, point_at_key)
    return Problem(shown, line, column, _field(loc), _shorten(message, 1000))


def _field(loc: Loc) -> str:
    """The field path, each key cut short: a key may be a megabyte of someone's text."""
    return format_loc(_shorten(s) if isinstance(s, str) else s for s in loc)


def _shorten(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _locate(tree, loc: Iterable[str | int], point_at_key: bool) -> tuple[int, int]:
    """The 1-based line and column of the deepest node of ``loc`` that exists in the file."""
    node = tree
    line, column = node.lc.line, node.lc.col
    steps = list(loc)
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        if isinstance(node, CommentedMap) and step in node:
            line, column = node.lc.key(step) if (last and point_at_key) else node.lc.value(step)
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line, column = node.lc.item(step)
            node = node[step]
        else:
            break
        if not isinstance(node, CommentedMap | CommentedSeq):
            break
    return line + 1, column + 1


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
