"""Hostile and broken pictures in assets/: every one fails its poster with a message
naming the picture, the campaign line that uses it and what is wrong; the other
posters are built; nothing is fetched and nothing of a secret file reaches a PDF.

The cases live in tests/corpus/hostile-assets/, one per file (see the README there).
Binary ones (a decompression bomb, truncated and corrupt images) are made here at
test time rather than kept in the repository.
"""

from __future__ import annotations

import base64
import io
import random
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageFile

from conftest import SMALL_CAMPAIGN, poster_pdfs
from generator.cli import main
from generator.preflight import extract_text
from generator.render.asset_check import verify_picture

CORPUS = Path(__file__).parent / "corpus" / "hostile-assets"
SECRET = "TOP-SECRET-17-do-not-print"
FIELDS = {  # where the campaign names the picture, as (text to replace, with)
    "pictogram": "pictogram: assets/pictograms/border-crossing.svg",
    "logo": "logo: assets/logos/mlsw.svg",
    "illustration": "call_to_action: call\n",
}
SECOND_PLACEMENT = """\
  - id: good-crossing
    name: {lo: ດ່ານດີ, en: Good crossing}
    design: good-sign
    languages: [lo, en]
    formats:
      - {size: A5, quantity: 1}
"""
GOOD_DESIGN = """\
  - id: good-sign
    template: border-sign
    headline: headline
    messages:
      - {text: employer}
    call_to_action: call
"""


