"""Benchmark: a large campaign built several ways, with times, CPU, layouts and memory.

Run from the repository root with the virtual environment's Python::

    python bench/run.py [--posters N] [--skip-cli] [--keep] [--profile press]
                        [--scaling N [--scaling-base M]]

1. Writes a campaign of N posters (default 210) into bench/work/: the sample
   campaign's placements copied under new ids (``<id>-n3``), their language
   pairs spread evenly over lo with th, vi, zh-Hans, my, km and en, each with
   two formats from A4, A3, A3 landscape, A2 and a few A1.
2. Times, each as wall time:
   (a) "cli": what a user without this tool would do: one ``weasyprint``
       process per poster, one after another, on HTML pre-rendered (before the
       clock starts) with the project's own templates, and with the project's
       private fontconfig. It lays each poster out once: no shrink-to-fit, no
       preflight, no manifest. That makes it *less* work than the tool does.
   (b) "cold": ``poster build --force`` on all cores, into an empty folder
       (previews, proof sheet and print order included, as the build makes them),
       with the ``digital`` print profile by default: sRGB PDFs with bleed, the
       kind of file (a) makes. ``--profile press`` times the print-shop files
       (CMYK conversion, crop marks, PDF/X) instead.
   (c) "unchanged": the same build again without ``--force``.
   (d) "hand": the engine's own speed, the honest anchor: one Python process
       that loads WeasyPrint once and renders the same pre-rendered HTML as (a)
       in a loop (one font configuration and image cache for all, a warm-up
       poster untimed), on one core: no fitting, no checks, no previews.
   (e) "tool, one core": ``poster build --force --jobs 1`` into an empty
       folder, on the same core: everything the tool does, in one process. Its
       CPU seconds per poster over (d)'s is the overhead a user pays; it also
       counts WeasyPrint layouts, for layouts per poster.
3. With ``--scaling N``: two more generated campaigns, of M (``--scaling-base``,
   default 200) and N posters, each built cold on all cores; CPU (all
   processes) per poster of N over M's, the main process's peak RSS and the
   largest worker's at N.
4. Prints the times, posters per second, each figure next to its target, the
   machine, and as its last line ``name=value`` pairs for scripts.

This is not a test: it measures and prints, and never adjusts a number.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
SAMPLE = ROOT / "campaigns" / "laos-border-crossings.yaml"
CAMPAIGN_ID = "bench-large"
# The venv's own commands, next to the Python running this script (not resolved:
# the venv's python is a symlink to the base interpreter).
BIN = Path(sys.executable).parent

PAIRS = ("th", "vi", "zh-Hans", "my", "km", "en")  # the second language; lo is always first
# Formats, taken two at a time per placement; neighbours differ (wrapping round
# too), so a placement never gets the same size and orientation twice. Of 20:
# A4 6, A3 5, A2 5, A3 landscape 3, A1 1.
FORMAT_CYCLE = (
    ("A4", "portrait"), ("A3", "portrait"), ("A2", "portrait"), ("A3", "landscape"),
    ("A4", "portrait"), ("A3", "portrait"), ("A2", "portrait"), ("A4", "portrait"),
    ("A3", "portrait"), ("A1", "portrait"), ("A4", "portrait"), ("A3", "portrait"),
    ("A2", "portrait"), ("A3", "landscape"), ("A4", "portrait"), ("A3", "portrait"),
    ("A2", "portrait"), ("A4", "portrait"), ("A3", "landscape"), ("A2", "portrait"),
)  # fmt: skip
FORMATS_PER_PLACEMENT = 2
# Burmese and Khmer messages do not fit A3 landscape at the legible floor (the
# sample never asks for it): those placements get a portrait size instead.
LANDSCAPE_PAIRS = {"th", "vi", "zh-Hans", "en"}
PORTRAIT_INSTEAD = (("A3", "portrait"), ("A2", "portrait"), ("A4", "portrait"))

# name: (comparison, target, what it is)
TARGETS = {
    "tool_over_hand": ("<=", 1.2, "tool / hand loop, CPU per poster, one core (e / d)"),
    "cli_over_cold": (">=", 8.0, "cli loop / cold build, 2 cores (a / b)"),
    "cold_over_unchanged": (">=", 20.0, "cold / unchanged (b / c)"),
    "peak_worker_mb": ("<", 400.0, "peak memory per worker, MB"),
    "layouts_per_poster": ("<=", 1.1, "layouts per poster (e)"),
    "scaling_cpu_ratio": ("<=", 1.1, "CPU per poster, N posters / base"),
    "scaling_main_mb": ("<", 300.0, "main process peak RSS at N posters, MB"),
    "scaling_worker_mb": ("<", 400.0, "largest worker's peak RSS at N posters, MB"),
}
# Layouts per poster depend on the fit loop, which the layout issue (11) rewrites to
# predict the fit instead of iterating: until then this figure is expected to miss.
# A failed poster's line in `poster build`'s output (not the summary's "failed 9 posters: ...").
FAILED_POSTER = re.compile(r"  failed (?!\d+ posters?: )\S+: ")
MAX_FAILURES_SHOWN = 10  # of the cold build's failed posters, with their reasons
NOTES: dict[str, str] = {}


# --- the campaign -----------------------------------------------------------------


def write_campaign(posters: int, path: Path) -> None:
    """The sample campaign with its placements multiplied to exactly ``posters`` posters."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = YAML()  # round trip: keeps the sample's quoting and key order
    data = yaml.load(SAMPLE.read_text(encoding="utf-8"))
    # Two-language placements only, so every generated poster is lo + one language.
    sources = [p for p in data["placements"] if len(p["languages"]) == 2]
    by_pair = {pair: [p for p in sources if p["languages"][1] == pair] for pair in PAIRS}
    # Every sample placement has an English name and contacts named in English.
    by_pair["en"] = [p for p in sources if "en" in p["name"]]
    for pair, found in by_pair.items():
        if not found:
            raise SystemExit(f"the sample campaign has no placement usable for lo + {pair}")

    placements = CommentedSeq()
    made, index = 0, 0
    while made < posters:
        pair = PAIRS[index % len(PAIRS)]
        round_, source = divmod(index // len(PAIRS), len(by_pair[pair]))
        source = by_pair[pair][source]
        count = min(FORMATS_PER_PLACEMENT, posters - made)
        formats, chosen = CommentedSeq(), []
        for i in range(made, made + count):
            pick = FORMAT_CYCLE[i % len(FORMAT_CYCLE)]
            if pick[1] == "landscape" and pair not in LANDSCAPE_PAIRS:
                pick = next(f for f in PORTRAIT_INSTEAD if f not in chosen)
            chosen.append(pick)
            size, orientation = pick
            order = CommentedMap(size=size, orientation=orientation, quantity=5)
            order.fa.set_flow_style()
            formats.append(order)
        placement = CommentedMap()
        infix = "-en" if pair == "en" else ""  # the sample's placements serve lo + en too
        placement["id"] = f"{source['id']}{infix}-n{round_}"
        placement["name"] = CommentedMap((lang, source["name"][lang]) for lang in ("lo", pair))
        # A placement with several designs (a poster and its social cards) lends its poster.
        placement["design"] = source.get("design") or source["designs"][0]["design"]
        languages = CommentedSeq(["lo", pair])
        languages.fa.set_flow_style()
        placement["languages"] = languages
        contacts = CommentedSeq(source.get("contacts") or [])
        contacts.fa.set_flow_style()
        placement["contacts"] = contacts
        placement["formats"] = formats
        placements.append(placement)
        made += count
        index += 1

    data["id"] = CAMPAIGN_ID
    data["placements"] = placements
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        file.write(
            f"# Generated by bench/run.py from {SAMPLE.relative_to(ROOT)}: {posters} posters.\n"
        )
        yaml.dump(data, file)


# --- measuring --------------------------------------------------------------------


def cpu_ticks() -> tuple[int, int]:
    """System-wide (busy, steal) CPU time in clock ticks, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    name: str
    seconds: float
    cpu: float  # user + system of the processes this phase started
    others_cpu: float  # CPU the rest of the machine used meanwhile
    steal: float  # CPU time the hypervisor took away meanwhile
    posters: int
    failed: int = 0

    @property
    def rate(self) -> float:
        return self.posters / self.seconds if self.seconds > 0 else math.inf


class Clock:
    """Wall time with time.perf_counter, plus CPU time: ours, other processes', stolen."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> Clock:
        self.ticks, self.cpu = cpu_ticks(), children_cpu()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        hz = os.sysconf("SC_CLK_TCK")
        busy, steal = (b - a for a, b in zip(self.ticks, cpu_ticks(), strict=True))
        self.used = children_cpu() - self.cpu
        self.others = max(0.0, busy / hz - self.used)
        self.steal = steal / hz

    def timing(self, posters: int, failed: int = 0) -> Timing:
        return Timing(self.name, self.seconds, self.used, self.others, self.steal, posters, failed)


# Runs `poster build` in-process, then prints the largest RSS of its child processes.
#
# Why this way: ru_maxrss of RUSAGE_CHILDREN is the peak RSS of the largest child a
# process has waited for (Linux folds a waited-for child's own children into it).
# Run as `poster build ...` from here, the pool workers would be grandchildren of
# the `poster` process, and their peak would be hidden behind the parent's own
# RSS. Here the build runs in this small wrapper's own process (generator.cli.main,
# which is what the `poster` script calls), so the workers are its children, the
# pool's shutdown waits for them, and RUSAGE_CHILDREN afterwards gives exactly the
# peak of the largest worker (fc-list, run once for the font list, is tiny). With
# the forkserver start method the workers are children of the fork server, which
# reaps them; stopping the server then folds their peaks into ours as well.
# RSS counts pages shared with the parent after fork: it is what `top` shows.
MEASURE_WRAPPER = """\
import json, os, resource, sys
from generator.cli import main

# With --jobs 1 every layout is made in this process: count them. (Not otherwise:
# loading WeasyPrint here would change the main process's memory and the workers'.)
layouts = 0
if os.environ.get("BENCH_COUNT_LAYOUTS"):
    import generator.typeset.pdf  # WeasyPrint with the private fontconfig, as the build loads it
    import weasyprint

    real_render = weasyprint.HTML.render

    def counting_render(self, *args, **kwargs):
        global layouts
        layouts += 1
        return real_render(self, *args, **kwargs)

    weasyprint.HTML.render = counting_render
code = 0
try:
    main(sys.argv[1:], prog_name="poster", standalone_mode=False)
except SystemExit as exit:
    code = exit.code if isinstance(exit.code, int) else (1 if exit.code else 0)
try:
    from multiprocessing import forkserver
    forkserver._forkserver._stop()
except Exception:
    pass
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rss = {"children_kb": children, "main_kb": own, "layouts": layouts}
print("BENCH-RSS " + json.dumps(rss), file=sys.stderr)
sys.exit(code)
"""


def poster_build(
    campaign: Path,
    out: Path,
    force: bool,
    measure: bool,
    profile: str,
    jobs: int | None = None,
    one_core: bool = False,
) -> tuple[int, str, dict]:
    args = ["build", str(campaign), "--output", str(out), "--quiet", "--project", str(ROOT)]
    args += ["--profile", profile]
    if force:
        args.append("--force")
    if jobs:
        args += ["--jobs", str(jobs)]
    if measure:
        # Same work as the `poster` script: it imports generator.cli and calls main().
        command = [sys.executable, "-c", MEASURE_WRAPPER, *args]
    else:
        command = [str(BIN / "poster"), *args]
    pin = _pin_to_one_core if one_core else None
    env = {**os.environ, **({"BENCH_COUNT_LAYOUTS": "1"} if jobs == 1 else {})}
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=pin, env=env)
    rss, lines = {}, []
    for line in run.stderr.splitlines():
        if line.startswith("BENCH-RSS "):
            rss = json.loads(line.removeprefix("BENCH-RSS "))
        else:
            lines.append(line)
    return run.returncode, "\n".join(lines), rss


