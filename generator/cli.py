"""The ``poster`` command: a thin layer over the pipeline's stages.

Exit status: 0 all well, 1 some posters failed (the others were built),
2 an invalid campaign file or a usage error.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .build.limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS
from .campaign import CampaignError, LoadedCampaign, json_schema, load_campaign
from .planning.plan import PosterJob
from .prepress.profiles import PROFILE_NAMES

EXIT_OK, EXIT_POSTERS_FAILED, EXIT_INVALID = 0, 1, 2

# No emoji codes: ":100:" of "file.yaml:100:9" would print as an emoji. Every value from a
# campaign, a file name or a message goes through escape(), so "[...]" in it is never markup.
console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out = Console(highlight=False, emoji=False)


def _campaign_files(project: Path, given: tuple[str, ...]) -> list[Path]:
    if given:
        return [Path(name) for name in given]
    files = sorted((project / "campaigns").glob("*.yaml")) + sorted(
        (project / "campaigns").glob("*.yml")
    )
    if not files:
        raise click.UsageError(f"no campaign files in {project / 'campaigns'}")
    return files


def _load_all(project: Path, given: tuple[str, ...]) -> tuple[list[LoadedCampaign], bool]:
    """Load every campaign; report each invalid one; return the valid ones."""
    loaded, any_invalid = [], False
    for path in _campaign_files(project, given):
        try:
            loaded.append(load_campaign(path, project))
        except CampaignError as error:
            any_invalid = True
            for problem in error.problems:
                console.print(f"[red]error[/red] {escape(problem.render())}")
    return loaded, any_invalid


project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder holding templates/, assets/ and campaigns/.",
)


def output_option(help: str):
    """The output folder, where ``build`` writes and ``preflight`` reads."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("output"),
        show_default=True,
        help=help,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="poster-generator")