def _noise(size: tuple[int, int]) -> Image.Image:
    rng = random.Random(17)
    return Image.frombytes(
        "RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    )


def _encoded(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A PNG header claiming 30000 × 30000 pixels: 74 bytes, 900 megapixels if decoded."""
    header = struct.pack(">IIBBBBB", 30_000, 30_000, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _chunk(b"IEND", b"")
    )  # fmt: skip


def png_truncated() -> bytes:
    data = _encoded(_noise((300, 300)), "PNG")
    return data[: len(data) * 6 // 10]


def png_corrupt() -> bytes:
    data = _encoded(_noise((300, 300)), "PNG")
    return data[:2000] + bytes(200) + data[2200:]


def jpeg_truncated() -> bytes:
    data = _encoded(_noise((300, 300)), "JPEG")
    return data[: len(data) // 2]


def jpeg_corrupt() -> bytes:
    data = _encoded(_noise((300, 300)), "JPEG")
    return data[:600] + bytes(random.Random(3).getrandbits(8) for _ in range(3000)) + data[3600:]


def svg_embedded_truncated_png() -> bytes:
    embedded = base64.b64encode(png_truncated()).decode()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="data:image/png;base64,{embedded}" width="10" height="10"/></svg>'
    ).encode()


GENERATORS = {
    "svg-embedded-truncated-png": svg_embedded_truncated_png,
    "png-bomb": png_bomb,
    "png-truncated": png_truncated,
    "png-corrupt": png_corrupt,
    "jpeg-truncated": jpeg_truncated,
    "jpeg-corrupt": jpeg_corrupt,
}


@dataclass
class Case:
    path: Path
    file: str = ""
    field: str = "pictogram"
    error: str = ""
    generate: str | None = None
    body: str = ""

    @property
    def name(self) -> str:
        return self.path.stem


def read_case(path: Path) -> Case:
    case = Case(path)
    head, _, case.body = path.read_text(encoding="utf-8").partition("---\n")
    for line in head.splitlines():
        key, _, value = line.lstrip("# ").partition(": ")
        setattr(case, key, value)
    return case


CASES = sorted(CORPUS.glob("*.case"))


def install(case: Case, project: Path, secret: Path) -> str:
    """The picture into assets/hostile/ (with the truncated PNG an SVG may refer to), and
    a campaign using it; returns the asset path."""
    folder = project / "assets" / "hostile"
    folder.mkdir(exist_ok=True)
    (folder / "png-truncated.png").write_bytes(png_truncated())
    data = (
        GENERATORS[case.generate]()
        if case.generate
        else case.body.replace("{secret}", str(secret)).encode("utf-8")
    )
    (folder / case.file).write_bytes(data)
    asset = f"assets/hostile/{case.file}"
    (replaced,) = [FIELDS[case.field]]
    with_asset = (
        f"call_to_action: call\n    illustration: {asset}\n"
        if case.field == "illustration"
        else replaced.split(": ")[0] + ": " + asset
    )
    campaign = SMALL_CAMPAIGN.replace("size: A4", "size: A5")
    design_end = campaign.index("placements:")
    first_design = campaign[:design_end].replace(replaced, with_asset, 1)
    assert first_design != campaign[:design_end]
    text = first_design + GOOD_DESIGN + campaign[design_end:] + SECOND_PLACEMENT
    (project / "campaigns" / "small.yaml").write_text(text, encoding="utf-8")
    return asset


def test_the_corpus_covers_the_issue():
    cases = {path.stem: read_case(path) for path in CASES}
    assert len(cases) >= 20
    for needed in ("svg-external-entity", "svg-billion-laughs", "svg-quadratic-blowup",
                   "svg-not-xml", "png-corrupt", "jpeg-corrupt", "text-named-png", "png-bomb",
                   "png-truncated", "svg-image-file-url", "svg-image-http"):  # fmt: skip
        assert needed in cases
    for case in cases.values():
        assert case.file and case.error and case.field in FIELDS, case.name
        assert case.generate in (None, *GENERATORS)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_hostile_asset_fails_its_poster_and_only_it(path, project, tmp_path, secret):
    case = read_case(path)
    asset = install(case, project, secret)
    campaign = project / "campaigns" / "small.yaml"
    line = next(
        number for number, text in enumerate(campaign.read_text().splitlines(), 1) if asset in text
    )
    out = tmp_path / "out"
    args = ["build", str(campaign), "--project", str(project), "--output", str(out), "-j", "1"]
    result = CliRunner().invoke(main, args)
    output = re.sub(r"\s+", " ", result.output)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    expected = case.error.replace("{secret}", str(secret))
    shown = re.search(rf"picture {re.escape(asset)} \((\S*)\): (.*)", output)
    assert shown, output
    assert shown.group(1).endswith(f"campaigns/small.yaml:{line}")
    assert shown.group(2).startswith(expected), output
    assert "failed test-crossing_border-sign_A5" in output
    # The other poster is built; nothing of the secret is in any PDF.
    folder = out / "small-test"
    assert poster_pdfs(folder) == ["good-crossing_good-sign_A5_lo-en_DRAFT.pdf"]
    for pdf in folder.glob("*.pdf"):
        assert SECRET.encode() not in pdf.read_bytes()
        assert SECRET not in extract_text(pdf.read_bytes())


def test_the_check_undoes_weasyprints_truncated_images_setting(project):
    import generator.typeset.pdf  # noqa: F401  (imports WeasyPrint, which sets it)

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    path = project / "assets" / "cut.png"
    path.write_bytes(png_truncated())
    assert "truncated" in (verify_picture(path, project) or "")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_sound_pictures_pass(project):
    for path in sorted((project / "assets").rglob("*")):
        if path.suffix in (".svg", ".png", ".jpg", ".jpeg"):  # not placeholders.txt
            assert verify_picture(path, project) is None, path
    photo = project / "assets" / "photo.jpg"
    photo.write_bytes(_encoded(_noise((64, 48)), "JPEG"))
    assert verify_picture(photo, project) is None


def test_a_picture_named_by_a_template_is_verified_by_the_fetcher(project, tmp_path, secret):
    """Not through the campaign: the template itself shows a broken picture."""
    (project / "assets" / "cut.png").write_bytes(png_truncated())
    template = project / "templates" / "border-sign" / "poster.html.j2"
    text = template.read_text(encoding="utf-8")
    marker = "{% block poster %}"
    assert marker in text
    template.write_text(text.replace(marker, marker + '<img src="assets/cut.png">', 1))
    campaign = project / "campaigns" / "small.yaml"
    campaign.write_text(SMALL_CAMPAIGN.replace("size: A4", "size: A5"), encoding="utf-8")
    args = ["build", str(campaign), "--project", str(project), "-o", str(tmp_path / "o"), "-j", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    output = re.sub(r"\s+", " ", result.output)
    assert "broken picture: broken or truncated image data" in output
    assert "asked for by template 'border-sign'" in output


def test_a_refusal_while_drawing_fails_the_poster(project, tmp_path, secret, monkeypatch):
    """Should a picture pass the check and still ask for a file while the PDF is drawn
    (pictures inside an SVG are fetched then), the fetcher's refusal fails the poster."""
    import generator.render.asset_check
    import generator.render.fetcher

    monkeypatch.setattr(generator.render.asset_check, "verify_picture", lambda path, project: None)
    monkeypatch.setattr(generator.render.fetcher, "verify_picture", lambda path, project: None)
    case = read_case(CORPUS / "svg-image-file-url.case")
    install(case, project, secret)
    campaign = project / "campaigns" / "small.yaml"
    args = ["build", str(campaign), "--project", str(project), "-o", str(tmp_path / "o"), "-j", "1"]
    result = CliRunner().invoke(main, args)
    output = re.sub(r"\s+", " ", result.output)
    assert result.exit_code == 1, result.output
    assert f"refused file://{secret}: outside the project's templates/ and assets/" in output
    assert "while drawing the poster" in output
    for pdf in (tmp_path / "o").rglob("*.pdf"):
        assert SECRET.encode() not in pdf.read_bytes()


def test_a_picture_the_renderer_cannot_load_fails_every_poster_that_shows_it(
    project, tmp_path, monkeypatch
):
    """The last net: were a broken picture to pass the checks, the renderer's own failure
    to load it fails the poster, each poster of a process (not only the first: the
    renderer keeps a failed picture in its cache)."""
    import generator.render.asset_check
    import generator.render.fetcher

    monkeypatch.setattr(generator.render.asset_check, "verify_picture", lambda path, project: None)
    monkeypatch.setattr(generator.render.fetcher, "verify_picture", lambda path, project: None)
    (project / "assets" / "text.png").write_text("not a picture")
    text = SMALL_CAMPAIGN.replace("size: A4", "size: A5").replace(
        "pictogram: assets/pictograms/border-crossing.svg", "pictogram: assets/text.png"
    ) + SECOND_PLACEMENT.replace("design: good-sign", "design: border-sign")
    campaign = project / "campaigns" / "small.yaml"
    campaign.write_text(text, encoding="utf-8")
    args = ["build", str(campaign), "--project", str(project), "-o", str(tmp_path / "o"), "-j", "1"]
    result = CliRunner().invoke(main, args)
    output = re.sub(r"\s+", " ", result.output)
    assert result.exit_code == 1, result.output
    assert output.count("a picture could not be drawn: Failed to load image at") == 2, output
    assert "text.png" in output
    assert not poster_pdfs(tmp_path / "o" / "small-test")


def test_a_verdict_follows_the_files_it_was_made_from(project):
    """A long-lived process (the workspace) sees a picture fixed, or broken, inside an SVG."""
    inner = project / "assets" / "inner.png"
    outer = project / "assets" / "outer.svg"
    outer.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="inner.png" width="1" height="1"/></svg>'
    )
    inner.write_bytes(png_truncated())
    assert "its picture assets/inner.png: broken" in verify_picture(outer, project)
    inner.write_bytes(_encoded(_noise((8, 8)), "PNG"))
    assert verify_picture(outer, project) is None
    inner.write_bytes(b"broken again, and of another size")
    assert "not a picture" in verify_picture(outer, project)
