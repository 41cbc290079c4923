"""Stylesheets parsed once per process (generator.typeset.pdf.cached_stylesheet): reused, never stale,
and no way around the fetcher's refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint
import weasyprint.css

import generator.typeset.pdf
from conftest import SMALL_CAMPAIGN, poster_pdfs
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign

FILE = "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"


@pytest.fixture
def parses(monkeypatch) -> list:
    """The source of every stylesheet the cache has WeasyPrint parse: a <style>'s text,
    a linked file's bytes."""
    found = []
    real = weasyprint.CSS

    def counting(**options):
        found.append(options.get("string"))
        return real(**options)

    monkeypatch.setattr(weasyprint, "CSS", counting)
    monkeypatch.setattr(generator.typeset.pdf, "_STYLESHEETS", {})
    return found


def build(project: Path, out: Path):
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    return build_campaign(load_campaign(path, project), project, out, jobs=1, force=True)


def test_the_cache_stands_in_where_weasyprint_finds_a_documents_stylesheets():
    assert weasyprint.css.CSS is generator.typeset.pdf.cached_stylesheet


def test_a_second_build_parses_no_stylesheet_and_gives_the_same_bytes(project, tmp_path, parses):
    first = build(project, tmp_path / "one")
    assert not first.failed, [r.error for r in first.failed]
    assert len(parses) >= 3  # base.css, the design's style.css, the poster's own <style>s
    parsed_first = len(parses)
    second = build(project, tmp_path / "two")
    assert not second.failed
    assert parses[parsed_first:] == []  # every stylesheet came from the cache
    one, two = (folder / "small-test" / FILE for folder in (tmp_path / "one", tmp_path / "two"))
    assert one.read_bytes() == two.read_bytes()


def test_a_cached_build_makes_what_an_uncached_one_makes(project, tmp_path, monkeypatch):
    monkeypatch.setattr(generator.typeset.pdf, "_STYLESHEETS", {})
    build(project, tmp_path / "warm")
    cached = build(project, tmp_path / "cached")
    monkeypatch.setattr(weasyprint.css, "CSS", weasyprint.CSS)  # WeasyPrint as it comes
    plain = build(project, tmp_path / "plain")
    assert poster_pdfs(cached.folder) == poster_pdfs(plain.folder) == [FILE]
    assert (cached.folder / FILE).read_bytes() == (plain.folder / FILE).read_bytes()


def test_an_edited_stylesheet_is_parsed_again(project, tmp_path, parses):
    build(project, tmp_path / "before")
    css = project / "templates" / "border-sign" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n@page { background: #fefefe; }\n")
    parsed = len(parses)
    after = build(project, tmp_path / "after")
    assert [source for source in parses[parsed:] if b"#fefefe" in source]  # the file's bytes
    before_pdf = (tmp_path / "before" / "small-test" / FILE).read_bytes()
    assert (after.folder / FILE).read_bytes() != before_pdf


def test_a_refused_import_fails_every_poster_not_only_the_first(project, tmp_path):
    css = project / "templates" / "border-sign" / "style.css"
    css.write_text('@import url("file:///etc/hostname");\n' + css.read_text(encoding="utf-8"))
    for run in ("one", "two"):  # the second in the same process, after the first parsed it
        result = build(project, tmp_path / run)
        (poster,) = result.results
        assert not poster.ok and "refused file:///etc/hostname" in poster.error, poster.error


def test_sheets_that_speak_for_the_whole_document_are_not_cached(monkeypatch):
    monkeypatch.setattr(generator.typeset.pdf, "_STYLESHEETS", {})
    fetcher = generator.typeset.pdf.ProjectURLFetcher(Path("."))
    common = dict(url_fetcher=fetcher, media_type="print", font_config=None)
    layered = "@layer base { p { color: red } }"
    counted = "@counter-style thumbs { system: cyclic; symbols: x; }"
    for source in (layered, counted):
        options = dict(common, string=source, counter_style={}, layers=[], page_rules=[])
        generator.typeset.pdf.cached_stylesheet(**options)
    assert generator.typeset.pdf._STYLESHEETS == {}
    generator.typeset.pdf.cached_stylesheet(string="p { color: red }", counter_style={}, **common)
    assert len(generator.typeset.pdf._STYLESHEETS) == 1


def test_a_refused_linked_stylesheet_fails_every_poster(project, tmp_path):
    template = project / "templates" / "border-sign" / "poster.html.j2"
    link = '<link rel="stylesheet" href="file:///etc/hostname">'
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace("{% block stylesheets %}", "{% block stylesheets %}" + link))
    for run in ("one", "two"):  # the link is fetched, and refused, for every poster
        (poster,) = build(project, tmp_path / run).results
        assert not poster.ok and "refused file:///etc/hostname" in poster.error, poster.error
