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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="poster-generator")
def main() -> None:
    """Print-ready bilingual awareness posters from campaign files."""


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Where the posters go.",
)
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
    campaigns, output, only, jobs, force, time_limit, memory_limit, quiet, verbose, project
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
                    console.print(
                        f"  [red]failed[/red] {result.job.name}: {escape(result.error or '')}"
                    )
                    if verbose and result.detail:
                        console.print(result.detail, markup=False)
                    return
                if verbose or (not quiet and not console.is_terminal):
                    state = "unchanged" if result.unchanged else "[green]built[/green]"
                    console.print(f"  {state} {result.file}")
                if verbose:
                    for warning in result.warnings:
                        console.print(f"    [yellow]warning[/yellow] {escape(warning)}")

            result = build_campaign(
                item,
                project,
                output,
                only=only,
                jobs=jobs,
                on_result=report,
                force=force,
                limits=limits,
                on_wait=lambda message: console.print(f"  [yellow]{escape(message)}[/yellow]"),
            )
        failed += len(result.failed)
        _summary(result, time.monotonic() - started)
        if item.campaign.review.translations != "reviewed":
            console.print("  [yellow]draft[/yellow]: translations await review by native speakers")
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
    console.print(f"  → {result.folder}")


@main.command()
@click.argument("campaigns", nargs=-1, type=click.Path(dir_okay=False))
@project_option
def validate(campaigns, project) -> None:
    """Check CAMPAIGNS without building anything."""
    loaded, any_invalid = _load_all(project, campaigns)
    for item in loaded:
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
        out.print(f"{len(rows)} posters, {sum(job.quantity for _, job in rows)} prints")
    sys.exit(EXIT_INVALID if any_invalid else EXIT_OK)


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
