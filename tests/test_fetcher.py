"""The renderer's URL fetcher serves project files and data: URLs, and refuses the rest."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from generator.render.fetcher import ProjectURLFetcher, RefusedURL

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@pytest.fixture
def fetcher(project: Path) -> ProjectURLFetcher:
    return ProjectURLFetcher(project)


@pytest.fixture
def connections(monkeypatch) -> list:
    """Record every attempt to reach the network (DNS or connect), and refuse it.

    WeasyPrint turns a fetcher's exception into a warning, so the conftest's
    AssertionError alone could be swallowed during a render: the list cannot.
    """
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"a test tried to reach the network: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def refused(fetcher: ProjectURLFetcher, url: str) -> str:
    """Fetch ``url``; it must be refused and recorded. Return the recorded message."""
    before = len(fetcher.refused)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert len(fetcher.refused) == before + 1
    message = fetcher.refused[-1]
    assert url[:200] in message
    return message


# --- served --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "content_type"),
    [
        ("templates/base.css", "text/css"),
        ("templates/border-sign/style.css", "text/css"),
        ("assets/logos/mlsw.svg", "image/svg+xml"),
        ("assets/pictograms/passport.svg", "image/svg+xml"),
    ],
)
def test_serves_project_files(project, fetcher, relative, content_type):
    path = (project / relative).resolve()
    response = fetcher.fetch(path.as_uri())
    assert response.read() == path.read_bytes()
    assert response.content_type == content_type
    assert fetcher.refused == []


def test_serves_through_a_link_inside_the_allowed_folders(project, fetcher):
    link = project / "assets" / "pictograms" / "same.svg"
    link.symlink_to(project / "assets" / "pictograms" / "passport.svg")
    assert fetcher.fetch(link.as_uri()).read() == link.read_bytes()
    assert fetcher.refused == []


def test_serves_a_file_named_with_escapes(project, fetcher):
    path = project / "assets" / "logos" / "with space.svg"
    path.write_bytes(SVG)
    url = path.resolve().as_uri()
    assert "%20" in url
    assert fetcher.fetch(url).read() == SVG


@pytest.mark.parametrize(
    ("url", "body", "content_type"),
    [
        ("data:text/plain;base64,aGVsbG8=", b"hello", "text/plain"),
        ("data:,hello%20world", b"hello world", "text/plain"),
        ("data:image/svg+xml;base64,PHN2Zy8+", b"<svg/>", "image/svg+xml"),
    ],
)
def test_serves_data_urls(fetcher, url, body, content_type):
    response = fetcher.fetch(url)
    assert response.read() == body
    assert response.content_type == content_type
    assert fetcher.refused == []


# --- refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.css",
        "https://example.com/x.css",
        "HTTPS://example.com/x.css",
        "ftp://example.com/x.css",
        "javascript:alert(1)",
        "//example.com/x.css",
    ],
)
def test_refuses_other_schemes_without_touching_the_network(fetcher, connections, url):
    assert "only project files" in refused(fetcher, url)
    assert connections == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "file:/etc/passwd", "FILE:///etc/passwd", "file://localhost/etc/passwd"],
)
def test_refuses_system_files(fetcher, url):
    assert "outside" in refused(fetcher, url)


def test_refuses_a_file_url_that_climbs_out(project, fetcher):
    base = project.resolve().as_uri()
    assert "outside" in refused(fetcher, f"{base}/assets/../../../../../etc/passwd")
    assert "outside" in refused(fetcher, f"{base}/templates/../campaigns/x.yaml")
    assert "outside" in refused(fetcher, f"{base}/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd")


def test_refuses_project_files_outside_the_allowed_folders(project, fetcher):
    (project / "campaigns" / "secret.yaml").write_text("id: x\n")
    (project / "assets-extra").mkdir()
    (project / "assets-extra" / "x.svg").write_bytes(SVG)  # shares the prefix "assets"
    (project / "notes.css").write_text("p {}")
    for relative in ("campaigns/secret.yaml", "assets-extra/x.svg", "notes.css"):
        assert "outside" in refused(fetcher, (project / relative).resolve().as_uri())


def test_refuses_a_symlink_in_assets_pointing_outside(project, tmp_path, fetcher):
    outside = tmp_path / "outside.svg"
    outside.write_bytes(SVG)
    link = project / "assets" / "pictograms" / "sneaky.svg"
    link.symlink_to(outside)
    (project / "assets" / "passwd.svg").symlink_to("/etc/passwd")
    assert "outside" in refused(fetcher, link.as_uri())
    assert "outside" in refused(fetcher, (project / "assets" / "passwd.svg").as_uri())


def test_refuses_a_symlinked_folder_in_templates_pointing_outside(project, tmp_path, fetcher):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.css").write_text("p {}")
    (project / "templates" / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert "outside" in refused(fetcher, (project / "templates" / "linked" / "x.css").as_uri())


def test_refuses_missing_files_and_folders(project, fetcher):
    assert "no such file" in refused(fetcher, (project / "assets" / "nope.svg").as_uri())
    assert "no such file" in refused(fetcher, (project / "assets" / "logos").as_uri())


def test_refuses_file_urls_on_other_hosts(project, fetcher, connections):
    path = (project / "assets" / "logos" / "mlsw.svg").resolve()
    assert "other hosts" in refused(fetcher, f"file://example.com{path}")
    assert connections == []


def test_each_refusal_is_recorded_in_order(fetcher):
    urls = ["http://example.com/a.css", "file:///etc/passwd", "ftp://example.com/b"]
    for url in urls:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3
    for message, url in zip(fetcher.refused, urls, strict=True):
        assert message.startswith(f"refused {url}")


def test_refusal_is_logged_with_the_context(project, caplog):
    fetcher = ProjectURLFetcher(project, context="poster-x")
    with pytest.raises(RefusedURL):
        fetcher.fetch("http://example.com/x.css")
    assert any(
        "poster-x" in record.getMessage() and "example.com" in record.getMessage()
        for record in caplog.records
    )


# --- end to end through WeasyPrint -------------------------------------------------------


def test_weasyprint_render_refuses_and_records_without_network(project, connections):
    import weasyprint

    # Points fontconfig at the private configuration; WeasyPrint reads it when
    # write_pdf() creates its font configuration below.
    import generator.typeset.pdf  # noqa: F401

    fetcher = ProjectURLFetcher(project)
    served: list[str] = []
    fetch = fetcher.fetch

    def spy(url, headers=None):
        served.append(url)
        return fetch(url, headers)

    fetcher.fetch = spy
    html = (
        "<html><head>"
        '<link rel=stylesheet href="http://example.com/x.css">'
        "</head><body><p>ໂທ 1554</p>"
        '<img src="file:///etc/passwd">'
        '<img src="assets/logos/mlsw.svg">'
        "</body></html>"
    )
    pdf = weasyprint.HTML(
        string=html, base_url=project.resolve().as_uri() + "/", url_fetcher=fetcher
    ).write_pdf()

    assert pdf.startswith(b"%PDF")
    assert any("http://example.com/x.css" in message for message in fetcher.refused)
    assert any("file:///etc/passwd" in message for message in fetcher.refused)
    assert len(fetcher.refused) == 2
    # WeasyPrint went through the fetcher for every resource, the allowed one included.
    assert (project / "assets" / "logos" / "mlsw.svg").resolve().as_uri() in served
    assert connections == []


def test_a_refusal_names_the_campaign_field_the_url_came_from(project, caplog):
    outside = "file:///etc/passwd"
    fetcher = ProjectURLFetcher(
        project,
        context="poster x (template 'border-sign')",
        field_of={outside: ("designs", 0, "pictogram")}.get,
    )
    with pytest.raises(RefusedURL):
        fetcher.fetch("http://example.com/x.css")  # from the template: no field
    assert fetcher.refused_field is None
    with pytest.raises(RefusedURL):
        fetcher.fetch(outside)
    assert fetcher.refused_field == ("designs", 0, "pictogram")
    logged = [record.getMessage() for record in caplog.records]
    assert logged[0].startswith("poster x (template 'border-sign'): refused http://example.com")
    assert logged[1].endswith("(from campaign field designs[0].pictogram)")
