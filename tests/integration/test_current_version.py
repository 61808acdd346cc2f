"""One definition of a strategy's current version: the pages and ``/api/fields`` agree (Jena)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, live_server

BASE = "https://w3id.org/sozialgraph/"
#: Jena's strategies: one whose current version lists fields (its former version had one more),
#: the others with no fields of action in the graph (yet).
STRATEGIES = (
    "jena/strategie/armutspraeventionsstrategie",
    "jena/strategie/integrationskonzept",
    "jena/strategie/10-punkte-aktionsplan-gegen-rassismus",
    "jena/strategie/kommunale-sozialstrategie",
)
_FIELD_LIST = re.compile(r'<ol class="fields">(.*?)</ol>', re.DOTALL)
_HREF = re.compile(r'<a href="([^"]+)"')


@pytest.fixture(scope="module")
def server(jena_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("current-version") / "store"
    shutil.copytree(jena_store_dir, copy, symlinks=True)
    with live_server(copy) as live:
        yield live


def html(server: LiveServer, path: str) -> str:
    response = httpx.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def api_shown_fields(server: LiveServer, strategy: str) -> set[str]:
    """The paths of the fields ``/api/fields`` marks as in the strategy's current version, or
    of all its fields when its current version lists none."""
    response = httpx.get(
        server.url + "/api/fields", params={"strategy": BASE + strategy}, timeout=30
    )
    assert response.status_code == 200, response.text
    fields = response.json()
    current = {f["iri"] for f in fields if f["in_current_version"]}
    return {"/" + iri.removeprefix(BASE) for iri in current or {f["iri"] for f in fields}}


def field_links(fragment: str) -> set[str]:
    found = _FIELD_LIST.search(fragment)
    return set(_HREF.findall(found[1])) if found else set()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_page_shows_the_fields_api_marks_current(
    server: LiveServer, strategy: str
) -> None:
    expected = api_shown_fields(server, strategy)
    assert field_links(html(server, "/" + strategy)) == expected


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_start_page_shows_the_fields_api_marks_current(server: LiveServer, strategy: str) -> None:
    page = html(server, "/")
    card = re.split(r"<h[23]", page.split(f'<a href="/{strategy}"', 1)[1], maxsplit=1)[0]
    assert field_links(card) == api_shown_fields(server, strategy)


def test_the_current_version_lists_seven_fields(server: LiveServer) -> None:
    assert len(api_shown_fields(server, STRATEGIES[0])) == 7
    assert "Handlungsfelder der aktuellen Fassung" in html(server, "/" + STRATEGIES[0])


def test_a_field_of_a_former_version_is_shown_nowhere(server: LiveServer) -> None:
    former = "/jena/handlungsfeld/armutspraeventionsstrategie/migration"
    assert former not in api_shown_fields(server, STRATEGIES[0])
    assert f'href="{former}"' not in html(server, "/")
    assert former not in field_links(html(server, "/" + STRATEGIES[0]))
