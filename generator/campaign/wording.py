"""Validation errors in words for people: what the field takes, what it got, what
was probably meant, and one message for a mistake made many times.

Pydantic says "List should have at most 2 items after validation, not 3"; a
campaign officer reads "a placement has 1 to 4 languages; this one lists 5". The
words are made from the error's own context (``ctx``: the limit, the pattern,
the values expected) and from the campaign models' field definitions, so a
changed limit in ``models.py`` changes the message with it, never hard-coded.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .models import Campaign

Loc = tuple[str | int, ...]


# --- where in the models a field path leads ------------------------------------------


def _unwrap(annotation):
    """The type inside Optional[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _walk(loc: Loc) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model holding the last named field of ``loc``, and that field's definition."""
    model: type[BaseModel] | None = Campaign
    annotation = None
    info = None
    holder = None
    for step in loc:
        if isinstance(step, str) and annotation is None and model is not None:
            if step not in model.model_fields:
                return model, None
            holder, info = model, model.model_fields[step]
            annotation = _unwrap(info.annotation)
        elif annotation is not None:  # an index into a list, a key into a dict
            args = typing.get_args(annotation)
            origin = typing.get_origin(annotation)
            if origin in (list, tuple) and args:
                annotation = _unwrap(args[0])
            elif origin is dict and len(args) == 2:
                annotation = _unwrap(args[1])
            else:
                return holder, info
        else:
            return holder, info
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, annotation = annotation, None
    return holder, info


def _limits(info: FieldInfo | None) -> tuple[int | None, int | None]:
    low = high = None
    for item in info.metadata if info else ():
        if isinstance(item, MinLen):
            low = item.min_length
        elif isinstance(item, MaxLen):
            high = item.max_length
    return low, high


# --- the words ---------------------------------------------------------------------------


def _singular(name: str) -> str:
    name = name.replace("_", " ")
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _owner(loc: Loc) -> str:
    """What holds the field, in words: "a placement", "a format", "the campaign"."""
    names = [step for step in loc[:-1] if isinstance(step, str)]
    if not names:
        return "the campaign"
    name = _singular(names[-1])
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _between(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"exactly {low}" if low == high else f"{low} to {high}"
    return f"at most {high}" if high is not None else f"at least {low}"


def did_you_mean(value: object, known: Iterable[str]) -> str:
    """' — did you mean 'x'?' for a near miss among ``known``, or ''."""
    if not isinstance(value, str):
        return ""
    choices = {str(k).lower(): str(k) for k in known}
    close = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.7)
    return f"; did you mean '{choices[close[0]]}'?" if close else ""


def _got(error: Mapping[str, Any]) -> str:
    value = error.get("input")
    if isinstance(value, dict | list) or "input" not in error:
        return ""
    return f" (got {value!r})"[:200]


def for_people(error: Mapping[str, Any]) -> tuple[Loc, str]:
    """The field path a pydantic error is about and what to tell the person."""
    loc = tuple(error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        key = loc[-1]
        _, message = for_people({**error, "loc": loc})
        return loc, f"'{key}' is not allowed as a key here: {message.split(' (got ')[0]}"
    holder, info = _walk(loc)
    field = next((s for s in reversed(loc) if isinstance(s, str)), "")
    if kind == "extra_forbidden":
        allowed = list(holder.model_fields) if holder is not None else []
        hint = did_you_mean(loc[-1], allowed)
        return loc, f"unknown field{hint} (see docs/campaign-format.md for the fields allowed here)"
    if kind == "missing":
        return loc, "required field is missing"
    if kind in ("too_long", "too_short"):
        low, high = _limits(info)
        low = ctx.get("min_length", low) if low is None else low
        high = ctx.get("max_length", high) if high is None else high
        items = field.replace("_", " ")
        return loc, (
            f"{_owner(loc)} has {_between(low, high)} {items}; "
            f"this one lists {ctx.get('actual_length', '?')}"
        )
    if kind == "string_too_long":
        length = len(error["input"]) if isinstance(error.get("input"), str) else "more"
        return loc, f"at most {ctx['max_length']:,} characters; this one has {length:,}"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if kind == "string_pattern_mismatch":
        what = info.description if info and info.description else f"match {ctx.get('pattern')}"
        return loc, f"must be {what}{_got(error)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        values = [v.strip(" '") for v in expected.replace(" or ", ", ").split(",")]
        hint = did_you_mean(error.get("input"), values)
        return loc, f"must be one of {expected}{_got(error)}{hint}"
    if kind.endswith("_type") and "input" in error and error["input"] is None:
        return loc, "has no value: write one after the colon (or remove the line)"
    if kind in ("string_type", "str_type"):
        return loc, f"must be text: put it in quotes, as written{_got(error)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return loc, f"must be a whole number{_got(error)}"
    if kind in ("float_parsing", "float_type"):
        return loc, f"must be a number{_got(error)}"
    if kind in ("bool_parsing", "bool_type"):
        return loc, f"must be true or false{_got(error)}"
    if kind.startswith("date"):
        return loc, f"must be a date written YYYY-MM-DD, e.g. 2026-11-23{_got(error)}"
    bounds = {
        "greater_than_equal": "at least {ge}",
        "greater_than": "more than {gt}",
        "less_than_equal": "at most {le}",
        "less_than": "less than {lt}",
    }
    if kind in bounds:
        return loc, f"must be {bounds[kind].format(**ctx)}{_got(error)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return loc, f"must be a mapping of fields (key: value lines or {{...}}){_got(error)}"
    if kind in ("list_type", "tuple_type"):
        return loc, f"must be a list ([a, b] or lines starting with '- '){_got(error)}"
    message = error["msg"].removeprefix("Value error, ")
    return loc, _lower(message) + ("" if kind == "value_error" else _got(error))


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]
