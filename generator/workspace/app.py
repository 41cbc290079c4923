"""The workspace's web application: Starlette routes rendering Jinja2 pages for htmx.

Every page is made on the server; htmx (shipped in ``static/``) swaps the
parts that change. A request names campaigns, posters, texts, languages and
contacts by their ids, each looked up in the loaded campaign: nothing from a
request becomes a path. Writes go through ``edits`` (the CLI's rules and
located messages); ``security.Guard`` checks host, token, CSRF and size first.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..campaign.content import (
    MISSING,
    budget,
    campaign_texts,
    contact_state,
    placement_contacts,
    poster_text_ids,
    script_problem,
    text_problems,
    text_state,
    text_width,
)
from ..campaign.languages import LANGUAGES
from ..output.files import read_manifest
from ..planning.plan import DRAFT_SUFFIX, PosterJob
from . import builds as builds_module
from .builds import Builds, NotReady
from .edits import (
    Conflict,
    Refused,
    change_text,
    clean_line,
    review_note,
    save_source,
    text_base,
)
from .edits import verify_contact as record_verification
from .render import Renderer, thumbnail_png
from .security import BodyTooLarge, Guard, Settings
from .state import CampaignFile, Workspace
from .uploads import FOLDERS, UploadRefused, store_upload

LOGGER = logging.getLogger("generator.workspace")
STATIC = Path(__file__).parent / "static"
STATUS_FILTERS = ("draft", "final", "failed")
TEXT_STATES = ("draft", "translated", "reviewed", "stale", "missing")


def poster_id(job: PosterJob) -> str:
    """A poster's name that stays when it loses its DRAFT mark."""
    return job.name.removesuffix(DRAFT_SUFFIX)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("generator.workspace", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["poster_id"] = poster_id
    env.globals["language_name"] = lambda code: LANGUAGES[code].name if code in LANGUAGES else code
    env.filters["langs"] = lambda codes: " + ".join(codes)
    return env


def attempt(change) -> tuple[str | None, list[str], str | None, int]:
    """Make a change (in a worker thread: the server answers others meanwhile; two saves at
    once are told apart by the file's hash): (what changed, the refusal's located problems,
    the conflict, the status to answer with)."""
    try:
        return change() or "no change: the file is as it was", [], None, 200
    except Refused as error:
        return None, error.problems, None, 422
    except Conflict as error:
        return None, [], str(error), 409


class App:
    """The state behind the routes: the workspace, its renderer and its builds."""

    def __init__(self, ws: Workspace, settings: Settings):
        self.ws = ws
        self.settings = settings
        self.renderer = Renderer(ws.project)
        self.builds = Builds(ws)
        self.env = _environment()

    # --- helpers ---------------------------------------------------------------------

    def page(self, request: Request, name: str, status_code: int = 200, headers=None, **values):
        """The page (or fragment) ``name``; ``values`` are the template's."""
        html = self.env.get_template(name).render(
            request=request,
            csrf=self.settings.csrf,
            version=self.version(),
            campaigns=list(self.ws.files.values()),
            **values,
        )
        return HTMLResponse(html, status_code, headers=headers)

    def version(self) -> str:
        return self.ws.version_key()

    def entry(self, request: Request) -> CampaignFile:
        entry = self.ws.get(request.path_params["campaign"])
        if entry is None:
            raise HTTPException(404, "No such campaign in this workspace.")
        return entry

    def loaded_entry(self, request: Request) -> CampaignFile:
        entry = self.entry(request)
        if entry.loaded is None:
            raise HTTPException(409, "The campaign file does not load: see its problems.")
        return entry

    def job(self, entry: CampaignFile, request: Request) -> PosterJob:
        wanted = request.path_params["poster"]
        job = next((j for j in entry.jobs() if poster_id(j) == wanted), None)
        if job is None:
            raise HTTPException(404, "No such poster in this campaign.")
        return job

    def saved(self, entry: CampaignFile, message: str | None) -> dict:
        """The headers telling the page a save happened: the new file hash, the version."""
        detail = {"sha": entry.sha256, "version": self.version(), "message": message or ""}
        return {"HX-Trigger": json.dumps({"campaignSaved": detail})}

    # --- pages ---------------------------------------------------------------------

    async def home(self, request: Request):
        files = list(self.ws.files.values())
        if len(files) == 1:
            return RedirectResponse(f"/c/{files[0].key}", 303)
        return self.page(request, "home.html.j2")

    async def overview(self, request: Request):
        entry = self.entry(request)
        if entry.loaded is None:
            return self.page(request, "broken.html.j2", entry=entry)
        query = request.query_params
        filters = {k: query.get(k, "") for k in ("placement", "language", "design", "status")}
        manifest = {
            item.file: item for item in read_manifest(self.ws.output / entry.campaign.id).posters
        }
        cards = []
        for job in entry.jobs():
            preview = self.renderer.cached(entry.loaded, job)
            state = "failed" if preview and not preview.ok else ("draft" if job.draft else "final")
            built = manifest.get(job.filename)
            card = {
                "job": job,
                "state": state,
                "held_back": list(job.held_back),
                "preview": preview,
                "built": built,
            }
            if (
                (filters["placement"] and job.placement_id != filters["placement"])
                or (filters["language"] and filters["language"] not in job.languages)
                or (filters["design"] and job.design_id != filters["design"])
                or (filters["status"] and state != filters["status"])
            ):
                continue
            cards.append(card)
        campaign = entry.campaign
        options = {
            "placement": [p.id for p in campaign.placements],
            "language": entry.languages(),
            "design": [d.id for d in campaign.designs],
            "status": list(STATUS_FILTERS),
        }
        return self.page(
            request, "overview.html.j2", entry=entry, cards=cards, filters=filters,
            options=options, build=self.builds.current.get(entry.key),
            contacts=self.contact_rows(entry),
        )  # fmt: skip

    async def poster(self, request: Request):
        entry = self.loaded_entry(request)
        job = self.job(entry, request)
        return self.page(request, "poster.html.j2", entry=entry, job=job,
                         texts=self.poster_texts(entry, job))  # fmt: skip

    def poster_texts(self, entry: CampaignFile, job: PosterJob) -> list[dict]:
        campaign = entry.campaign
        texts = campaign_texts(campaign)
        rows = []
        for text_id in self.poster_text_ids(entry, job):
            for lang in job.languages:
                state = text_state(campaign, texts[text_id], lang)
                if state.state != MISSING:
                    rows.append({"id": text_id, "lang": lang, "state": state,
                                 "value": texts[text_id].texts[lang]})  # fmt: skip
        return rows

    async def frame(self, request: Request):
        """The preview with its clickable texts (a fragment, swapped after each edit)."""
        entry = self.loaded_entry(request)
        job = self.job(entry, request)
        assert entry.loaded is not None  # loaded_entry refuses a file that does not load
        preview = await run_in_threadpool(self.renderer.preview, entry.loaded, job)
        highlight = request.query_params.get("highlight", "")
        return self.page(request, "frame.html.j2", entry=entry, job=job, preview=preview,
                         highlight=highlight, mode=request.query_params.get("mode", "edit"))  # fmt: skip

    async def page_png(self, request: Request):
        entry = self.loaded_entry(request)
        job = self.job(entry, request)
        assert entry.loaded is not None  # loaded_entry refuses a file that does not load
        preview = await run_in_threadpool(self.renderer.preview, entry.loaded, job)
        number = request.path_params["page"]
        if not preview.ok or not 1 <= number <= len(preview.pages):
            raise HTTPException(404, "No such page (the poster could not be made).")
        return Response(preview.pages[number - 1], media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip

    async def thumbnail(self, request: Request):
        entry = self.loaded_entry(request)
        job = self.job(entry, request)
        built = await run_in_threadpool(builds_module.built_preview, self.ws, entry, job)
        if built is not None:  # the last build is of the campaign as it is: its picture
            data = await run_in_threadpool(thumbnail_png, built.read_bytes())
            return Response(data, media_type="image/png", headers={"Cache-Control": "no-cache"})
        assert entry.loaded is not None  # loaded_entry refuses a file that does not load
        preview = await run_in_threadpool(self.renderer.preview, entry.loaded, job, False)
        if not preview.ok:
            return Response(status_code=204)
        data = await run_in_threadpool(preview.thumbnail)
        return Response(data, media_type="image/png", headers={"Cache-Control": "no-cache"})

    # --- texts ---------------------------------------------------------------------

    def cell(self, entry: CampaignFile, text_id: str, lang: str, value: str | None = None) -> dict:
        """Everything a text's editor shows: source, status, reviewer, budget, checks."""
        campaign = entry.campaign
        text = campaign_texts(campaign)[text_id]
        current = text.texts.get(lang)
        shown = current if value is None else value
        state = text_state(campaign, text, lang)
        problems = text_problems(campaign, text, lang, shown) if shown is not None else []
        return {
            "id": text_id,
            "lang": lang,
            "text": text,
            "value": shown or "",
            "state": state,
            "source_lang": campaign.source_language,
            "source": text.texts.get(campaign.source_language),
            "is_source": lang == campaign.source_language,
            "width": text_width(shown or ""),
            "budget": budget(text),
            "script": script_problem(shown, lang) if shown else None,
            "problems": problems,
            "used_by": text.used_by,
            "base": text_base(entry, text_id, lang),
        }

    def text_params(self, entry: CampaignFile, request: Request) -> tuple[str, str]:
        text_id, lang = request.path_params["text"], request.path_params["lang"]
        if text_id not in campaign_texts(entry.campaign) or lang not in LANGUAGES:
            raise HTTPException(404, "No such text or language in this campaign.")
        return text_id, lang

    async def texts(self, request: Request):
        entry = self.loaded_entry(request)
        languages = entry.languages()
        wanted = request.query_params.get("language", "")
        shown = [wanted] if wanted in languages else languages
        shown = list(dict.fromkeys([entry.campaign.source_language, *shown]))
        status = request.query_params.get("status", "")
        status = status if status in TEXT_STATES else ""
        rows = [
            [self.cell(entry, text_id, lang) for lang in shown]
            for text_id in campaign_texts(entry.campaign)
        ]
        if status:  # the texts with a translation in that state, for a translator's round
            rows = [row for row in rows if any(c["state"].state == status for c in row[1:])]
        return self.page(request, "texts.html.j2", entry=entry, rows=rows, shown=shown,
                         languages=languages, wanted=wanted, wanted_state=status,
                         states=TEXT_STATES)  # fmt: skip

    async def editor(self, request: Request):
        entry = self.loaded_entry(request)
        text_id, lang = self.text_params(entry, request)
        return self.page(request, "editor.html.j2", entry=entry, cell=self.cell(entry, text_id, lang),
                         message=None, problems=[], conflict=None)  # fmt: skip

    async def check(self, request: Request):
        """The live check as one types: width against the budget, script, placeholders."""
        entry = self.loaded_entry(request)
        text_id, lang = self.text_params(entry, request)
        form = await request.form()
        value = str(form.get("value", ""))
        return self.page(request, "check.html.j2", cell=self.cell(entry, text_id, lang, value))

    async def save_text(self, request: Request):
        entry = self.loaded_entry(request)
        text_id, lang = self.text_params(entry, request)
        form = await request.form()
        value = form.get("value")
        if not isinstance(value, str):
            raise HTTPException(400, "Malformed request: no text value.")
        return await self._change(request, entry, text_id, lang, str(form.get("sha", "")),
                                  "editor.html.j2", value=value,
                                  base=str(form.get("base", "")))  # fmt: skip

    async def _change(self, request, entry, text_id, lang, sha, template, poster="", **change):
        outcome = await run_in_threadpool(
            attempt, lambda: change_text(self.ws, entry, text_id, lang, sha, **change)
        )
        message, problems, conflict, status = outcome
        value = change.get("value") if status != 200 else None
        headers = self.saved(entry, message) if status == 200 else None
        cell = self.cell(entry, text_id, lang, value)
        page_sha = ""
        if status == 409:  # the form stays as it was: saving again conflicts again, until reload
            page_sha, cell["base"] = sha, change.get("base", "")
        values = {"entry": entry, "cell": cell, "page_sha": page_sha,
                  "reviewer": change.get("reviewer") or "", "poster": poster}  # fmt: skip
        response = self.page(request, template, status, headers, message=message,
                             problems=problems, conflict=conflict, **values)  # fmt: skip
        if status == 200 and poster:
            # The same text on the review page's other posters: their forms show it too.
            others = [
                poster_id(job)
                for job in entry.jobs()
                if poster_id(job) != poster
                and lang in job.languages
                and text_id in self.poster_text_ids(entry, job)
            ]
            copies = "".join(
                self.env.get_template(template).render(
                    message=None,
                    problems=[],
                    conflict=None,
                    oob=True,
                    **{**values, "poster": other},
                )
                for other in others
            )
            response = HTMLResponse(response.body.decode() + copies, status, headers=headers)
        return response

    def poster_text_ids(self, entry: CampaignFile, job: PosterJob) -> list[str]:
        placement = entry.campaign.placement(job.placement_id)
        return poster_text_ids(entry.campaign, placement, job.design_id)

    # --- review ----------------------------------------------------------------------

    async def review(self, request: Request):
        entry = self.loaded_entry(request)
        campaign = entry.campaign
        languages = [lang for lang in entry.languages() if lang != campaign.source_language]
        lang = request.query_params.get("language", "")
        lang = lang if lang in languages else (languages[0] if languages else "")
        reviewer = request.query_params.get("reviewer", "")[:200]
        posters = []
        for job in entry.jobs():
            if lang not in job.languages:
                continue
            cells = [
                self.cell(entry, row["id"], lang)
                for row in self.poster_texts(entry, job)
                if row["lang"] == lang
            ]
            posters.append({"job": job, "cells": cells})
        return self.page(request, "review.html.j2", entry=entry, languages=languages, lang=lang,
                         reviewer=reviewer, posters=posters)  # fmt: skip

    async def decide(self, request: Request):
        entry = self.loaded_entry(request)
        text_id, lang = self.text_params(entry, request)
        form = await request.form()
        decision = str(form.get("decision", ""))
        if decision not in ("approve", "send-back"):
            raise HTTPException(400, "Malformed request: decide approve or send-back.")
        try:
            reviewer = clean_line(str(form.get("reviewer", "")), "your name", 200)
            comment = clean_line(str(form.get("comment", "")), "comment", 500, required=False)
        except Refused as error:
            return self.page(request, "decision.html.j2", 422, entry=entry,
                             cell=self.cell(entry, text_id, lang), message=None,
                             problems=error.problems, conflict=None, reviewer="",
                             poster=str(form.get("poster", "")))  # fmt: skip
        note = review_note(decision, reviewer, self.ws.today(), comment)
        change: dict[str, object]  # keyword arguments of _change
        if decision == "approve":
            change = {"reviewer": reviewer, "note": note}
        else:
            change = {"draft": True, "note": note}
        change["base"] = str(form.get("base", ""))
        poster = str(form.get("poster", ""))
        if poster and not any(poster_id(job) == poster for job in entry.jobs()):
            raise HTTPException(400, "Malformed request: no such poster.")
        return await self._change(request, entry, text_id, lang, str(form.get("sha", "")),
                                  "decision.html.j2", poster=poster, **change)  # fmt: skip

    # --- contacts --------------------------------------------------------------------

    def contact_rows(self, entry: CampaignFile) -> list[dict]:
        campaign = entry.campaign
        today = self.ws.today()
        max_age = campaign.review.contact_max_age_months
        rows = []
        shown_on = {
            placement.id: {c.id for c in placement_contacts(campaign, placement)}
            for placement in campaign.placements
        }
        for contact in campaign.contacts:
            state = contact_state(contact, today, max_age)
            places = [place for place, ids in shown_on.items() if contact.id in ids]
            rows.append({"contact": contact, "state": state, "places": places,
                         "note": "" if state.state == "ok" else state.describe()})  # fmt: skip
        return rows

    async def contacts(self, request: Request):
        entry = self.loaded_entry(request)
        return self.page(request, "contacts.html.j2", entry=entry, rows=self.contact_rows(entry),
                         max_age=entry.campaign.review.contact_max_age_months, message=None,
                         problems=[], conflict=None)  # fmt: skip

    async def verify(self, request: Request):
        entry = self.loaded_entry(request)
        contact_id = request.path_params["contact"]
        form = await request.form()
        message, problems, conflict, status = await run_in_threadpool(
            attempt,
            lambda: record_verification(self.ws, entry, contact_id, str(form.get("person", "")),
                                        str(form.get("note", "")), str(form.get("sha", "")))
        )  # fmt: skip
        headers = self.saved(entry, message) if status == 200 else None
        return self.page(request, "contacts_table.html.j2", status, headers, entry=entry,
                         rows=self.contact_rows(entry),
                         max_age=entry.campaign.review.contact_max_age_months if entry.campaign else 12,
                         message=message, problems=problems, conflict=conflict)  # fmt: skip

    # --- the file itself -------------------------------------------------------------

    async def source(self, request: Request):
        entry = self.entry(request)
        text = (
            entry.loaded.source
            if entry.loaded
            else entry.path.read_bytes().decode("utf-8", "replace")
        )
        return self.page(request, "source.html.j2", entry=entry, text=text, problems=entry.problems,
                         message=None, conflict=None, folders=list(FOLDERS))  # fmt: skip

    async def save_file(self, request: Request):
        entry = self.entry(request)
        form = await request.form()
        upload = form.get("file")
        if upload is not None and hasattr(upload, "read"):
            raw = await upload.read()
        elif isinstance(text := form.get("text"), str):
            raw = text.replace("\r\n", "\n").encode("utf-8")
        else:
            raise HTTPException(400, "Malformed request: no file text.")
        message, problems, conflict, status = await run_in_threadpool(
            attempt,
            lambda: "saved" if save_source(self.ws, entry, raw, str(form.get("sha", ""))) else None,
        )
        headers = self.saved(entry, message) if status == 200 else None
        return self.page(request, "source_result.html.j2", status, headers, entry=entry,
                         problems=problems, conflict=conflict, message=message)  # fmt: skip

    async def upload(self, request: Request):
        self.entry(request)
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):  # None, or a text field
            raise HTTPException(400, "Malformed request: no file.")
        data = await upload.read()
        try:
            path = await run_in_threadpool(store_upload, self.ws.project,
                                           str(form.get("folder", "")), upload.filename or "", data)  # fmt: skip
        except UploadRefused as error:
            return self.page(request, "upload_result.html.j2", 422, path=None, problem=str(error))
        self.ws.changed_elsewhere()
        return self.page(request, "upload_result.html.j2", path=path, problem=None)

    # --- build and download --------------------------------------------------------

    async def start_build(self, request: Request):
        entry = self.loaded_entry(request)
        build = self.builds.start(entry)
        return self.page(request, "build.html.j2", entry=entry, build=build)

    async def build_status(self, request: Request):
        entry = self.entry(request)
        return self.page(request, "build.html.j2", entry=entry,
                         build=self.builds.current.get(entry.key), polled=True)  # fmt: skip

    async def package(self, request: Request):
        entry = self.loaded_entry(request)
        makers = {"print": builds_module.print_package, "proofs": builds_module.proof_package}
        make = makers.get(request.path_params["kind"])
        if make is None:
            raise HTTPException(404, "No such download: print.zip or proofs.zip.")
        try:
            package = await run_in_threadpool(make, self.ws, entry)
        except NotReady as error:
            return self.page(request, "message.html.j2", 409, title="Nothing to download",
                             message=str(error), entry=entry)  # fmt: skip
        return Response(package.data, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{package.name}"'})  # fmt: skip

    async def changes(self, request: Request):
        self.ws.refresh()
        return JSONResponse({"version": self.version()}, headers={"Cache-Control": "no-store"})


def create_app(
    ws: Workspace, settings: Settings | None = None, watch: bool = False, warm: bool = False
):
    """The ASGI application serving ``ws``; ``watch``: follow changes on disk (watchfiles)."""
    settings = settings or Settings()
    app_state = App(ws, settings)
    a = app_state
    campaign = "/c/{campaign}"
    text = campaign + "/texts/{text}/{lang}"
    poster = campaign + "/p/{poster}"
    routes = [
        Route("/", a.home),
        Route("/changes", a.changes),
        Route(campaign, a.overview),
        Route(campaign + "/texts", a.texts),
        Route(text, a.editor),
        Route(text, a.save_text, methods=["POST"]),
        Route(text + "/check", a.check, methods=["POST"]),
        Route(text + "/review", a.decide, methods=["POST"]),
        Route(campaign + "/review", a.review),
        Route(campaign + "/contacts", a.contacts),
        Route(campaign + "/contacts/{contact}/verify", a.verify, methods=["POST"]),
        Route(campaign + "/source", a.source),
        Route(campaign + "/source", a.save_file, methods=["POST"]),
        Route(campaign + "/assets", a.upload, methods=["POST"]),
        Route(campaign + "/build", a.start_build, methods=["POST"]),
        Route(campaign + "/build", a.build_status),
        Route(campaign + "/download/{kind:str}.zip", a.package),
        Route(poster, a.poster),
        Route(poster + "/frame", a.frame),
        Route(poster + "/page/{page:int}.png", a.page_png),
        Route(poster + "/thumbnail.png", a.thumbnail),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    async def http_error(request: Request, error: HTTPException):
        if request.headers.get("hx-request"):  # swapped into a part of the page: just the words
            return a.page(request, "outcome.html.j2", error.status_code, problems=[error.detail],
                          conflict=None, message=None)  # fmt: skip
        return a.page(request, "message.html.j2", error.status_code, title="Not possible",
                      message=error.detail, entry=None)  # fmt: skip

    async def unexpected(request: Request, error: Exception):
        if isinstance(error, BodyTooLarge):
            return Response("Too large.", 413, media_type="text/plain")
        error_id = uuid.uuid4().hex[:10]
        LOGGER.error("error %s on %s %s", error_id, request.method, request.url.path,
                     exc_info=error)  # fmt: skip
        return Response(
            f"Something went wrong in the workspace (error {error_id}). Nothing was written. "
            "The details are in the server's log under that id.",
            500, media_type="text/plain; charset=utf-8",
        )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_app):
        if warm:
            threading.Thread(target=a.renderer.warm_up, daemon=True).start()
        stop = threading.Event()
        if watch:
            from .watch import start_watching

            start_watching(ws, stop)
        try:
            yield
        finally:
            stop.set()

    starlette = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: unexpected},  # type: ignore[dict-item]  # Starlette types a handler as taking any Exception
        lifespan=lifespan,
    )
    starlette.state.workspace = a
    guarded = Guard(starlette, settings)
    guarded.state = a  # for tests and the command: the routes' state
    return guarded
