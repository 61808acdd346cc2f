"""The officer pages (``/verwaltung``): sign in with a write token, the desk, a graph's versions
with their differences, and undo. Upload, preview and publish are in ``officer_upload.py``.

Every page needs a session (``officer_session.py``); every form post is checked for its site
and its CSRF token before anything else happens. German first, English with ``?lang=en``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from sozialgraph.auth_session import Session, new_secret
from sozialgraph.errors import Forbidden, Unauthorized
from sozialgraph.ingest.graph_versions import (
    graph_versions,
    import_prefix,
    restore,
    version_changes,
    written_graphs,
)
from sozialgraph.ingest.importer import import_graph_iri
from sozialgraph.readmodel.officer_text import OFFICER_TEXT
from sozialgraph.web import officer_session as sessions
from sozialgraph.web.dependencies import Reader, SettingsDep, Templates, Writes
from sozialgraph.web.languages import ui_language

router = APIRouter(
    prefix="/verwaltung",
    tags=["Officer pages"],
    include_in_schema=False,
    lifespan=sessions.lifespan,
)

SIGN_IN_MINUTES = 30


def lang_query(request: Request) -> str:
    """``?lang=en`` to keep on links and form targets when the page is in English."""
    return "?lang=en" if ui_language(request) == "en" else ""


def render(
    request: Request,
    templates: Any,
    template: str,
    status: int = 200,
    session: Session | None = None,
    **values: Any,
) -> Response:
    lang = ui_language(request)
    context = {
        "lang": lang,
        "t": OFFICER_TEXT[lang],
        "q": lang_query(request),
        "session": session,
        "ends": dt.datetime.fromtimestamp(session.expires, dt.UTC).strftime("%H:%M UTC")
        if session
        else None,
        **values,
    }
    response: Response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def to(request: Request, path: str) -> RedirectResponse:
    response = RedirectResponse(path + lang_query(request), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/anmelden")
async def sign_in_form(request: Request, templates: Templates, settings: SettingsDep) -> Response:
    if sessions.current(request) is not None:
        return to(request, "/verwaltung")
    return _sign_in_page(request, templates, settings)


def _sign_in_page(
    request: Request,
    templates: Any,
    settings: Any,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    nonce = new_secret()
    response = render(
        request, templates, "officer_sign_in.html", status, nonce=nonce, errors=errors or {}
    )
    sessions.set_cookie(
        response, request, sessions.SIGN_IN_COOKIE, nonce, SIGN_IN_MINUTES * 60, settings
    )
    return response


@router.post("/anmelden")
async def sign_in(
    request: Request, templates: Templates, settings: SettingsDep, writes: Writes
) -> Response:
    sessions.check_same_site(request)
    form = await sessions.read_form(request)
    sessions.check_csrf(form.fields.get("csrf"), request.cookies.get(sessions.SIGN_IN_COOKIE, ""))
    t = OFFICER_TEXT[ui_language(request)]
    token = form.fields.get("token", "")
    if not token.strip():
        return _sign_in_page(request, templates, settings, {"token": t["token_missing"]}, 400)
    try:
        agent = sessions.sign_in_agent(request, writes, token)
    except (Unauthorized, Forbidden) as error:
        errors = {"token": t["token_wrong"]}
        return _sign_in_page(request, templates, settings, errors, error.status)
    store = sessions.sessions(request)
    store.end(request.cookies.get(sessions.COOKIE))
    session_id, _ = store.create(agent)
    response = to(request, "/verwaltung")
    sessions.set_cookie(
        response, request, sessions.COOKIE, session_id, settings.session_minutes * 60, settings
    )
    sessions.clear_cookie(response, request, sessions.SIGN_IN_COOKIE, settings)
    return response


@router.post("/abmelden")
async def sign_out(request: Request, settings: SettingsDep) -> Response:
    sessions.check_same_site(request)
    session = sessions.current(request)
    form = await sessions.read_form(request)
    if session is not None:
        sessions.check_csrf(form.fields.get("csrf"), session.csrf)
        sessions.sessions(request).end(request.cookies.get(sessions.COOKIE))
    response = to(request, "/verwaltung/anmelden")
    sessions.clear_cookie(response, request, sessions.COOKIE, settings)
    return response


@router.get("")
async def desk(request: Request, templates: Templates, ctx: Reader) -> Response:
    session = sessions.current(request)
    if session is None:
        return to(request, "/verwaltung/anmelden")
    return await desk_page(request, templates, ctx, session)


async def desk_page(
    request: Request,
    templates: Any,
    ctx: Any,
    session: Session,
    errors: dict[str, str] | None = None,
    status: int = 200,
    graph: str = "",
    oparl_url: str = "",
) -> Response:
    """The desk: template, upload and OParl forms (with ``errors`` by field), the graphs."""
    graphs = await written_graphs(ctx)
    return render(
        request,
        templates,
        "officer_desk.html",
        status,
        session,
        graphs=graphs,
        errors=errors or {},
        graph=graph,
        oparl_url=oparl_url,
    )


def graph_of(settings: Any, name: str) -> str:
    return import_graph_iri(settings.base_iri, name)


@router.get("/graphen/{name}")
async def graph_page(
    request: Request,
    templates: Templates,
    ctx: Reader,
    writes: Writes,
    name: str,
    von: str | None = None,
    bis: str | None = None,
) -> Response:
    session = sessions.current(request)
    if session is None:
        return to(request, "/verwaltung/anmelden")
    graph = graph_of(writes.settings, name)
    versions = await graph_versions(ctx, graph)
    known = {v.activity for v in versions}
    after = bis if bis in known else versions[0].activity
    position = next(i for i, v in enumerate(versions) if v.activity == after)
    before = von if von in known else None
    if before is None and position + 1 < len(versions):
        before = versions[position + 1].activity
    lang = ui_language(request)
    changes = await asyncio.to_thread(version_changes, writes.writer, graph, before, after, lang)
    return render(
        request,
        templates,
        "officer_graph.html",
        200,
        session,
        name=name,
        graph=graph,
        prefix=import_prefix(writes.settings.base_iri),
        versions=versions,
        before=before,
        after=after,
        times={v.activity: v.ended[:19].replace("T", " ") for v in versions},
        changes=changes,
        done=request.query_params.get("erledigt"),
    )


@router.post("/graphen/{name}/wiederherstellen")
async def undo(request: Request, writes: Writes, name: str) -> Response:
    """Restore an earlier version: a new write of its content, through the gate."""
    sessions.check_same_site(request)
    session = sessions.require(request)
    form = await sessions.read_form(request)
    sessions.check_csrf(form.fields.get("csrf"), session.csrf)
    graph = graph_of(writes.settings, name)
    activity = form.fields.get("version", "")[:100]
    result = await writes.run(lambda: restore(writes.writer, graph, activity, agent=session.agent))
    query = lang_query(request)
    mark = ("&" if query else "?") + f"erledigt=restored&bis={result.activity_id}"
    slug = graph.rsplit("/", 1)[-1]
    return RedirectResponse(f"/verwaltung/graphen/{slug}{query}{mark}", status_code=303)
