"""One poster through the stages: pictures, HTML, PDF, prepress, preflight, written.

Runs in a worker: the stages that load the renderer are imported there, not in the
build's main process (an unchanged rebuild never loads WeasyPrint)."""

from __future__ import annotations

import traceback
from pathlib import Path

from ..campaign import Campaign
from ..campaign.languages import LANGUAGES
from ..errors import PosterFailure
from ..output.files import (
    OutputError,
    sha256,
    write_atomically,
)
from ..planning.plan import PosterJob
from ..prepress.profiles import PrintSetup, resolve_print
from .limits import LIMIT_ERRORS, Limits, out_of_memory, poster_limits
from .results import PosterResult


def build_poster(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    inputs: str | None = None,
    print_setup: PrintSetup | None = None,
    fits: dict | None = None,
    limits: Limits | None = None,
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    from ..preflight import read_back  # noqa: F401  (loaded, like the renderer, before the limits)
    from ..typeset.pdf import font_config

    setup = print_setup or resolve_print(campaign, project, "digital")
    LANGUAGES.declare(campaign.language_declarations())  # their fonts join the renderer's
    font_config()  # the renderer's start-up is not the poster's: before the limits
    try:
        with poster_limits(limits):
            result = _build_poster(job, campaign, project, folder, setup, fits or {})
    except LIMIT_ERRORS as error:
        result = PosterResult(job, False, error=(limits or Limits()).describe(error))
    result.inputs = inputs
    result.profile = "digital" if job.format.is_pixel else setup.profile.name  # cards: sRGB
    return result


def seed_fits(
    seed: PosterJob,
    campaign: Campaign,
    project: Path,
    setup: PrintSetup,
    limits: Limits | None = None,
) -> dict:
    """The scales a family's seed needs, when the seed itself is not being built."""
    from ..render.social import context_type
    from ..typeset.pdf import font_config, render_poster

    LANGUAGES.declare(campaign.language_declarations())
    font_config()
    make = context_type(seed)  # a social-media card sets its lead number large
    try:
        with poster_limits(limits):
            return render_poster(make(seed, campaign, project, print_setup=setup)).fits
    except Exception:  # the seed's own build reports its problem; start from scratch
        return {}


def _build_poster(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    setup: PrintSetup,
    fits: dict,
) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from ..output.proofs import render_previews
    from ..preflight import preflight
    from ..preflight.text_layer import printed_texts
    from ..prepress.prepress import prepress
    from ..render.asset_check import check_job_pictures, drawing_failures
    from ..render.images import check_pictures
    from ..render.social import build_card
    from ..render.templating import PosterContext, template_pages
    from ..typeset.actualtext import recording
    from ..typeset.layout import describe_fits
    from ..typeset.pdf import (  # WeasyPrint loads here, in the worker
        FitError,
        render_poster,
    )

    try:
        # Every picture verified before layout: the renderer would drop a broken one.
        broken = check_job_pictures(job, campaign, project)
        if broken:
            return PosterResult(job, False, error="; ".join(map(str, broken)))
        if job.format.is_pixel:  # a social-media card: PNG, JPEG and post text, no PDF
            return build_card(job, campaign, project, folder, fits)
        pages = template_pages(project, job.template)
        context = PosterContext(job, campaign, project, dict(fits), print_setup=setup)
        # The lines the PDF prints are recorded for the text-layer check.
        with drawing_failures() as failures, recording() as drawn:
            rendered = render_poster(context, expected_pages=pages)
        if failures:  # never a poster with a picture silently left out
            failed = "; ".join(dict.fromkeys(failures))
            return PosterResult(job, False, error=f"a picture could not be drawn: {failed}")
        prepared = prepress(rendered.pdf, job.format, setup)
        report = preflight(
            prepared.pdf,
            job.format,
            expected_pages=pages,
            profile=setup.profile,
            texts=printed_texts(context.printed_texts(), drawn),
        )
        warnings = list(report.warnings) + prepared.notes
        warnings += describe_fits(rendered.fits)
        # Images too coarse for print, a QR code too small to scan.
        picture_errors, picture_warnings = check_pictures(context, rendered)
        warnings += picture_warnings
        errors = (["preflight: " + "; ".join(report.errors)] if report.errors else []) + (
            picture_errors
        )
        if errors:
            reasons = {"preflight": list(report.errors)} if report.errors else {}
            reasons |= {"pictures": picture_errors} if picture_errors else {}
            return PosterResult(
                job, False, error="; ".join(errors), warnings=warnings,
                preflight=report.summary(), reasons=reasons,
            )  # fmt: skip
        write_atomically(folder / job.filename, prepared.pdf)
        render_previews(folder, job.filename, prepared.pdf)  # here, in parallel
        return PosterResult(
            job,
            True,
            job.filename,
            rendered.pages,
            sha256(prepared.pdf),
            None,
            warnings,
            report.summary(),
            fits=rendered.fits,
        )
    except PosterFailure as error:
        fit = isinstance(error, FitError)
        return PosterResult(
            job, False, error=str(error), field=error.field,
            reasons={"fit": [str(error)]} if fit else {},
        )  # fmt: skip
    except OutputError as error:  # disk full, read-only folder: the path and what to do
        return PosterResult(job, False, error=str(error))
    except TemplateSyntaxError as error:
        where = f"templates/{error.name}:{error.lineno}" if error.name else f"line {error.lineno}"
        return PosterResult(job, False, error=f"template error in {where}: {error.message}")
    except TemplateError as error:
        where = template_frame(error) or f"template '{job.template}'"
        return PosterResult(job, False, error=f"template error in {where}: {error}")
    except Exception as error:  # one poster's bug must not stop the others
        if out_of_memory(error):  # a limit: build_poster reports it once memory is free again
            raise MemoryError(str(error)) from error
        return PosterResult(
            job,
            False,
            error=f"unexpected {type(error).__name__}: {error}",
            detail=traceback.format_exc(),
        )


def template_frame(error: BaseException) -> str | None:
    """Where in a template an error arose: Jinja puts template lines in the traceback."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2"):
            name = frame.filename.split("/templates/")[-1]
            found = f"templates/{name}:{frame.lineno}"
    return found