def main() -> None:
    """Print-ready bilingual awareness posters from campaign files."""


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@output_option("Where the posters go.")
@click.option(
    "--only",
    multiple=True,
    metavar="FILTER",
    help="Only posters of this placement, design, format (A3, A3-landscape), language or "
    "*pattern* on the file name; repeat it: filters of different kinds must all match, "
    "filters of one kind any (--only vientiane-nong-khai --only A1 --only A2: the "
    "Vientiane A1 and A2 posters).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1),
    default=None,
    help="Worker processes [default: all cores].",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Build the posters on the Dask distributed cluster of this scheduler instead of "
    "local worker processes. Every worker must see the project folder and the output "
    "folder at the same paths as this machine (a shared file system, such as NFS) and "
    "have this project installed; this is checked before the first poster.",
)
@click.option("--force", is_flag=True, help="Rebuild posters whose inputs have not changed.")
@click.option(
    "--final", is_flag=True, help="Refuse draft posters, naming the texts that await review."
)
@click.option(
    "--profile",
    type=click.Choice(PROFILE_NAMES),
    default=None,
    help="Print profile, overriding the campaign's print.profile [default: the campaign's].",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0),
    default=DEFAULT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="Most time one poster may take; a poster over it fails alone (0: no limit).",
)
@click.option(
    "--memory-limit",
    type=click.FloatRange(0),
    default=DEFAULT_MEMORY_MB,
    show_default=True,
    metavar="MB",
    help="Most memory one poster may add to its worker process (0: no limit; "
    "not applied with --jobs 1, which builds in this process).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
@click.option("--verbose", "-v", is_flag=True, help="Show warnings and tracebacks of failures.")
@project_option
def build(
    campaigns,
    output,
    only,
    jobs,
    scheduler,
    force,
    final,
    profile,
    time_limit,
    memory_limit,
    quiet,
    verbose,
    project,
) -> None:
    """Build the posters of CAMPAIGNS (default: every file in campaigns/)."""
    from .build.campaign import build_campaign
    from .build.limits import Limits
    from .build.workers import INTERRUPTIONS, exit_status, signal_name
    from .output.files import OutputError
    from .planning.plan import plan, select

    limits = Limits(seconds=time_limit or None, memory_mb=memory_limit or None)
    if scheduler and jobs:
        raise click.UsageError("--jobs and --scheduler exclude each other")

    loaded, any_invalid = _load_all(project, campaigns)
    # Closed with the command: the cluster's client, or nothing for the local pool.
    executor = click.get_current_context().with_resource(_executor(scheduler, project, output))
    failed = 0
    for item in loaded:
        started = time.monotonic()
        every = plan(item.campaign)  # once per build: build_campaign is given it
        total = len(select(every, only))
        if not quiet:
            console.print(
                f"[bold]{escape(item.campaign.id)}[/bold] from {escape(str(item.path))}: "
                f"{total} posters"
            )
        if only:
            _print_selection(item, every, only, total)
        with _progress(total, quiet) as advance:

            def report(result):
                advance()
                if not result.ok:
                    state = "refused" if result.refused else "failed"
                    console.print(
                        f"  [red]{state}[/red] {escape(result.job.name)}: {escape(result.error or '')}"
                    )
                    if verbose and result.detail:
                        console.print(result.detail, markup=False)
                    return
                if verbose or (not quiet and not console.is_terminal):
                    state = "unchanged" if result.unchanged else "[green]built[/green]"
                    console.print(f"  {state} {escape(str(result.file))}")
                # Preflight warnings always (what a print shop would query); the rest verbose.
                fresh = not quiet and not result.unchanged
                checked = result.preflight.warnings if fresh and result.preflight else ()
                for warning in result.warnings if verbose else checked:
                    console.print(f"    [yellow]warning[/yellow] {escape(warning)}")
                if result.placeholders and not quiet:
                    shown = escape(", ".join(result.placeholders))
                    console.print(
                        f"  [yellow]warning[/yellow] {escape(result.job.name)} shows placeholder "
                        f"assets: {shown}"
                    )

            try:
                result = build_campaign(
                    item,
                    project,
                    output,
                    only=only,
                    jobs=jobs,
                    executor=executor,
                    on_result=report,
                    force=force,
                    final=final,
                    profile=profile,
                    limits=limits,
                    on_wait=lambda message: console.print(f"  [yellow]{escape(message)}[/yellow]"),
                    planned=every,
                )
            except INTERRUPTIONS as interruption:
                console.print(
                    f"[red]interrupted[/red] ({signal_name(interruption)}): the posters "
                    f"finished so far are in {output / item.campaign.id} and its manifest; "
                    "build again to finish"
                )
                sys.exit(exit_status(interruption))
            except OutputError as error:
                console.print(f"[red]error[/red] {escape(str(error))}")
                failed += 1
                continue
        failed += len(result.failed)
        _summary(result, time.monotonic() - started)
        if not quiet:
            _content_summary(result, item.path, project)
    if any_invalid:
        sys.exit(EXIT_INVALID)
    sys.exit(EXIT_POSTERS_FAILED if failed else EXIT_OK)


def _print_selection(
    item: LoadedCampaign, every: list[PosterJob], only: tuple[str, ...], selected: int
) -> None:
    """Which posters --only chose, in words, so a surprising filter shows at once."""
    from .planning.plan import describe_selection, unknown_filters

    words = escape(describe_selection(every, only))
    colour = "yellow" if selected == 0 else "default"
    console.print(f"  [{colour}]--only {words}: {selected} of {len(every)} posters[/{colour}]")
    for name, hint in unknown_filters(every, only).items():
        console.print(
            f"  [yellow]warning[/yellow] --only {escape(name)}: no placement, design, format "
            f"or language of {escape(item.campaign.id)} has this name{escape(hint)}"
        )


@contextmanager
def _executor(scheduler: str | None, project: Path, output: Path):
    """The executor of the cluster at ``scheduler``, its workers checked; None without."""
    if not scheduler:
        yield None
        return
    from .build.cluster import ClusterError, cluster_executor

    console.print(f"cluster {escape(scheduler)}: checking that its workers share the folders")
    with ExitStack() as stack:
        try:
            executor = stack.enter_context(cluster_executor(scheduler, project, output))
        except ClusterError as error:
            console.print(f"[red]error[/red] {escape(str(error))}")
            sys.exit(EXIT_INVALID)
        yield executor


@contextmanager
def _progress(total: int, quiet: bool):
    """A progress bar with time left on a terminal; nothing extra otherwise (CI logs)."""
    if quiet or not console.is_terminal or total == 0:
        yield lambda: None
        return
    columns = (
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("posters", total=total)
        yield lambda: progress.advance(task)


def _summary(result, seconds: float) -> None:
    outcomes = result.results
    unchanged = sum(1 for r in outcomes if r.ok and r.unchanged)
    built = sum(1 for r in outcomes if r.ok and not r.unchanged)
    warned = sum(1 for r in outcomes if r.warnings)
    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("built", "unchanged", "failed", "warnings", "time"):
        table.add_column(column, justify="right")
    failed = f"[red]{len(result.failed)}[/red]" if result.failed else "0"
    table.add_row(str(built), str(unchanged), failed, str(warned), f"{seconds:.1f} s")
    console.print(table)
    setup = result.print_setup
    if setup is not None:
        icc = f", output intent {setup.icc.description}" if setup.icc else ""
        console.print(
            f"  profile [bold]{setup.profile.name}[/bold]: {escape(setup.profile.summary + icc)}"
        )
    cards = sum(1 for r in outcomes if r.job.format.is_pixel)
    if cards:  # whatever the profile: screens take sRGB
        console.print(f"  {cards} social-media cards: sRGB PNG and JPEG, each with its post text")
    checked = [r.preflight for r in outcomes if r.preflight]
    if checked:
        passed = sum(1 for p in checked if p.ok)
        with_warnings = sum(1 for p in checked if p.ok and p.warnings)
        failed_checks = len(checked) - passed
        shown = f"[red]{failed_checks} failed[/red]" if failed_checks else "0 failed"
        console.print(
            f"  preflight: {passed} passed ({with_warnings} with warnings), {shown}; "
            f"report: poster preflight {escape(str(result.folder))}"
        )
    console.print(f"  → {escape(str(result.folder))}")


MAX_DETAILS = 8  # lines listed under one reason of the summary


def _content_summary(result, path: Path, project: Path) -> None:
    """Contacts to check, stand-in assets, texts awaiting review and why posters were
    refused or failed, once per campaign (not per poster), each under its real reason."""
    from .build.refusals import REASONS
    from .campaign.placeholders import describe, placeholder_assets

    warnings = dict.fromkeys(w for r in result.results for w in r.contact_warnings)
    for warning in warnings:
        console.print(f"  [yellow]warning[/yellow] {escape(warning)}")
    stand_ins = [r for r in result.results if r.ok and r.placeholders]
    if stand_ins:
        notes = placeholder_assets(project)
        assets = dict.fromkeys(p for r in stand_ins for p in r.placeholders)
        console.print(
            f"  [yellow]warning[/yellow] {len(stand_ins)} posters show placeholder assets "
            f"(assets/placeholders.txt); not for print until the real files replace them:"
        )
        for asset in assets:
            console.print(f"    {escape(describe(asset, notes.get(asset, '')))}")
    stopped = [r for r in result.results if not r.ok]
    for reason, label in REASONS.items():
        posters = [r for r in stopped if reason in r.reasons]
        if not posters:
            continue
        state = "refused" if posters[0].refused else "failed"
        count = f"{len(posters)} poster{'s' if len(posters) != 1 else ''}"
        console.print(f"  [red]{state}[/red] {count}: {escape(label)}")
        details = list(dict.fromkeys(d for r in posters for d in r.reasons[reason]))
        for detail in details[:MAX_DETAILS]:
            console.print(f"    {escape(detail)}")
        if len(details) > MAX_DETAILS:
            console.print(f"    and {len(details) - MAX_DETAILS} more; see: poster status")
        if reason == "unverified":
            console.print("    or build them for screens and proofs meanwhile: --profile digital")
    other = [r for r in stopped if not r.reasons]
    if other:
        console.print(f"  [red]failed[/red] {len(other)} posters: see the errors above")
    drafts = [r for r in result.results if r.job.draft and r.ok]
    if drafts:
        texts = dict.fromkeys(text for r in drafts for text in r.job.held_back)
        console.print(
            f"  [yellow]draft[/yellow]: {len(drafts)} posters marked DRAFT; "
            f"{len(texts)} texts await review by native speakers"
        )
        console.print(f"    see: poster status {escape(str(path))}")


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--layout",
    is_flag=True,
    help="Also lay out every poster as build would (slower; writes nothing): "
    "a campaign that passes does not then fail to fit at build.",
)
@click.option("--only", multiple=True, metavar="FILTER", help="With --layout: as for build.")
@project_option
def validate(campaigns, layout, only, project) -> None:
    """Check CAMPAIGNS without building anything."""
    loaded, any_invalid = _load_all(project, campaigns)
    for item in loaded:
        if layout:
            from .typeset.layout_check import check_layout

            problems = check_layout(item, project, only)
            for problem in problems:
                console.print(
                    f"[red]error[/red] {escape(problem.job.name)}: {escape(problem.message)}"
                )
            if problems:
                any_invalid = True
                continue
        console.print(f"[green]valid[/green] {escape(str(item.path))}")
    sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)


