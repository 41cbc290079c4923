"""The manifest's typed records: what is written reads back the same, and a manifest an
earlier version wrote (fields missing, fields this version does not know) still reads."""

from __future__ import annotations

import json
from pathlib import Path

from generator.output.files import MANIFEST, read_manifest, write_manifest
from generator.output.manifest import CardFiles, Manifest, ManifestEntry
from generator.preflight.report import CheckSummary

CARD = {
    "file": "a_social-card_square_lo-th_DRAFT.png",
    "profile": "digital",
    "placement": "a",
    "design": "social-card",
    "format": "square",
    "languages": ["lo", "th"],
    "quantity": 0,
    "pages": 1,
    "sha256": "ab" * 32,
    "preflight": {
        "ok": True,
        "profile": "digital",
        "format": "square",
        "errors": [],
        "warnings": ["text size: page 1: small"],
        "fonts": ["Noto-Sans", "Noto-Sans-Lao"],
        "checks": {"fonts": {"status": "ok", "summary": "2 fonts, embedded"}},
        "measures": {"colour spaces": ["RGB"], "smallest text mm": 6.25},
    },
    "warnings": ["one"],
    "inputs": "cd" * 32,
    "placeholders": [],
    "jpeg": "a_social-card_square_lo-th_DRAFT.jpg",
    "post_text": "a_social-card_square_lo-th_DRAFT.txt",
    "pixels": [1080, 1080],
    "draft": True,
    "held_back_by": ["texts.headline (th)"],
    "contact_warnings": [],
}
POSTER = {**{k: v for k, v in CARD.items() if k not in ("jpeg", "post_text", "pixels")}}
POSTER |= {"file": "a_border-sign_A3_lo-th.pdf", "format": "A3", "quantity": 4, "draft": False}
MANIFEST_JSON = {
    "campaign": "c",
    "source": "c.yaml",
    "draft": True,
    "review_note": "ຮ່າງ",
    "posters": [POSTER, CARD],
}


def test_a_manifest_reads_back_as_the_same_bytes(tmp_path: Path):
    written = json.dumps(MANIFEST_JSON, ensure_ascii=False, indent=2) + "\n"
    (tmp_path / MANIFEST).write_text(written, encoding="utf-8")
    manifest = read_manifest(tmp_path)
    poster, card = manifest.posters
    assert (poster.file, poster.quantity, poster.is_card) == (POSTER["file"], 4, False)
    files = CardFiles(CARD["jpeg"], CARD["post_text"], (1080, 1080))
    assert (card.card, card.is_card, poster.card) == (files, True, None)
    report = card.preflight
    assert report is not None and report.ok and report.warnings == ("text size: page 1: small",)
    assert report.checks == {"fonts": CheckSummary("ok", "2 fonts, embedded")}
    assert report.measures["smallest text mm"] == 6.25
    assert poster.to_json() == POSTER and list(card.to_json()) == list(CARD)
    (tmp_path / MANIFEST).unlink()
    write_manifest(tmp_path, manifest)
    assert (tmp_path / MANIFEST).read_text(encoding="utf-8") == written


def test_an_older_manifest_reads_with_defaults_and_keeps_unknown_keys():
    old = {
        "campaign": "c",
        "built_by": "0.9",
        "posters": [
            {"file": "a.pdf", "format": "A4", "pages": "two", "legacy": {"x": 1}},
            {"format": "A4"},  # no file: nothing to read
            "not an entry",
        ],
    }
    manifest = Manifest.from_json(old)
    (entry,) = manifest.posters
    assert entry == ManifestEntry("a.pdf", format="A4", other={"legacy": {"x": 1}})
    assert (entry.pages, entry.quantity, entry.preflight, entry.draft) == (0, 0, None, False)
    assert entry.to_json()["legacy"] == {"x": 1} and list(entry.to_json())[-1] == "legacy"
    assert manifest.to_json()["built_by"] == "0.9"
    assert Manifest.from_json(["not", "a", "manifest"]) == Manifest()


def test_no_manifest_reads_as_an_empty_one(tmp_path: Path):
    assert read_manifest(tmp_path) == Manifest()
    (tmp_path / MANIFEST).write_text("{ torn", encoding="utf-8")
    assert read_manifest(tmp_path).posters == ()


def test_an_older_preflight_reads_with_defaults_and_keeps_unknown_keys():
    data = {"file": "a.pdf", "preflight": {"errors": ["fonts: not embedded"], "legacy": 1}}
    entry = ManifestEntry.from_json(data)
    assert entry is not None and entry.preflight is not None
    assert not entry.preflight.ok and entry.preflight.profile == "digital"
    written = entry.to_json()["preflight"]
    assert written["ok"] is False and list(written)[-1] == "legacy"
    assert ManifestEntry.from_json({"file": "a.pdf", "preflight": "ok"}).preflight is None
