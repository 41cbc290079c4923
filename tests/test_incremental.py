"""Planning, incremental rebuilds, executors and interrupted builds (issue: batch builds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf

from conftest import SMALL_CAMPAIGN
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign
from generator.output.files import read_manifest
from generator.planning.plan import plan

TWO_PLACEMENTS = SMALL_CAMPAIGN.replace(
    "      - {size: A4, quantity: 3}\n",
    "      - {size: A4, quantity: 3}\n      - {size: A5, orientation: landscape, quantity: 7}\n",
) + (
    "  - id: second-crossing\n"
    "    name: {lo: ດ່ານທີສອງ, th: ด่านที่สอง}\n"
    "    design: border-sign\n"
    "    languages: [lo, th]\n"
    "    formats:\n"
    "      - {size: A4, quantity: 2}\n"
)


def write(project: Path, text: str) -> Path:
    path = project / "campaigns" / "two.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_expands_placements_by_formats_and_filters(project):
    campaign = load_campaign(write(project, TWO_PLACEMENTS), project).campaign
    names = [job.name for job in plan(campaign)]
    assert names == [
        "test-crossing_border-sign_A4_lo-en_DRAFT",
        "test-crossing_border-sign_A5-landscape_lo-en_DRAFT",
        "second-crossing_border-sign_A4_lo-th_DRAFT",
    ]
    assert [j.name for j in plan(campaign, ["second-crossing"])] == [names[2]]
    assert [j.name for j in plan(campaign, ["A4"])] == [names[0], names[2]]
    assert [j.name for j in plan(campaign, ["A5-landscape"])] == [names[1]]
    assert [j.name for j in plan(campaign, ["th"])] == [names[2]]
    assert [j.name for j in plan(campaign, ["*landscape*", "*_lo-th*"])] == names[1:]  # OR
    assert [j.name for j in plan(campaign, ["A4", "th"])] == [names[2]]  # AND across kinds
    assert plan(campaign, ["*landscape*", "th"]) == []
    assert plan(campaign, ["nothing-matches"]) == []
    assert [j.quantity for j in plan(campaign)] == [3, 7, 2]


def test_unchanged_rebuild_skips_every_poster_without_importing_weasyprint(project, tmp_path):
    path = write(project, TWO_PLACEMENTS)
    out = tmp_path / "out"
    first = build_campaign(load_campaign(path, project), project, out, jobs=1)
    assert all(r.ok and not r.unchanged for r in first.results)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "two-placements").glob("*.pdf")} or {
        p.name: p.stat().st_mtime_ns for p in out.rglob("*.pdf")
    }

    script = (
        "import sys; from pathlib import Path;"
        "from generator.build.campaign import build_campaign; from generator.campaign import load_campaign;"
        f"r = build_campaign(load_campaign(Path({str(path)!r}), Path({str(project)!r})),"
        f" Path({str(project)!r}), Path({str(out)!r}), jobs=1);"
        "print(sum(x.unchanged for x in r.results), len(r.results), 'weasyprint' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["3", "3", "False"]
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*.pdf")} == stamps


def test_changed_message_rebuilds_exactly_the_posters_using_it(project, tmp_path):
    path = write(project, TWO_PLACEMENTS)
    out = tmp_path / "out"
    build_campaign(load_campaign(path, project), project, out, jobs=1)
    # Only the English text changes: the two lo+en posters use it, the lo+th one does not.
    path.write_text(
        TWO_PLACEMENTS.replace("Keep your passport with you", "Keep your passport and ID with you"),
        encoding="utf-8",
    )
    second = build_campaign(load_campaign(path, project), project, out, jobs=1)
    rebuilt = sorted(r.job.name for r in second.results if not r.unchanged)
    assert rebuilt == [
        "test-crossing_border-sign_A4_lo-en_DRAFT",
        "test-crossing_border-sign_A5-landscape_lo-en_DRAFT",
    ]
    forced = build_campaign(load_campaign(path, project), project, out, jobs=1, force=True)
    assert not any(r.unchanged for r in forced.results)


def test_a_template_change_rebuilds_everything(project, tmp_path):
    path = write(project, TWO_PLACEMENTS)
    out = tmp_path / "out"
    build_campaign(load_campaign(path, project), project, out, jobs=1)
    css = project / "templates" / "border-sign" / "style.css"
    css.write_text(css.read_text() + "\n/* tweak */\n")
    again = build_campaign(load_campaign(path, project), project, out, jobs=1)
    assert not any(r.unchanged for r in again.results)


def test_any_executor_can_run_the_build(project, tmp_path):
    path = write(project, TWO_PLACEMENTS)
    with ThreadPoolExecutor(max_workers=2) as pool:
        result = build_campaign(
            load_campaign(path, project), project, tmp_path / "out", executor=pool
        )
    assert [r.ok for r in result.results] == [True, True, True], [r.error for r in result.results]
    manifest = read_manifest(result.folder)
    assert len(manifest.posters) == 3


def test_a_killed_build_leaves_only_complete_pdfs_and_the_next_completes_it(project, tmp_path):
    # Enough posters that the build is still running when it is killed.
    text = TWO_PLACEMENTS.replace(
        "      - {size: A4, quantity: 2}\n",
        "".join(f"      - {{size: {s}, quantity: 1}}\n" for s in ("A4", "A3", "A2", "A5", "DL"))
        + "      - {size: A3, orientation: landscape, quantity: 1}\n",
    )
    path = write(project, text)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.cli", "build", str(path), "--project", str(project),
               "--output", str(out), "--jobs", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, start_new_session=True)
    folder = out / "small-test"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(folder.glob("*.pdf")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    pdfs = [p for p in folder.glob("*.pdf") if p.name != "proof.pdf"]
    assert 0 < len(pdfs) < 8, "the build should have been killed midway"
    for pdf in pdfs:
        with pikepdf.open(pdf) as document:  # every PDF under its final name is complete
            assert len(document.pages) == 1
    listed = {e.file for e in read_manifest(folder).posters}
    assert listed <= {p.name for p in pdfs}

    result = build_campaign(load_campaign(path, project), project, out, jobs=1)
    assert all(r.ok for r in result.results) and len(result.results) == 8
    assert not list(folder.glob(".*.part"))
    assert {e.file for e in read_manifest(folder).posters} == {
        p.name for p in folder.glob("*.pdf") if p.name != "proof.pdf"
    }


FAMILY = SMALL_CAMPAIGN.replace(
    "en: Get a written contract", "en: " + " ".join(["Get a written contract"] * 70)
) + (
    "  - id: big-crossing\n"
    "    name: {lo: ດ່ານໃຫຍ່, en: Big crossing}\n"
    "    design: border-sign\n"
    "    languages: [lo, en]\n"
    "    formats:\n"
    "      - {size: A2, quantity: 1}\n"
)


def test_a_poster_has_the_same_bytes_built_with_its_family_or_alone(project, tmp_path, monkeypatch):
    # The A4 of one crossing and the A2 of another are one fit family (same design,
    # languages and contacts): the A2, the largest, is fitted first and its scales
    # are where the A4's fitting starts. Built alone, the A4 must start from the
    # same scales, or its bytes would depend on the --only filter.
    import generator.build.schedule

    path = write(project, FAMILY)
    together = build_campaign(load_campaign(path, project), project, tmp_path / "all", jobs=1)
    seeds = []
    seed_fits = generator.build.schedule.seed_fits

    def spy(seed, *args):
        seeds.append(seed.name)
        return seed_fits(seed, *args)

    monkeypatch.setattr(generator.build.schedule, "seed_fits", spy)
    alone = build_campaign(
        load_campaign(path, project), project, tmp_path / "alone", only=["A4"], jobs=1
    )
    assert seeds == [
        "big-crossing_border-sign_A2_lo-en_DRAFT"
    ]  # laid out for its scales, not written
    assert [r.ok for r in together.results] == [True, True]
    (a4,) = alone.results
    assert a4.ok, a4.error
    assert any("shrunk" in w for w in a4.warnings), a4.warnings  # the fit did work
    name = a4.job.filename
    assert (tmp_path / "alone" / "small-test" / name).read_bytes() == (
        tmp_path / "all" / "small-test" / name
    ).read_bytes()
    assert not (
        tmp_path / "alone" / "small-test" / "big-crossing_border-sign_A2_lo-en_DRAFT.pdf"
    ).exists()

    # The seed's inputs are the A4's too: a change to the seed's place name rebuilds it.
    path.write_text(FAMILY.replace("Big crossing", "Bigger crossing"), encoding="utf-8")
    again = build_campaign(load_campaign(path, project), project, tmp_path / "all", jobs=1)
    assert [r.unchanged for r in again.results] == [False, False]
