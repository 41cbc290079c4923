"""Preflight on deliberately broken posters: each fails with a message that says what
and where; and the ``poster preflight`` command on files and campaigns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import SMALL_CAMPAIGN, poster_pdfs
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.cli import EXIT_OK, EXIT_POSTERS_FAILED, main
from generator.planning.formats import PaperFormat
from generator.preflight import detect, preflight
from generator.prepress import prepress
from generator.prepress.colours import DEFAULT_PALETTE, contrast_ratio, palette_css
from generator.prepress.profiles import PROFILES, ProfileError, find_icc

PRESS = (
    "print: {profile: press, icc: default_cmyk.icc, date: 2026-11-23, allow_placeholders: true}\n"
)
A4 = PaperFormat("A4", "portrait")
PICTOGRAM = "pictogram: assets/pictograms/border-crossing.svg"


def build(project: Path, text: str, out: Path, **options):
    path = project / "campaigns" / "checks.yaml"
    path.write_text(text, encoding="utf-8")
    return build_campaign(load_campaign(path, project), project, out, jobs=1, **options)


def only_poster(result):
    [poster] = result.results
    return poster


def photo(project: Path, size: tuple[int, int]) -> str:
    """An RGB photograph-like PNG with an alpha channel, as a designer might drop in."""
    image = Image.new("RGBA", size)
    width, height = size
    image.putdata(
        [
            (x * 255 // width, y * 255 // height, 90, 255)
            for y in range(height)
            for x in range(width)
        ]
    )
    path = project / "assets" / "photo.png"
    image.save(path)
    return "pictogram: assets/photo.png"


# --- broken posters ------------------------------------------------------------------------


def test_text_too_small_for_the_viewing_distance_fails_the_poster(project, tmp_path):
    css = project / "templates" / "border-sign" / "style.css"
    css.write_text(css.read_text() + "\n.place { font-size: 1mm !important; }\n")
    poster = only_poster(build(project, SMALL_CAMPAIGN + PRESS, tmp_path / "out"))
    assert not poster.ok
    assert "text size: page 1: 'ດ່ານທົດລອງ' is 1.0 mm, below the 2.3 mm floor" in poster.error
    assert "is 1.0 mm, below the 2.3 mm floor for small print on A4 read from 1 m" in poster.error
    assert poster_pdfs(tmp_path / "out" / "small-test") == []  # nothing a print shop could get


def test_rgb_image_left_unconverted_fails_the_press_poster(project, tmp_path, monkeypatch):
    """Were prepress to miss an image, preflight would catch it in the file."""
    text = SMALL_CAMPAIGN.replace(PICTOGRAM, photo(project, (600, 450))) + PRESS
    monkeypatch.setattr(prepress, "_convert_image", lambda *args: False)
    poster = only_poster(build(project, text, tmp_path / "out"))
    assert not poster.ok
    assert "colour: page 1: RGB colour in press output" in poster.error
    assert "image /i" in poster.error and "600×450" in poster.error


def test_rgb_image_is_converted_to_cmyk_and_a_coarse_one_fails(project, tmp_path):
    fine = SMALL_CAMPAIGN.replace(PICTOGRAM, photo(project, (600, 450))) + PRESS
    poster = only_poster(build(project, fine, tmp_path / "fine"))
    assert poster.ok, poster.error
    assert poster.preflight.checks["colour"].summary == "CMYK, Separation"
    assert poster.preflight.measures["lowest image ppi"] >= 300
    assert any("converted to Artifex CMYK SWOP Profile" in w for w in poster.warnings)

    coarse = SMALL_CAMPAIGN.replace(PICTOGRAM, photo(project, (60, 45))) + PRESS
    poster = only_poster(build(project, coarse, tmp_path / "coarse"))
    assert not poster.ok
    assert "images: page 1: image 60×45 px shown" in poster.error
    assert "below 150 ppi" in poster.error
    assert "preflight" in poster.reasons  # images: a preflight check


def test_low_contrast_text_fails_with_the_text_named(project, tmp_path):
    pale_ink = "  palette:\n    ink: {cmyk: [0, 0, 0, 25], srgb: '#c4c4c4'}\n"
    text = SMALL_CAMPAIGN + (
        "print:\n  profile: press\n  icc: default_cmyk.icc\n  date: 2026-11-23\n"
        "  allow_placeholders: true\n" + pale_ink
    )
    poster = only_poster(build(project, text, tmp_path / "out"))
    assert not poster.ok
    assert "contrast: page 1: body text 'Know your employer' has a contrast of" in poster.error
    assert "below 4.5:1" in poster.error
    assert list(poster.reasons) == ["preflight"]  # the build's summary: "preflight errors"


def test_a_digital_file_checked_as_press_fails_on_every_press_requirement(project, tmp_path):
    poster = only_poster(build(project, SMALL_CAMPAIGN, tmp_path / "out"))
    assert poster.ok and poster.profile == "digital"
    data = (tmp_path / "out" / "small-test" / poster.file).read_bytes()
    report = preflight(data, A4, profile=PROFILES["press"])
    assert not report.ok
    text = "\n".join(report.errors)
    assert "colour: page 1: RGB colour in press output" in text
    assert "output intent: no PDF/X output intent: PDF/X-4 requires one" in text
    assert "PDF/X: claims no PDF/X version, expected PDF/X-4" in text
    assert "crop marks: page 1: no crop mark" in text
    assert detect(data) == (A4, PROFILES["digital"])


# --- a press profile without its ICC profile ---------------------------------------------------


def test_missing_icc_profile_fails_every_poster_and_writes_nothing(project, tmp_path):
    text = SMALL_CAMPAIGN + PRESS.replace("default_cmyk.icc", "no-such-profile.icc")
    result = build(project, text, tmp_path / "out")
    poster = only_poster(result)
    assert not poster.ok and result.print_setup is None
    assert poster.error.startswith("print profile: ICC profile 'no-such-profile.icc' not found")
    assert "/usr/share/color/icc" in poster.error
    assert not (tmp_path / "out" / "small-test").exists()


def test_press_without_an_icc_profile_is_an_error_never_a_pdf_without_intent(project, tmp_path):
    text = SMALL_CAMPAIGN + "print: {profile: press}\n"
    poster = only_poster(build(project, text, tmp_path / "out"))
    assert not poster.ok
    assert "needs a CMYK ICC profile" in poster.error and "print.icc" in poster.error
    # The same campaign built for screens needs none.
    assert only_poster(build(project, text, tmp_path / "out", profile="digital")).ok


def test_an_rgb_icc_profile_is_refused(project):
    with pytest.raises(ProfileError, match="for RGB colour, not CMYK"):
        find_icc("/usr/share/color/icc/ghostscript/srgb.icc", project)


# --- the command ---------------------------------------------------------------------------


def test_poster_preflight_prints_reports_and_exits_by_result(project, tmp_path):
    runner = CliRunner()
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN + PRESS, encoding="utf-8")
    out = tmp_path / "out"
    built = runner.invoke(main, ["build", str(path), "--project", str(project), "-o", str(out)])
    assert built.exit_code == EXIT_OK, built.output
    assert "profile press" in built.output and "preflight: 1 passed" in built.output

    checked = runner.invoke(
        main, ["preflight", str(path), "--project", str(project), "-o", str(out)]
    )
    assert checked.exit_code == EXIT_OK, checked.output
    assert "press, A4, 1 page: passed" in checked.output
    for name in (
        "trim size",
        "bleed",
        "fonts",
        "colour",
        "output intent",
        "PDF/X",
        "crop marks",
        "safe area",
        "text size",
        "contrast",
        "images",
    ):
        assert f" {name} " in checked.output, name

    pdf = out / "small-test" / "test-crossing_border-sign_A4_lo-en_DRAFT.pdf"
    as_json = runner.invoke(main, ["preflight", str(pdf), "--json"])
    assert json.loads(as_json.stdout)[0]["profile"] == "press"  # read from the file itself

    digital = runner.invoke(
        main,
        [
            "build",
            str(path),
            "--project",
            str(project),
            "-o",
            str(tmp_path / "digital"),
            "--profile",
            "digital",
        ],
    )
    assert digital.exit_code == EXIT_OK and "profile digital" in digital.output
    wrong = tmp_path / "digital" / "small-test" / pdf.name
    failed = runner.invoke(main, ["preflight", str(wrong), "--profile", "press"])
    assert failed.exit_code == EXIT_POSTERS_FAILED
    assert "FAILED" in failed.output and "no PDF/X output intent" in failed.output


# --- palette and contrast ----------------------------------------------------------------------


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1)
    ink, paper = DEFAULT_PALETTE["ink"].rgb, DEFAULT_PALETTE["paper"].rgb
    assert contrast_ratio(ink, paper) == pytest.approx(13.9, abs=0.05)
    muted = DEFAULT_PALETTE["muted"].rgb
    assert contrast_ratio(muted, paper) == pytest.approx(5.95, abs=0.05)


def test_palette_css_gives_cmyk_for_press_and_srgb_for_screens():
    press = palette_css(DEFAULT_PALETTE, cmyk=True)
    assert "--colour-warning: device-cmyk(0.1 1 1 0.4);" in press
    screen = palette_css(DEFAULT_PALETTE, cmyk=False)
    assert "--colour-warning: #8e1b1b;" in screen
    for name in ("warning", "ink", "highlight", "muted", "paper"):
        assert f"--colour-{name}:" in press and f"--colour-{name}:" in screen


# --- the safe area: its check and its summary agree ---------------------------------------------


def test_text_short_of_the_safe_area_is_never_summarised_as_ok():
    """Text moved towards the trim in 0.05 mm steps: whenever the summary's distance is
    below the safe area, the check is a warning or an error, and never "ok"."""
    import weasyprint

    from generator.planning.formats import SAFE_MARGIN_MM
    from generator.preflight.drawing import _check_text_positions
    from generator.preflight.pdfium_access import open_pdf
    from generator.preflight.report import PreflightReport

    statuses = set()
    for step in range(13):
        left = 3.2 + step * 0.05
        html = (
            "<style>@page { size: 105mm 148mm; bleed: 3mm; margin: 0 } body { margin: 0 }"
            f"p {{ position: absolute; left: {left:.2f}mm; top: 50mm; margin: 0;"
            " font: 12pt 'DejaVu Sans' }</style><p>Hello</p>"
        )
        report = PreflightReport()
        with open_pdf(weasyprint.HTML(string=html).write_pdf()) as document:
            page = document[0]
            _check_text_positions(page, page.get_textpage(), 1, report)
        check = report.checks["safe area"]
        nearest = report.measures["nearest text to trim mm"]
        assert f" {nearest:g} mm inside the trim (safe area: {SAFE_MARGIN_MM:g} mm)" in (
            check.summary
        )
        assert (check.status == "ok") == (nearest >= SAFE_MARGIN_MM), (left, check)
        statuses.add(check.status)
    # The steps cross the rule's tolerance band: short of 4 mm, yet within the tolerance.
    assert statuses == {"ok", "warning", "error"}
