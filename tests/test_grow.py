"""The grow step: a page with room to spare sets its texts larger into it, on real renders
read back (WeasyPrint layouts measured, PDFs read with PDFium); nothing is mocked."""

from __future__ import annotations

import weasyprint
from test_fit import font_size_mm_at
from test_flow import render

from conftest import SMALL_CAMPAIGN, chars_outside_trim
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.typeset.layout import GROUP, GROW_CAPS, PICTURE, GrowingText, Room, grow_plan
from generator.typeset.pdf import measure_sheets

# After growing, a page keeps no more than this share of its height unused.
SPARE_SHARE = 0.1


def test_a_page_with_room_grows_its_texts_until_its_content_fills_it(tmp_path):
    campaign, job, pdf, rendered = render("rollup-banner", 2, tmp_path)
    grown = {name: scale for (key, name), scale in rendered.fits.items() if key == GROUP}
    assert max(grown.values()) > 1.02, grown  # the sample leaves room on the banner: it grew
    height = job.format.trim_mm[1]
    for sheet in measure_sheets(rendered.document):
        assert sheet.overflow_mm <= 0.3
        assert sheet.spare_mm <= SPARE_SHARE * height, (sheet.spare_mm, height)
    boxed, outside = chars_outside_trim(pdf, 0)
    assert boxed > 20 and outside == 0
    # Grown, the primary is still the largest in each role, and the roles keep their ranks.
    design = campaign.design(job.design_id)
    primary, secondary = job.languages
    for key in (design.headline, design.messages[0].text, design.call_to_action):
        first = font_size_mm_at(pdf, campaign.messages[key][primary][:6])
        other = font_size_mm_at(pdf, campaign.messages[key][secondary][:6])
        assert first >= other - 0.01, (key, first, other)
    headline = font_size_mm_at(pdf, campaign.messages[design.headline][primary][:6])
    message = font_size_mm_at(pdf, campaign.messages[design.messages[0].text][primary][:6])
    assert headline > message


def test_the_flyers_front_gives_its_spare_room_to_the_illustration(tmp_path):
    _campaign, job, pdf, rendered = render("flyer", 2, tmp_path)
    assert rendered.fits.get((GROUP, PICTURE), 1.0) > 1.05, rendered.fits
    front, back = measure_sheets(rendered.document)
    height = job.format.trim_mm[1]
    assert front.spare_mm <= SPARE_SHARE * height, front.spare_mm
    assert back.overflow_mm <= 0.3
    assert front.picture_mm > 0.34 * height * 1.05
    for page in (0, 1):
        assert chars_outside_trim(pdf, page)[1] == 0


def test_grow_plan_keeps_caps_and_the_primary_ahead():
    """The plan's model on its own: one ratio for every group, each to its cap, the
    secondary languages never grown by more than the primary."""
    texts = (
        GrowingText("headline", 0, 40, 1, 100, 200),
        GrowingText("primary", 50, 60, 3, 500, 200),
        GrowingText("secondary", 120, 50, 3, 450, 200),
    )
    fits = {(GROUP, "gap"): 0.8}
    plan = grow_plan(fits, [Room(400, texts, 30)], GROW_CAPS)
    assert plan is not None
    for name, cap in GROW_CAPS.items():
        assert plan.get((GROUP, name), 1.0) <= cap + 1e-9, name
    assert plan[(GROUP, "gap")] == 1.0  # gaps back to their designed size, no more
    assert plan[(GROUP, "secondary")] <= plan[(GROUP, "primary")]
    # Little room: the plan stays within it, by its own model.
    small = grow_plan({}, [Room(20, texts, 30)], GROW_CAPS)
    ratios = {name: (small or {}).get((GROUP, name), 1.0) for name in GROW_CAPS}
    assert Room(20, texts, 30).added(ratios) <= 20
    # No room: no plan.
    assert grow_plan({}, [Room(0.0, texts, 30)], GROW_CAPS) is None


def test_layouts_per_poster_stay_low_on_a_small_campaign(project, tmp_path, monkeypatch):
    """Counted as the benchmark counts them (WeasyPrint's HTML.render calls), on a
    campaign of one family in three sizes and another of one: growing costs the
    family's seed one layout, the others start from its scales."""
    text = SMALL_CAMPAIGN.replace(
        "      - {size: A4, quantity: 3}\n",
        "      - {size: A4, quantity: 3}\n"
        "      - {size: A3, quantity: 3}\n"
        "      - {size: A2, quantity: 3}\n"
        "      - {size: A5, quantity: 3}\n",
    )
    assert text != SMALL_CAMPAIGN
    path = project / "campaigns" / "grow-count.yaml"
    path.write_text(text, encoding="utf-8")
    calls = []
    real = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=1)
    assert all(r.ok for r in result.results), [r.error for r in result.results]
    posters = len(result.results)
    assert posters == 4
    # At most one poster in four lays out twice (the seed that grows); the proof sheet is no layout.
    assert len(calls) <= 1.3 * posters, len(calls)


def test_a_familys_grown_seed_is_kept_and_its_scales_fit_the_next_format(tmp_path, monkeypatch):
    """The sample's Lao-Chinese Boten sign, A1 then A3: the A1 grows once and keeps its
    grown page, and the A3 fits at once from the scales it passed on. (Once, the A1's
    grown page measured an overflow of 1e-13 mm, was taken for overgrown, printed its
    emptier first layout and passed on scales that made the A3 lay out three times.)"""
    from conftest import PROJECT

    calls: list[str] = []
    real = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        calls.append("layout")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    loaded = load_campaign(PROJECT / "campaigns" / "laos-border-crossings.yaml", PROJECT)
    only = ("boten-mohan", "border-sign")
    result = build_campaign(loaded, PROJECT, tmp_path / "out", only=only, jobs=1, force=True)
    made = {r.job.format.label: r for r in result.results}
    assert set(made) == {"A1", "A3"} and all(r.ok for r in made.values())
    assert max(made["A1"].fits[(GROUP, "primary")], made["A3"].fits[(GROUP, "primary")]) > 1.0
    assert len(calls) == 3, len(calls)  # the seed's two (first, grown), the A3's one
