"""The ``poster`` command: a thin layer over the pipeline's stages.

Exit status: 0 all well, 1 some posters failed (the others were built),
2 an invalid campaign file or a usage error.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
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

from .limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS
from .profiles import PROFILE_NAMES
from .schema import CampaignError, LoadedCampaign, json_schema, load_campaign

EXIT_OK, EXIT_POSTERS_FAILED, EXIT_INVALID = 0, 1, 2

console = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)


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
                console.print(f"[red]error[/red] {escape(str(problem))}")
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
    help="Only posters matching a placement, design, format, language or *pattern*.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1),
    default=None,
    help="Worker processes [default: all cores].",
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
    from .build import build_campaign
    from .limits import Limits
    from .plan import plan

    limits = Limits(seconds=time_limit or None, memory_mb=memory_limit or None)

    loaded, any_invalid = _load_all(project, campaigns)
    failed = 0
    for item in loaded:
        started = time.monotonic()
        total = len(plan(item.campaign, only))
        if not quiet:
            console.print(f"[bold]{item.campaign.id}[/bold] from {item.path}: {total} posters")
        with _progress(total, quiet) as advance:

            def report(result):
                advance()
                if not result.ok:
                    state = "refused" if result.refused else "failed"
                    console.print(
                        f"  [red]{state}[/red] {result.job.name}: {escape(result.error or '')}"
                    )
                    if verbose and result.detail:
                        console.print(result.detail, markup=False)
                    return
                if verbose or (not quiet and not console.is_terminal):
                    state = "unchanged" if result.unchanged else "[green]built[/green]"
                    console.print(f"  {state} {result.file}")
                # Preflight warnings always (what a print shop would query); the rest verbose.
                fresh = not quiet and not result.unchanged
                checked = (result.preflight or {}).get("warnings", []) if fresh else []
                for warning in result.warnings if verbose else checked:
                    console.print(f"    [yellow]warning[/yellow] {escape(warning)}")

            result = build_campaign(
                item,
                project,
                output,
                only=only,
                jobs=jobs,
                on_result=report,
                force=force,
                final=final,
                profile=profile,
                limits=limits,
                on_wait=lambda message: console.print(f"  [yellow]{escape(message)}[/yellow]"),
            )
        failed += len(result.failed)
        _summary(result, time.monotonic() - started)
        if not quiet:
            _content_summary(result, item.path)
    if any_invalid:
        sys.exit(EXIT_INVALID)
    sys.exit(EXIT_POSTERS_FAILED if failed else EXIT_OK)


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
        console.print(f"  profile [bold]{setup.profile.name}[/bold]: {setup.profile.summary}{icc}")
    cards = sum(1 for r in outcomes if r.job.format.is_pixel)
    if cards:  # whatever the profile: screens take sRGB
        console.print(f"  {cards} social-media cards: sRGB PNG and JPEG, each with its post text")
    checked = [r.preflight for r in outcomes if r.preflight]
    if checked:
        passed = sum(1 for p in checked if p.get("ok"))
        with_warnings = sum(1 for p in checked if p.get("ok") and p.get("warnings"))
        failed_checks = len(checked) - passed
        shown = f"[red]{failed_checks} failed[/red]" if failed_checks else "0 failed"
        console.print(
            f"  preflight: {passed} passed ({with_warnings} with warnings), {shown}; "
            f"report: poster preflight {escape(str(result.folder))}"
        )
    console.print(f"  → {result.folder}")


def _content_summary(result, path: Path) -> None:
    """Contacts to check and texts awaiting review, once per campaign (not per poster)."""
    warnings = dict.fromkeys(w for r in result.results for w in r.contact_warnings)
    for warning in warnings:
        console.print(f"  [yellow]warning[/yellow] {escape(warning)}")
    drafts = [r for r in result.results if r.job.draft]
    if drafts:
        texts = dict.fromkeys(text for r in drafts for text in r.job.held_back)
        refused = sum(1 for r in drafts if r.refused)
        what = (
            f"{refused} posters refused by --final"
            if refused
            else f"{len(drafts)} posters marked DRAFT"
        )
        console.print(
            f"  [yellow]draft[/yellow]: {what}; {len(texts)} texts await review by native speakers"
        )
        if refused:
            for text in texts:
                console.print(f"    {escape(text)}")
        else:
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
            from .layout_check import check_layout

            problems = check_layout(item, project, only)
            for problem in problems:
                console.print(
                    f"[red]error[/red] {escape(problem.job.name)}: {escape(problem.message)}"
                )
            if problems:
                any_invalid = True
                continue
        console.print(f"[green]valid[/green] {item.path}", markup=True)
    sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)


@main.command(name="list")
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--only", multiple=True, metavar="FILTER", help="As for build.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@project_option
def list_posters(campaigns, only, as_json, project) -> None:
    """List the posters a build would make."""
    from .plan import plan

    loaded, any_invalid = _load_all(project, campaigns)
    rows = [(item.campaign.id, job) for item in loaded for job in plan(item.campaign, only)]
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
            table.add_row(
                cid,
                job.placement_id,
                job.design_id,
                job.format.label,
                " + ".join(job.languages),
                str(job.quantity),
            )
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
    from .preflight_cli import collect_targets, run_preflight

    try:
        files = collect_targets(targets, output, project)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if not files:
        console.print("nothing to check: build the posters first (poster build)")
        sys.exit(EXIT_POSTERS_FAILED)
    reports = run_preflight(files, profile)
    if as_json:
        data = [{"file": str(path), **report.as_dict()} for path, report in reports]
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
    from .status import COLUMNS, campaign_status

    loaded, any_invalid = _load_all(project, campaigns)
    reports = [campaign_status(item.campaign) for item in loaded]
    if as_json:
        out.print_json(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, default=str))
        sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)
    for report in reports:
        out.print(f"[bold]{report.campaign}[/bold] (source language: {report.source_language})")
        table = Table("language", "source", *COLUMNS, title="Texts", title_justify="left")
        for lang in report.languages:
            row = [str(lang.counts.get(c, "")) for c in ("source", *COLUMNS)]
            table.add_row(lang.lang, *row)
        out.print(table)
        for lang in report.languages:
            for problem in lang.problems:
                out.print(f"  [red]problem[/red] {lang.lang}: {escape(problem)}")
        table = Table(
            "contact", "number", "verified", "age", "state", title="Contacts", title_justify="left"
        )
        for c in report.contacts:
            age = "" if c.age_months is None else f"{c.age_months} months"
            colour = {"ok": "green", "old": "yellow"}.get(c.state, "red")
            table.add_row(c.id, c.number, str(c.verified or "never"), age,
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
            table.add_row(p.id, "+".join(p.languages), str(p.posters), ready, contacts)
        out.print(table)
        for p in report.placements if verbose else ():
            for line in (*p.held_back_by, *p.unverified):
                out.print(f"  {p.id}: {escape(line)}")
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
    from .output import write_atomically
    from .strings import StringsError, export_strings

    loaded, _ = _load_all(project, (str(campaign),))
    if not loaded:
        sys.exit(EXIT_INVALID)
    try:
        exported = export_strings(loaded[0], language)
    except StringsError as error:
        for problem in error.problems:
            console.print(f"[red]error[/red] {escape(problem)}")
        sys.exit(EXIT_INVALID)
    write_atomically(output, exported.po)
    for skipped in exported.skipped:
        console.print(f"[yellow]skipped[/yellow] {escape(skipped)}")
    console.print(f"{exported.entries} texts → {output}")


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
    from .strings import StringsError, import_strings

    loaded, _ = _load_all(project, (str(campaign),))
    if not loaded:
        sys.exit(EXIT_INVALID)
    try:
        result = import_strings(loaded[0], po_file, project, reviewed_by, dry_run=dry_run)
    except StringsError as error:
        for problem in error.problems:
            console.print(f"[red]refused[/red] {escape(problem)}")
        console.print(f"nothing changed in {campaign}")
        sys.exit(EXIT_INVALID)
    for change in result.changes:
        console.print(f"  {escape(change)}")
    if not result.changes:
        console.print(f"no changes: {campaign} is as it was")
    elif result.written:
        console.print(f"{len(result.changes)} changes written to {campaign}")
    else:
        console.print(f"{len(result.changes)} changes (dry run: nothing written)")
    if result.changes and not result.layout_kept:
        console.print(
            "[yellow]note[/yellow] the YAML library could not keep this file's exact layout: "
            "check the diff"
        )
    sys.exit(EXIT_OK)


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
        table.add_row(check.name, status, check.detail if check.ok else check.fix)
    out.print(table)
    sys.exit(EXIT_OK if all_ok else EXIT_POSTERS_FAILED)


if __name__ == "__main__":
    main()