def pdf_state(folder: Path, names: list[str]) -> dict[str, tuple[int, int]]:
    """Modification time and size of each planned poster's PDF that exists."""
    paths = (folder / name for name in names)
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file()}


def _pin_to_one_core() -> None:
    """In a child before it runs: only the last CPU of this process's set."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


# --- the ways -----------------------------------------------------------------------


def prerender(campaign_path: Path, html_dir: Path, limit: int | None = None) -> list[Path]:
    """Every poster's HTML, as the tool makes it before its first layout."""
    from generator.campaign import load_campaign
    from generator.planning.plan import plan
    from generator.render.templating import PosterContext, environment, render_html

    loaded = load_campaign(campaign_path, ROOT)
    env = environment(ROOT)
    html_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for job in plan(loaded.campaign)[:limit]:
        path = html_dir / f"{job.name}.html"
        path.write_text(render_html(env, PosterContext(job, loaded.campaign, ROOT)), "utf-8")
        files.append(path)
    return files


def weasyprint_env() -> dict[str, str]:
    from generator.typeset.fonts import private_fontconfig

    return {**os.environ, "FONTCONFIG_FILE": str(private_fontconfig())}


def weasyprint_once(html: Path, pdf: Path, env: dict[str, str]) -> bool:
    base_url = ROOT.as_uri() + "/"  # the templates' stylesheets are relative to the project
    command = [str(BIN / "weasyprint"), "-u", base_url, str(html), str(pdf)]
    return subprocess.run(command, env=env, capture_output=True).returncode == 0 and pdf.is_file()


