"""Raster pictures: effective resolution of the source asset at its printed size."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from conftest import PROJECT, SMALL_TOURIST_CAMPAIGN
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.planning.formats import BLEED_MM, VIEWING_DISTANCE_M
from generator.render.images import (
    GOOD_PPI,
    MIN_PPI,
    PlacedImage,
    check_placed_images,
    check_resolution,
    effective_ppi,
    image_pixels,
    wanted_ppi,
)

ILLUSTRATION = PROJECT / "assets" / "illustrations" / "mekong-evening.png"
# Width of the tourist poster's illustration on A3: the page and its bleed.
A3_BAND_MM = 297 + 2 * BLEED_MM


def with_illustration(asset: str) -> str:
    """The small tourist campaign (one A3 poster), with an illustration."""
    text = SMALL_TOURIST_CAMPAIGN
    old = "    call_to_action: report\n"
    assert text.count(old) == 1
    return text.replace(old, f"{old}    illustration: {asset}\n")


def write_png(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("P", size, 3).save(path)


def build(project: Path, out: Path, text: str):
    path = project / "campaigns" / "pictures.yaml"
    path.write_text(text, encoding="utf-8")
    return build_campaign(load_campaign(path, project), project, out, jobs=1)


# --- the rule -----------------------------------------------------------------------


def test_effective_resolution_is_pixels_per_printed_inch():
    assert effective_ppi((3000, 2000), (254, 169.33)) == pytest.approx(300, rel=1e-3)
    assert effective_ppi((1500, 1000), (254, 169.33)) == pytest.approx(150, rel=1e-3)


def test_the_fit_decides_which_side_counts():
    # A wide image in a square box: 'cover' scales it by the height and crops the
    # sides, 'contain' by the width, 'fill' stretches it and the coarser axis counts.
    pixels, box = (4000, 1000), (100, 100)
    assert effective_ppi(pixels, box, "cover") == pytest.approx(254)
    assert effective_ppi(pixels, box, "contain") == pytest.approx(1016)
    assert effective_ppi(pixels, box, "fill") == pytest.approx(254)
    assert effective_ppi(pixels, box, "none") == 96


@pytest.mark.parametrize(
    ("ppi", "level"),
    [(GOOD_PPI + 1, None), (GOOD_PPI - 1, "warning"), (MIN_PPI, "warning"), (MIN_PPI - 1, "error")],
)
def test_below_300_ppi_warns_and_below_150_fails(ppi, level):
    width_mm = 100
    pixels = (round(ppi * width_mm / 25.4), round(ppi * width_mm / 25.4))
    finding = check_resolution("assets/x.png", pixels, (width_mm, width_mm), "on poster-1")
    assert (finding.level if finding else None) == level
    if finding:
        assert "assets/x.png" in finding.message and "on poster-1" in finding.message
        assert f"{ppi:.0f} ppi" in finding.message


def test_the_message_says_how_many_pixels_are_needed():
    finding = check_resolution("assets/a.png", (1000, 500), (254, 127), "(c.yaml:4) on p")
    assert finding.level == "error"
    assert "100 ppi" in finding.message
    assert "at least 3000×1500 px" in finding.message
    assert "254×127 mm" in finding.message


def test_exif_rotation_swaps_width_and_height(tmp_path):
    image = Image.new("RGB", (400, 100))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° when shown
    image.save(tmp_path / "turned.jpg", exif=exif)
    assert image_pixels(tmp_path / "turned.jpg") == (100, 400)
    image.save(tmp_path / "plain.jpg")
    assert image_pixels(tmp_path / "plain.jpg") == (400, 100)


def test_vector_pictures_and_data_urls_are_not_checked(project):
    svg = (project / "assets" / "pictograms" / "phone.svg").resolve().as_uri()
    placed = [
        PlacedImage(svg, 1, 500, 500),
        PlacedImage("data:image/svg+xml,%3Csvg%3E%3C/svg%3E", 1, 500, 500),
    ]
    assert check_placed_images(placed, project, "p") == []


def test_each_image_and_size_is_reported_once_with_its_page(project):
    small = project / "assets" / "small.png"
    write_png(small, (200, 100))
    url = small.resolve().as_uri()
    placed = [PlacedImage(url, 2, 100, 50), PlacedImage(url, 2, 100, 50)]
    [finding] = check_placed_images(placed, project, "a_flyer", lambda asset: "c.yaml:7")
    assert finding.level == "error"
    assert finding.message.startswith("image assets/small.png (c.yaml:7) on a_flyer page 2:")


def test_the_sample_illustration_is_sharp_across_an_a2_poster():
    pixels = image_pixels(ILLUSTRATION)
    band = (420 + 2 * BLEED_MM, (594 / 141.4) * 10 + BLEED_MM)
    assert check_resolution("illustration", pixels, band, fit="cover") is None
    assert ILLUSTRATION.stat().st_size < 100_000  # flat colours: small on disk


# --- in a build -----------------------------------------------------------------------


def test_a_small_image_fails_the_poster_naming_it_its_line_and_the_poster(project, tmp_path):
    write_png(project / "assets" / "illustrations" / "tiny.png", (400, 120))
    text = with_illustration("assets/illustrations/tiny.png")
    result = build(project, tmp_path / "out", text)
    [poster] = result.results
    assert not poster.ok
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "tiny.png" in row)
    assert "image assets/illustrations/tiny.png (" in poster.error
    assert f"campaigns/pictures.yaml:{line}) " in poster.error
    assert "on test-town_tourist-poster_A3_lo-en" in poster.error
    # A3 is read from 1.5 m: 200 ppi wanted, half of it the least.
    assert wanted_ppi(VIEWING_DISTANCE_M["A3"]) == 200
    assert "below the 100 ppi minimum" in poster.error
    assert not (result.folder / poster.job.filename).exists()


@pytest.mark.parametrize(
    ("distance_m", "wanted"), [(0.5, 300), (1.0, 300), (1.5, 200), (3.0, 100), (4.0, 100)]
)
def test_the_resolution_wanted_falls_with_the_viewing_distance(distance_m, wanted):
    assert wanted_ppi(distance_m) == pytest.approx(wanted)
    # A roll-up banner (read from 4 m) takes a picture of 139 ppi without a word; a
    # flyer (read from half a metre) refuses it.
    pixels, box = (5040, 1530), (921, 280)
    finding = check_resolution("b.png", pixels, box, fit="cover", wanted=wanted)
    assert (finding is None) == (wanted <= 139)
    if wanted == 300:
        assert finding is not None and finding.level == "error"


def test_a_soft_image_builds_with_a_warning(project, tmp_path):
    # 2000 px over the A3 band's 303 mm: about 168 ppi.
    write_png(project / "assets" / "illustrations" / "soft.png", (2000, 620))
    result = build(project, tmp_path / "out", with_illustration("assets/illustrations/soft.png"))
    [poster] = result.results
    assert poster.ok, poster.error
    [warning] = [w for w in poster.warnings if w.startswith("image ")]
    assert "assets/illustrations/soft.png" in warning
    assert "below the 200 ppi wanted for print" in warning  # A3, read from 1.5 m
    expected = 2000 / (A3_BAND_MM / 25.4)
    assert f"{expected:.0f} ppi" in warning


def test_the_sample_posters_have_no_picture_warnings(tourist_build):
    _, result = tourist_build
    for poster in result.results:
        assert poster.ok, poster.error
        assert not [w for w in poster.warnings if w.startswith("image ")], poster.file
