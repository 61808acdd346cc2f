"""Histories: a strategy's timeline (``/verlauf/…``) of versions, decisions and committee steps,
and a measure's status assessments on its page, on the Musterstadt fixture."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sozialgraph.config import Settings
from tests.fixtures import crossref as town
from tests.inprocess import app_client

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = town.write_crossref_store(tmp_path_factory.mktemp("timeline") / "store")
    with app_client(Settings(store=str(store), base_iri=town.EX)) as client:
        yield client


def path_of(iri: str) -> str:
    return "/" + iri.removeprefix(town.EX)


def events(html: str) -> list[tuple[str, str]]:
    """(kind, datetime) of each entry of the page's timeline, in page order."""
    timeline = html[html.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    return re.findall(r'<li class="event event-(\w+)">\s*<time datetime="([^"]+)">', timeline)


def test_strategy_timeline_lists_versions_decisions_and_steps_in_date_order(
    client: TestClient,
) -> None:
    response = client.get("/verlauf" + path_of(town.ARMUT))
    assert response.status_code == 200
    assert events(response.text) == [
        ("version", "2018"),
        ("decision", "2018-05-16"),
        ("step", "2024-02-28"),
        ("decision", "2024-03-20"),
        ("version", "2024-03-20"),
    ]
    page = response.text
    assert '<time datetime="2024-02-28">28.02.2024</time>' in page
    assert "24/0100-BV" in page and "Sozialausschuss: Empfehlung" in page
    assert f'href="{path_of(town.ARMUT_2024)}"' in page
    assert '<html lang="de">' in page


def test_a_decision_the_strategy_rests_on_appears_without_a_version(client: TestClient) -> None:
    page = client.get("/verlauf" + path_of(town.RASSISMUS)).text
    assert events(page) == [
        ("decision", "2021-02-10"),
        ("decision", "2022-04-06"),
        ("version", "2022-04-06"),
    ]
    assert "21/0010-BV" in page


def test_timeline_in_english(client: TestClient) -> None:
    page = client.get("/verlauf" + path_of(town.ARMUT), params={"lang": "en"}).text
    assert '<html lang="en">' in page
    assert "History: Poverty prevention strategy of Musterstadt" in page
    assert '<time datetime="2024-02-28">2024-02-28</time>' in page
    assert "Poverty prevention strategy, 2024 version" in page


@pytest.mark.parametrize("iri", [town.CROSS_MEASURE, town.EX + "musterstadt/gibt-es-nicht"])
def test_timeline_of_what_is_no_strategy_is_404(client: TestClient, iri: str) -> None:
    response = client.get("/verlauf" + path_of(iri))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_measure_page_shows_its_status_assessments_over_time(client: TestClient) -> None:
    page = client.get(path_of(town.CROSS_MEASURE), headers=HTML).text
    section = page[page.index('id="status-history"') :]
    section = section[: section.index("</section>")]
    assert re.findall(r'<time datetime="([^"]+)">', section) == ["2023-01-15", "2024-06-30"]
    assert section.index("geplant") < section.index("in Umsetzung")
    api = client.get("/api/measures" + path_of(town.CROSS_MEASURE)).json()
    assert [c["assessed_on"] for c in api["status_history"]] == ["2023-01-15", "2024-06-30"]


def test_a_measure_without_assessments_says_so(client: TestClient) -> None:
    page = client.get(path_of(town.ELTERNABENDE_MEASURE), headers=HTML).text
    assert "Keine Statuseinschätzung bekannt." in page


def test_strategy_page_links_to_its_timeline(client: TestClient) -> None:
    page = client.get(path_of(town.RASSISMUS), headers=HTML).text
    assert f'href="/verlauf{path_of(town.RASSISMUS)}"' in page
    assert client.get(f"/verlauf{path_of(town.RASSISMUS)}").status_code == 200


def test_the_api_serves_the_timeline_of_the_page(client: TestClient) -> None:
    document = client.get("/api/timeline" + path_of(town.ARMUT)).json()
    assert document["strategy"]["iri"] == town.ARMUT
    page = client.get("/verlauf" + path_of(town.ARMUT)).text
    assert [(e["kind"], e["date"]) for e in document["events"]] == events(page)
    decision = next(e for e in document["events"] if e["identifier"] == "24/0100-BV")
    assert [v["iri"] for v in decision["adopts"]] == [town.ARMUT_2024]
    assert client.get("/api/timeline" + path_of(town.CROSS_MEASURE)).status_code == 404