@main.command(name="list")
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--only", multiple=True, metavar="FILTER",
    help="As for build: different kinds must all match, one kind any.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@project_option
def list_posters(campaigns, only, as_json, project) -> None:
    """List the posters a build would make."""
    from .planning.plan import plan

    loaded, any_invalid = _load_all(project, campaigns)
    rows = [(item.campaign.id, job) for item in loaded for job in plan(item.campaign, only)]
    if only and not as_json:
        for item in loaded:
            selected = sum(1 for cid, _ in rows if cid == item.campaign.id)
            _print_selection(item, plan(item.campaign), only, selected)
    if as_json:
        data = [
            {
                "campaign": cid,
                "file": job.filename,
                "placement": job.placement_id,
                "design": job.design_id,
                "format": job.format.label,
                "languages": list(job.languages),
                "quantity": job.quantity,
            }
            for cid, job in rows
        ]
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        table = Table("campaign", "placement", "design", "format", "languages", "qty")
        for column in table.columns:  # names are folded, never cut, in narrow logs
            column.overflow = "fold"
        for cid, job in rows:
            cells = (cid, job.placement_id, job.design_id, job.format.label)
            table.add_row(*map(escape, cells), escape(" + ".join(job.languages)), str(job.quantity))
        out.print(table)
        prints = sum(job.quantity for _, job in rows if not job.format.is_pixel)  # cards: posted
        out.print(f"{len(rows)} posters, {prints} prints")
    sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)


