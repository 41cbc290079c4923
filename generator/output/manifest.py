"""The manifest's records: one ``ManifestEntry`` per poster inside one ``Manifest``.

They are turned into JSON only where the manifest is written (``to_json``, called by
``files.write_manifest``) and parsed from it only where it is read (``from_json``, by
``files.read_manifest``). A manifest written by an earlier version still reads: a missing
or mistyped field takes its default, and keys this version does not know are kept in
``other`` and written back after the known ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    preflight: dict | None = None  # the preflight report, as written
    warnings: tuple[str, ...] = ()
    inputs: str | None = None  # hash of everything the poster depends on
    placeholders: tuple[str, ...] = ()  # stand-in assets it shows
    # A social-media card's companions and size (None for a poster).
    jpeg: str | None = None
    post_text: str | None = None
    pixels: tuple[int, int] | None = None
    # Whether it may go on a wall: recomputed at every build.
    draft: bool = False
    held_back_by: tuple[str, ...] = ()
    contact_warnings: tuple[str, ...] = ()
    other: dict[str, Any] = field(default_factory=dict)  # keys an earlier version wrote

    @property
    def is_card(self) -> bool:
        """A social-media card (a PNG with its pixels), not a PDF."""
        return self.pixels is not None and not self.file.endswith(".pdf")

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest holds it: its fields in this order, a card's only for
        a card, then the keys an earlier version wrote."""
        present = [name for name in _CARD_FIELDS if getattr(self, name) is not None]
        return _as_json(self, (*_POSTER_FIELDS, *present, *_WALL_FIELDS), self.other)

    @classmethod
    def from_json(cls, data: object) -> ManifestEntry | None:
        """The entry ``data`` describes; None when it names no file (nothing to read)."""
        if not isinstance(data, dict) or not isinstance(data.get("file"), str) or not data["file"]:
            return None
        pixels = data.get("pixels")
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
            preflight=_of(data, "preflight", dict),
            warnings=_strings(data, "warnings"),
            inputs=_of(data, "inputs", str),
            placeholders=_strings(data, "placeholders"),
            jpeg=_of(data, "jpeg", str),
            post_text=_of(data, "post_text", str),
            pixels=(
                (pixels[0], pixels[1])
                if isinstance(pixels, list)
                and len(pixels) == 2
                and all(isinstance(p, int) for p in pixels)
                else None
            ),
            draft=data.get("draft") is True,
            held_back_by=_strings(data, "held_back_by"),
            contact_warnings=_strings(data, "contact_warnings"),
            other={k: v for k, v in data.items() if k not in _ENTRY_KEYS},
        )


_ENTRY_KEYS = frozenset(ManifestEntry.__dataclass_fields__) - {"other"}
_CARD_FIELDS = ("jpeg", "post_text", "pixels")
_WALL_FIELDS = ("draft", "held_back_by", "contact_warnings")
_POSTER_FIELDS = tuple(
    name for name in ManifestEntry.__dataclass_fields__
    if name not in {*_CARD_FIELDS, *_WALL_FIELDS, "other"}
)  # fmt: skip


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
        return _as_json(self, ("campaign", "source", "draft", "review_note", "posters"), self.other)

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


def _as_json(record: object, names: tuple[str, ...], other: dict[str, Any]) -> dict[str, Any]:
    data = {name: _json_value(getattr(record, name)) for name in names}
    return {**data, **{key: value for key, value in other.items() if key not in data}}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):  # the tuples of a frozen record are JSON's lists
        return [_json_value(item) for item in value]
    if isinstance(value, ManifestEntry):
        return value.to_json()
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
