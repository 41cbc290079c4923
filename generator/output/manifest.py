"""The manifest's records: one ``ManifestEntry`` per poster inside one ``Manifest``.

They are turned into JSON only where the manifest is written (``to_json``, called by
``files.write_manifest``) and parsed from it only where it is read (``from_json``, by
``files.read_manifest``). A manifest written by an earlier version still reads: a missing
or mistyped field takes its default, and keys this version does not know are kept in
``other`` and written back after the known ones. A poster's preflight is a
``PreflightSummary`` (``preflight_json`` writes it, for ``poster preflight --json`` too),
a card's companions a ``CardFiles``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..preflight.report import CheckSummary, PreflightSummary


@dataclass(frozen=True)
class CardFiles:
    """A social-media card's companions beside its PNG, and its size."""

    jpeg: str  # the same picture as a JPEG
    post_text: str  # the text to post with it
    pixels: tuple[int, int]  # width, height


@dataclass(frozen=True)
class ManifestEntry:
    """One poster (or social-media card) as the manifest lists it."""

    file: str
    profile: str | None = None  # the print profile it was made with
    placement: str = ""
    design: str = ""
    format: str = ""  # a format label: "A3", "A3-landscape", a card's name
    languages: tuple[str, ...] = ()
    quantity: int = 0
    pages: int = 0
    sha256: str | None = None
    preflight: PreflightSummary | None = None
    warnings: tuple[str, ...] = ()
    inputs: str | None = None  # hash of everything the poster depends on
    placeholders: tuple[str, ...] = ()  # stand-in assets it shows
    card: CardFiles | None = None  # a social-media card's companions (None for a poster)
    # Whether it may go on a wall: recomputed at every build.
    draft: bool = False
    held_back_by: tuple[str, ...] = ()
    contact_warnings: tuple[str, ...] = ()
    other: dict[str, Any] = field(default_factory=dict)  # keys an earlier version wrote

    @property
    def is_card(self) -> bool:
        """A social-media card (a PNG with its pixels), not a PDF."""
        return self.card is not None and not self.file.endswith(".pdf")

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest holds it: its fields in this order, a card's files
        only for a card, then the keys an earlier version wrote."""
        data = _fields(self, _POSTER_FIELDS)
        if self.card is not None:
            card = self.card
            data |= {"jpeg": card.jpeg, "post_text": card.post_text, "pixels": list(card.pixels)}
        return _with_other(data | _fields(self, _WALL_FIELDS), self.other)

    @classmethod
    def from_json(cls, data: object) -> ManifestEntry | None:
        """The entry ``data`` describes; None when it names no file (nothing to read)."""
        if not isinstance(data, dict) or not isinstance(data.get("file"), str) or not data["file"]:
            return None
        return cls(
            file=data["file"],
            profile=_of(data, "profile", str),
            placement=_of(data, "placement", str) or "",
            design=_of(data, "design", str) or "",
            format=_of(data, "format", str) or "",
            languages=_strings(data, "languages"),
            quantity=_int(data, "quantity"),
            pages=_int(data, "pages"),
            sha256=_of(data, "sha256", str),
            preflight=preflight_from_json(data.get("preflight")),
            warnings=_strings(data, "warnings"),
            inputs=_of(data, "inputs", str),
            placeholders=_strings(data, "placeholders"),
            card=_card(data),
            draft=data.get("draft") is True,
            held_back_by=_strings(data, "held_back_by"),
            contact_warnings=_strings(data, "contact_warnings"),
            other={k: v for k, v in data.items() if k not in _ENTRY_KEYS},
        )


_CARD_KEYS = ("jpeg", "post_text", "pixels")  # a card's files, flat in its entry
_ENTRY_KEYS = frozenset(ManifestEntry.__dataclass_fields__) - {"other", "card"} | {*_CARD_KEYS}
_WALL_FIELDS = ("draft", "held_back_by", "contact_warnings")
_POSTER_FIELDS = tuple(
    name for name in ManifestEntry.__dataclass_fields__
    if name not in {*_WALL_FIELDS, "card", "other"}
)  # fmt: skip


def _card(data: dict) -> CardFiles | None:
    """A card's files, when the entry names all three."""
    jpeg, post_text, pixels = (data.get(key) for key in _CARD_KEYS)
    if not (isinstance(jpeg, str) and isinstance(post_text, str) and isinstance(pixels, list)):
        return None
    if len(pixels) != 2 or not all(type(p) is int for p in pixels):
        return None
    return CardFiles(jpeg, post_text, (pixels[0], pixels[1]))