@main.command(name="preflight")
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@output_option("Where a campaign's posters were built.")
@click.option(
    "--profile",
    type=click.Choice(PROFILE_NAMES),
    default=None,
    help="Check against this print profile [default: the one each file was built with].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@project_option
def preflight_command(targets, output, profile, as_json, project) -> None:
    """Check built PDFs as a print shop would, and print the report.

    TARGETS are PDF files, output folders (with a manifest.json) or campaign
    files (their posters under --output); default: every campaign in campaigns/.
    """
    from .output.manifest import preflight_json
    from .preflight.targets import collect_targets, run_preflight

    try:
        files = collect_targets(targets, output, project)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if not files:
        console.print("nothing to check: build the posters first (poster build)")
        sys.exit(EXIT_POSTERS_FAILED)
    reports = run_preflight(files, profile)
    if as_json:
        data = [{"file": str(path), **preflight_json(report.summary())} for path, report in reports]
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        for path, report in reports:
            out.print(escape(report.render(str(path))), soft_wrap=True)
            out.print()
    failed = sum(1 for _, report in reports if not report.ok)
    warned = sum(1 for _, report in reports if report.ok and report.warnings)
    console.print(
        f"{len(reports)} PDFs: {len(reports) - failed} passed ({warned} with warnings), "
        f"{failed} failed"
    )
    sys.exit(EXIT_POSTERS_FAILED if failed else EXIT_OK)


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--verbose", "-v", is_flag=True, help="List the texts that hold each poster back.")
@project_option
def status(campaigns, as_json, verbose, project) -> None:
    """Texts per language, contacts' verification, posters ready for print."""
    from .campaign.status import COLUMNS, campaign_status

    loaded, any_invalid = _load_all(project, campaigns)
    reports = [campaign_status(item.campaign) for item in loaded]
    if as_json:
        out.print_json(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, default=str))
        sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)
    for report in reports:
        out.print(
            f"[bold]{escape(report.campaign)}[/bold] "
            f"(source language: {escape(report.source_language)})"
        )
        table = Table("language", "source", *COLUMNS, title="Texts", title_justify="left")
        for lang in report.languages:
            row = [str(lang.counts.get(c, "")) for c in ("source", *COLUMNS)]
            table.add_row(escape(lang.lang), *row)
        out.print(table)
        for lang in report.languages:
            for problem in lang.problems:
                out.print(f"  [red]problem[/red] {escape(lang.lang)}: {escape(problem)}")
        table = Table(
            "contact", "number", "verified", "age", "state", title="Contacts", title_justify="left"
        )
        for c in report.contacts:
            age = "" if c.age_months is None else f"{c.age_months} months"
            colour = {"ok": "green", "old": "yellow"}.get(c.state, "red")
            table.add_row(escape(c.id), escape(c.number), str(c.verified or "never"), age,
                          f"[{colour}]{c.state}[/{colour}]")  # fmt: skip
        out.print(table)
        out.print(f"  warn when verified more than {report.max_age_months} months ago")
        table = Table("placement", "languages", "posters", "final-ready", "contacts",
                      title="Posters", title_justify="left")  # fmt: skip
        table.columns[0].overflow = "fold"  # ids are folded, never cut
        for p in report.placements:
            ready = (
                "[green]yes[/green]"
                if p.final_ready
                else f"[yellow]no[/yellow]: {len(p.held_back_by)} texts"
            )
            contacts = f"[red]{len(p.unverified)} unverified[/red]" if p.unverified else "verified"
            old = sum(1 for c in report.contacts if c.state == "old" and c.id in p.contacts)
            contacts += f", [yellow]{old} old[/yellow]" if old else ""
            table.add_row(
                escape(p.id), escape("+".join(p.languages)), str(p.posters), ready, contacts
            )
        out.print(table)
        for p in report.placements if verbose else ():
            for line in (*p.held_back_by, *p.unverified):
                out.print(f"  {escape(p.id)}: {escape(line)}")
        for note in report.notes:
            out.print(f"  [yellow]note[/yellow] {escape(note)}")
    sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)