def run_cli(html_files: list[Path], out: Path) -> Timing:
    env = weasyprint_env()
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with Clock("cli") as clock:
        for html in html_files:
            failed += not weasyprint_once(html, out / f"{html.stem}.pdf", env)
    return clock.timing(len(html_files), failed)


# The hand-written warm loop (d): what the engine alone costs per poster. Prints the CPU
# and wall seconds of the timed loop, after one untimed warm-up poster.
HAND_LOOP = """\
import json, sys, time
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

base_url, out, *files = sys.argv[1:]
fonts, images = FontConfiguration(), {}


def render(html):
    document = weasyprint.HTML(filename=html, base_url=base_url)
    document.write_pdf(Path(out) / (Path(html).stem + ".pdf"), font_config=fonts, cache=images)


render(files[0])  # warm: fonts loaded, first-use costs paid
cpu, wall = time.process_time(), time.perf_counter()
for html in files:
    render(html)
result = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
print("BENCH-HAND " + json.dumps(result))
"""


def run_hand_loop(html_files: list[Path], out: Path) -> Timing:
    """(d): one warm WeasyPrint process on one core; its own figures for the timed loop."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", HAND_LOOP, ROOT.as_uri() + "/", str(out)]
    command += [str(html) for html in html_files]
    with Clock("hand") as clock:
        run = subprocess.run(
            command, env=weasyprint_env(), capture_output=True, text=True,
            preexec_fn=_pin_to_one_core,
        )  # fmt: skip
    figures = next(
        (json.loads(line.removeprefix("BENCH-HAND ")) for line in run.stdout.splitlines()
         if line.startswith("BENCH-HAND ")),
        None,
    )  # fmt: skip
    if run.returncode != 0 or figures is None:
        say(f"(d) hand loop failed: {run.stderr.strip()[-2000:]}")
        return clock.timing(len(html_files), len(html_files))
    made = sum(1 for html in html_files if (out / f"{html.stem}.pdf").is_file())
    timing = clock.timing(len(html_files), len(html_files) - made)
    timing.seconds, timing.cpu = figures["wall"], figures["cpu"]  # the loop, not the start
    return timing


def run_scaling(base: int, posters: int, profile: str) -> dict[str, float]:
    """Two generated campaigns built cold on all cores: CPU per poster and peak memory."""
    figures = {}
    for count in (base, posters):
        campaign = WORK / f"scaling-{count}" / f"{CAMPAIGN_ID}.yaml"
        write_campaign(count, campaign)
        out = WORK / f"scaling-{count}" / "out"
        say(f"(scaling) poster build --force, {count} posters (all cores) ...")
        with Clock(f"scaling-{count}") as clock:
            code, _, rss = poster_build(campaign, out, True, True, profile)
        built = len(list((out / CAMPAIGN_ID).glob("*.pdf"))) - 1  # less the proof sheet
        say(
            f"  {count} posters: exit {code}, {built} PDFs, wall {clock.seconds:.1f} s, "
            f"CPU {clock.used:.1f} s ({clock.used / count:.3f} s/poster), others' CPU "
            f"{clock.others:.1f} s, main RSS {rss.get('main_kb', math.nan) / 1024:.0f} MB, "
            f"largest worker RSS {rss.get('children_kb', math.nan) / 1024:.0f} MB"
        )
        figures[count] = (clock.used / count, rss)
        shutil.rmtree(WORK / f"scaling-{count}", ignore_errors=True)
    (base_cpu, _), (cpu, rss) = figures[base], figures[posters]
    return {
        "scaling_cpu_ratio": ratio(cpu, base_cpu),
        "scaling_main_mb": rss.get("main_kb", math.nan) / 1024,
        "scaling_worker_mb": rss.get("children_kb", math.nan) / 1024,
    }


# --- reporting --------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"nproc {cores}, {model}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or b <= 0:
        return math.nan
    return a / b


def verdict(name: str, value: float) -> str:
    comparison, target, _ = TARGETS[name]
    if math.isnan(value):
        return "not measured"
    ok = {"<": value < target, "<=": value <= target, ">=": value >= target}[comparison]
    note = f"; {NOTES[name]}" if name in NOTES else ""
    return f"{'met' if ok else 'MISSED'} (target {comparison} {target:g}; {value / target:.0%} of it{note})"


def figure_line(name: str, value: float) -> str:
    return f"{TARGETS[name][2]} = {value:.2f}: {verdict(name, value)}"


def say(text: str = "") -> None:
    print(text, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, default=210, help="posters in the campaign")
    parser.add_argument("--skip-cli", action="store_true", help="skip the weasyprint loop (a)")
    parser.add_argument("--keep", action="store_true", help="keep bench/work afterwards")
    parser.add_argument(
        "--skip-one-core",
        action="store_true",
        help="skip the one-core ways: the hand loop (d) and the tool with --jobs 1 (e)",
    )
    parser.add_argument(
        "--scaling",
        type=int,
        metavar="N",
        default=None,
        help="also build generated campaigns of --scaling-base and N posters (say 2000), "
        "for CPU per poster and memory as a campaign grows",
    )
    parser.add_argument(
        "--scaling-base", type=int, default=200, metavar="M", help="the smaller campaign"
    )
    parser.add_argument(
        "--profile",
        default="digital",
        help="print profile of (b) and (c): digital (default) makes what (a) makes, "
        "sRGB PDFs with bleed; press adds CMYK conversion, crop marks and PDF/X",
    )
    options = parser.parse_args()
    if options.posters < 1:
        parser.error("--posters must be at least 1")
    if options.scaling is not None and not 1 <= options.scaling_base < options.scaling:
        parser.error("--scaling N needs 1 <= --scaling-base < N")
    os.chdir(ROOT)

    say(f"machine: {machine()}")
    say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(WORK, ignore_errors=True)
    campaign = WORK / f"{CAMPAIGN_ID}.yaml"
    write_campaign(options.posters, campaign)

    from generator.campaign import load_campaign
    from generator.planning.plan import plan

    jobs = plan(load_campaign(campaign, ROOT).campaign)
    pairs = sorted({"-".join(job.languages) for job in jobs})
    formats: dict[str, int] = {}
    for job in jobs:
        formats[job.format.label] = formats.get(job.format.label, 0) + 1
    say(f"campaign: {campaign.relative_to(ROOT)}, {len(jobs)} posters")
    say(f"  language pairs: {', '.join(pairs)}")
    say(f"  formats: {', '.join(f'{k} {v}' for k, v in sorted(formats.items()))}")

    # Warm the disk cache and fontconfig's cache for both ways alike, untimed.
    env = weasyprint_env()
    warm = prerender(campaign, WORK / "warm", limit=1)[0]
    weasyprint_once(warm, WORK / "warm" / "warm.pdf", env)

    timings: dict[str, Timing] = {}
    html_files: list[Path] = []
    if not (options.skip_cli and options.skip_one_core):
        say("\npre-rendering HTML for (a) and (d) (untimed) ...")
        html_files = prerender(campaign, WORK / "html")
    if not options.skip_cli:
        say(f"(a) cli: {len(html_files)} weasyprint processes, one after another ...")
        timings["cli"] = run_cli(html_files, WORK / "cli-out")

    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    say(f"(b) cold: poster build --force --profile {options.profile} (all cores) ...")
    with Clock("cold") as clock:
        code, log, rss = poster_build(campaign, out, True, True, options.profile)
    folder = out / CAMPAIGN_ID
    names = [job.filename for job in jobs]
    built = pdf_state(folder, names)
    timings["cold"] = clock.timing(len(jobs), len(jobs) - len(built))
    cold_log = log

    say("(c) unchanged: poster build (no --force) ...")
    with Clock("unchanged") as clock:
        code_c, log_c, _ = poster_build(campaign, out, False, False, options.profile)
    after = pdf_state(folder, names)
    rebuilt = sum(1 for name, state in after.items() if built.get(name) != state)
    timings["unchanged"] = clock.timing(len(jobs), len(jobs) - len(after))

    layouts = math.nan
    if not options.skip_one_core:
        say(f"(d) hand: one warm WeasyPrint process, {len(html_files)} posters, one core ...")
        timings["hand"] = run_hand_loop(html_files, WORK / "hand-out")
        one_core = WORK / "one-core"
        say(f"(e) tool, one core: poster build --force --jobs 1 --profile {options.profile} ...")
        with Clock("tool-1core") as clock:
            code_e, log_e, rss_e = poster_build(
                campaign, one_core, True, True, options.profile, jobs=1, one_core=True
            )
        made = pdf_state(one_core / CAMPAIGN_ID, names)
        timings["tool-1core"] = clock.timing(len(jobs), len(jobs) - len(made))
        layouts = rss_e.get("layouts", math.nan) / len(jobs)
        if code_e not in (0, 1):
            say(f"  (e) exit status {code_e}: {log_e.strip()[-1000:]}")

    say("\n== results ==")
    say(f"{'way':<10} {'wall s':>9} {'posters/s':>10} {'s/poster':>9} {'our CPU s':>10} "
        f"{'others CPU s':>13} {'stolen s':>9} {'failed':>7}")  # fmt: skip
    for t in timings.values():
        say(
            f"{t.name:<10} {t.seconds:>9.2f} {t.rate:>10.2f} {t.seconds / t.posters:>9.3f} "
            f"{t.cpu:>10.1f} {t.others_cpu:>13.1f} {t.steal:>9.1f} {t.failed:>7}"
        )
    say("  our CPU: user+system of the processes the phase started; others: the rest of the")
    say("  machine's busy CPU meanwhile (other users' work slows a timing down).")
    say(
        f"(b) exit status {code}; (c) exit status {code_c}, poster PDFs rewritten by (c): {rebuilt}"
    )
    for name, text in (("cold", cold_log), ("unchanged", log_c)):
        tail = [line for line in text.splitlines() if line.strip()][-4:]
        say(f"  poster build output ({name}):")
        for line in tail:
            say(f"    {line}")
    # A poster that failed has no file to be unchanged: (c) builds it again, every time.
    failures = [line.strip() for line in cold_log.splitlines() if FAILED_POSTER.match(line)]
    if failures:
        say(
            f"  (b) failed {len(failures)} posters; (c) builds them again (a failed poster has "
            "no file to keep), so its time includes their layouts:"
        )
        for line in failures[:MAX_FAILURES_SHOWN]:
            say(f"    {line if len(line) <= 300 else line[:299] + '…'}")
        if len(failures) > MAX_FAILURES_SHOWN:
            say(f"    and {len(failures) - MAX_FAILURES_SHOWN} more")

    cli = timings.get("cli")
    a_b = ratio(cli.seconds if cli else None, timings["cold"].seconds)
    b_c = ratio(timings["cold"].seconds, timings["unchanged"].seconds)
    peak_mb = rss.get("children_kb", math.nan) / 1024  # ru_maxrss is in KiB on Linux
    main_mb = rss.get("main_kb", math.nan) / 1024
    hand, tool = timings.get("hand"), timings.get("tool-1core")
    e_d = ratio(
        tool.cpu / tool.posters if tool else None, hand.cpu / hand.posters if hand else None
    )
    figures = {
        "tool_over_hand": e_d,
        "cli_over_cold": a_b,
        "cold_over_unchanged": b_c,
        "peak_worker_mb": peak_mb,
        "layouts_per_poster": layouts,
    }
    if options.scaling is not None:
        say("")
        figures.update(run_scaling(options.scaling_base, options.scaling, options.profile))

    say("\n== figures and targets ==")
    if hand and tool:
        say(
            f"  one core: (e) tool {tool.cpu / tool.posters:.3f} CPU s/poster, "
            f"(d) hand loop {hand.cpu / hand.posters:.3f} CPU s/poster"
        )
    for name, value in figures.items():
        say(figure_line(name, value))
    say(
        f"  (peak worker: largest RSS of any child of the cold build; its main process peaked at {main_mb:.2f} MB)"
    )
    say(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    say(f"machine: {machine()}")

    if options.keep:
        say(f"kept {WORK.relative_to(ROOT)}")
    else:
        shutil.rmtree(WORK, ignore_errors=True)
    say(" ".join(f"{name}={value:.2f}" for name, value in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