def preflight_json(report: PreflightSummary) -> dict[str, Any]:
    """A poster's preflight as the manifest and ``poster preflight --json`` write it."""
    data = {
        "ok": report.ok,
        "profile": report.profile,
        "format": report.format,
        "errors": list(report.errors),
        "warnings": list(report.warnings),
        "fonts": list(report.fonts),
        "checks": {
            name: {"status": check.status, "summary": check.summary}
            for name, check in report.checks.items()
        },
        "measures": dict(report.measures),
    }
    return _with_other(data, report.other)


def preflight_from_json(data: object) -> PreflightSummary | None:
    """The preflight ``data`` describes (None for anything that is not one)."""
    if not isinstance(data, dict):
        return None
    checks = _of(data, "checks", dict) or {}
    return PreflightSummary(
        profile=_of(data, "profile", str) or "digital",
        format=_of(data, "format", str) or "",
        errors=_strings(data, "errors"),
        warnings=_strings(data, "warnings"),
        fonts=_strings(data, "fonts"),
        checks={
            str(name): CheckSummary(
                _of(check, "status", str) or "ok", _of(check, "summary", str) or ""
            )
            for name, check in checks.items()
            if isinstance(check, dict)
        },
        measures=_of(data, "measures", dict) or {},
        other={key: value for key, value in data.items() if key not in _PREFLIGHT_KEYS},
    )


_PREFLIGHT_KEYS = frozenset(("ok", *PreflightSummary.__dataclass_fields__)) - {"other"}


@dataclass(frozen=True)
class Manifest:
    """A campaign's output folder as its last build left it."""

    campaign: str = ""
    source: str = ""  # the campaign file's name
    draft: bool = False  # any poster a draft
    review_note: str | None = None
    posters: tuple[ManifestEntry, ...] = ()
    other: dict[str, Any] = field(default_factory=dict)  # keys an earlier version wrote

    def to_json(self) -> dict[str, Any]:
        names = ("campaign", "source", "draft", "review_note", "posters")
        return _with_other(_fields(self, names), self.other)

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        """The manifest ``data`` describes; an empty one for anything that is not one."""
        if not isinstance(data, dict):
            return cls()
        posters = data.get("posters")
        entries = (
            [ManifestEntry.from_json(item) for item in posters or ()]
            if isinstance(posters, list)
            else []
        )
        return cls(
            campaign=_of(data, "campaign", str) or "",
            source=_of(data, "source", str) or "",
            draft=data.get("draft") is True,
            review_note=_of(data, "review_note", str),
            posters=tuple(entry for entry in entries if entry is not None),
            other={k: v for k, v in data.items() if k not in _MANIFEST_KEYS},
        )

    def entry(self, file: str) -> ManifestEntry | None:
        return next((entry for entry in self.posters if entry.file == file), None)


_MANIFEST_KEYS = frozenset(Manifest.__dataclass_fields__) - {"other"}


def _fields(record: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _json_value(getattr(record, name)) for name in names}


def _with_other(data: dict[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """``data``, then the keys an earlier version wrote that it does not have."""
    return {**data, **{key: value for key, value in other.items() if key not in data}}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):  # the tuples of a frozen record are JSON's lists
        return [_json_value(item) for item in value]
    if isinstance(value, ManifestEntry):
        return value.to_json()
    if isinstance(value, PreflightSummary):
        return preflight_json(value)
    return value


def _of(data: dict, key: str, kind: type) -> Any:
    value = data.get(key)
    return value if isinstance(value, kind) else None


def _int(data: dict, key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