@main.group()
def strings() -> None:
    """Texts out to translators and back, as gettext PO files."""


@strings.command(name="export")
@click.argument("campaign", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--language", "-l", required=True, help="The target language, e.g. lo, th.")
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The PO file to write.",
)  # fmt: skip
@project_option
def strings_export(campaign, language, output, project) -> None:
    """Write CAMPAIGN's texts in LANGUAGE, beside their source, to a PO file."""
    from .campaign.strings import StringsError, export_strings
    from .output.files import write_atomically

    loaded, _ = _load_all(project, (str(campaign),))
    if not loaded:
        sys.exit(EXIT_INVALID)
    try:
        exported = export_strings(loaded[0], language)
    except StringsError as error:
        for problem in error.problems:
            console.print(f"[red]error[/red] {escape(problem)}")
        sys.exit(EXIT_INVALID)
    try:
        write_atomically(output, exported.po)
    except OSError as error:  # OutputError: the path and what to do
        console.print(f"[red]error[/red] {escape(str(error))}")
        sys.exit(EXIT_POSTERS_FAILED)
    for skipped in exported.skipped:
        console.print(f"[yellow]skipped[/yellow] {escape(skipped)}")
    console.print(f"{exported.entries} texts → {escape(str(output))}")


@strings.command(name="import")
@click.argument("campaign", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("po_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--reviewed-by", metavar="NAME",
    help="You reviewed every entry of the file that is not fuzzy: mark them reviewed by NAME.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@project_option
def strings_import(campaign, po_file, reviewed_by, dry_run, project) -> None:
    """Read PO_FILE back into CAMPAIGN: check it, update texts and statuses, report changes."""
    from .campaign.strings import StringsError, import_strings

    loaded, _ = _load_all(project, (str(campaign),))
    if not loaded:
        sys.exit(EXIT_INVALID)
    try:
        result = import_strings(loaded[0], po_file, project, reviewed_by, dry_run=dry_run)
    except StringsError as error:
        for problem in error.problems:
            console.print(f"[red]refused[/red] {escape(problem)}")
        console.print(f"nothing changed in {escape(str(campaign))}")
        sys.exit(EXIT_INVALID)
    for change in result.changes:
        console.print(f"  {escape(change)}")
    if not result.changes:
        console.print(f"no changes: {escape(str(campaign))} is as it was")
    elif result.written:
        console.print(f"{len(result.changes)} changes written to {escape(str(campaign))}")
    else:
        console.print(f"{len(result.changes)} changes (dry run: nothing written)")
    if result.changes and not result.layout_kept:
        console.print(
            "[yellow]note[/yellow] the YAML library could not keep this file's exact layout: "
            "check the diff"
        )
    sys.exit(EXIT_OK)


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any but 127.0.0.1 needs the printed access token.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@output_option("Where builds started from the workspace go.")
@project_option
def serve(campaigns, host, port, no_browser, output, project) -> None:
    """A browser workspace for CAMPAIGNS (default: every file in campaigns/): posters,
    texts, review in context, contacts, builds and print packages."""  # fmt: skip
    from .workspace.serve import run

    try:
        run(project, [Path(c) for c in campaigns], host, port, output, not no_browser, console)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@main.command()
def schema() -> None:
    """Print the JSON Schema of campaign files (for editors)."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command()
def doctor() -> None:
    """Check system libraries, fonts per script, HarfBuzz subsetting and ICU."""
    from .doctor import run_checks

    table = Table("check", "status", "detail / fix")
    all_ok = True
    for check in run_checks():
        all_ok &= check.ok
        status = "[green]ok[/green]" if check.ok else "[red]missing[/red]"
        table.add_row(escape(check.name), status, escape(check.detail if check.ok else check.fix))
    out.print(table)
    sys.exit(EXIT_OK if all_ok else EXIT_POSTERS_FAILED)


if __name__ == "__main__":
    main()
