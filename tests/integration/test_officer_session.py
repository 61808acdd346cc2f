"""The officer pages at the HTTP level: the session cookie's flags, sign-in and sign-out, CSRF
and cross-site refusals, publish bound to its preview, undo as a new write.

The app runs in-process on a real store on disk (the example town, ``tests/stores.py``).
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sozialgraph.config import Settings
from sozialgraph.store.embedded import EmbeddedStore
from tests.inprocess import app_client
from tests.stores import EXAMPLE_BASE, build_example_store, measure_rows, sheet_csv

SECRET = "officer-token-0123456789"
TOKENS = f"amt-soziales:{SECRET}"
GRAPH = EXAMPLE_BASE + "graph/import/massnahmen"


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("officer") / "store")


def settings_for(example_store: Path, tmp_path: Path, **values: object) -> Settings:
    copy = tmp_path / "store"
    shutil.copytree(example_store, copy)
    return Settings(  # type: ignore[arg-type]
        store=str(copy),
        base_iri=EXAMPLE_BASE,
        municipality="beispielstadt",
        write_tokens=TOKENS,
        **values,
    )


@pytest.fixture
def client(example_store: Path, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(settings_for(example_store, tmp_path)) as client:
        yield client


def hidden(text: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', text)
    assert found, f"no hidden field {name}"
    return found.group(1)


def sign_in(client: TestClient, token: str = SECRET) -> httpx.Response:
    form = client.get("/verwaltung/anmelden")
    return client.post(
        "/verwaltung/anmelden",
        data={"csrf": hidden(form.text, "csrf"), "token": token},
        follow_redirects=False,
    )


def signed_in(client: TestClient) -> str:
    """Sign in; the desk's CSRF token."""
    assert sign_in(client).status_code == 303
    return hidden(client.get("/verwaltung").text, "csrf")


def upload(
    client: TestClient, csrf: str | None, rows: list[list[str]], **headers: str
) -> httpx.Response:
    data = {"graph": "massnahmen"} | ({"csrf": csrf} if csrf is not None else {})
    return client.post(
        "/verwaltung/vorschau",
        data=data,
        files={"file": ("massnahmen.csv", sheet_csv(rows), "text/csv")},
        headers=headers,
    )


def publish(client: TestClient, csrf: str, rows: list[list[str]]) -> httpx.Response:
    preview = upload(client, csrf, rows)
    assert preview.status_code == 200, preview.text
    return client.post(
        "/verwaltung/veroeffentlichen",
        data={"csrf": csrf, "hash": hidden(preview.text, "hash")},
        follow_redirects=False,
    )


def cookie(response: httpx.Response, name: str) -> SimpleCookie:
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        if name in parsed:
            return parsed
    raise AssertionError(f"no Set-Cookie for {name}")


def graph_size(client: TestClient) -> int:
    store: EmbeddedStore = client.app.state.store  # type: ignore[attr-defined]
    return store.triple_count(GRAPH)


def test_sign_in_sets_a_strict_http_only_session_cookie_with_an_expiry(
    client: TestClient,
) -> None:
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/verwaltung"
    morsel = cookie(answer, "sozialgraph_session")["sozialgraph_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert morsel["path"] == "/verwaltung"
    assert morsel["max-age"] == str(120 * 60)
    assert not morsel["secure"]  # plain HTTP here
    assert SECRET not in answer.headers["location"] and SECRET not in morsel.value


def test_the_cookie_is_secure_over_https_and_with_the_setting(
    example_store: Path, tmp_path: Path
) -> None:
    settings = settings_for(example_store, tmp_path / "a", session_minutes=15)
    with app_client(settings) as plain:
        plain.base_url = httpx.URL("https://127.0.0.1")
        morsel = cookie(sign_in(plain), "sozialgraph_session")["sozialgraph_session"]
        assert morsel["secure"] is True and morsel["max-age"] == str(15 * 60)
    settings = settings_for(example_store, tmp_path / "b", session_cookie_secure="always")
    with app_client(settings) as behind_proxy:  # TLS ends at a proxy: the app sees HTTP
        form = behind_proxy.get("/verwaltung/anmelden")
        assert cookie(form, "sozialgraph_sign_in")["sozialgraph_sign_in"]["secure"] is True
        nonce = hidden(form.text, "csrf")  # a client on HTTP does not send a Secure cookie back
        behind_proxy.cookies.set("sozialgraph_sign_in", nonce, path="/verwaltung")
        answer = behind_proxy.post(
            "/verwaltung/anmelden",
            data={"csrf": nonce, "token": SECRET},
            follow_redirects=False,
        )
        morsel = cookie(answer, "sozialgraph_session")["sozialgraph_session"]
        assert morsel["secure"] is True


def test_a_wrong_token_is_refused_counted_and_never_logged(
    example_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(example_store, tmp_path, auth_failures_per_minute=2)
    wrong = "not-the-token-0123456789"
    with caplog.at_level(logging.INFO), app_client(settings) as client:
        first = sign_in(client, wrong)
        assert first.status_code == 403
        assert 'href="#token"' in first.text and 'aria-invalid="true"' in first.text
        assert "sozialgraph_session" not in first.headers.get("set-cookie", "")
        assert sign_in(client, wrong).status_code == 403
        throttled = sign_in(client, SECRET)  # even the right token waits now
        assert throttled.status_code == 429 and throttled.headers["retry-after"]
    assert wrong not in caplog.text and SECRET not in caplog.text


def test_sign_in_without_the_form_nonce_is_refused(client: TestClient) -> None:
    client.get("/verwaltung/anmelden")
    answer = client.post("/verwaltung/anmelden", data={"token": SECRET}, follow_redirects=False)
    assert answer.status_code == 403
    assert "sozialgraph_session" not in answer.headers.get("set-cookie", "")


def test_pages_need_a_session(client: TestClient) -> None:
    answer = client.get("/verwaltung", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/verwaltung/anmelden"
    english = client.get("/verwaltung/anmelden?lang=en")
    assert "Sign in" in english.text and 'lang="en"' in english.text
    assert upload(client, "anything", measure_rows(1)).status_code == 401


def test_a_form_post_without_the_csrf_token_is_refused_and_writes_nothing(
    client: TestClient,
) -> None:
    csrf = signed_in(client)
    assert publish(client, csrf, measure_rows(2)).status_code == 303
    before = graph_size(client)
    assert upload(client, None, measure_rows(3)).status_code == 403
    assert upload(client, "wrong" + csrf, measure_rows(3)).status_code == 403
    version = client.get("/api/graphs/massnahmen/history").json()["versions"][0]["activity"]
    restore = client.post(
        "/verwaltung/graphen/massnahmen/wiederherstellen", data={"version": version}
    )
    assert restore.status_code == 403
    assert client.post("/verwaltung/veroeffentlichen", data={"hash": "x"}).status_code == 403
    assert graph_size(client) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:9999"},
    ],
)
def test_a_cross_site_request_with_the_cookie_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    csrf = signed_in(client)  # the cookie and even the right CSRF token
    assert upload(client, csrf, measure_rows(1), **headers).status_code == 403
    assert graph_size(client) == 0
    same = {"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"}
    assert upload(client, csrf, measure_rows(1), **same).status_code == 200


def test_sign_out_ends_the_session(client: TestClient) -> None:
    csrf = signed_in(client)
    old = client.cookies.get("sozialgraph_session")
    answer = client.post("/verwaltung/abmelden", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/verwaltung/anmelden"
    assert cookie(answer, "sozialgraph_session")["sozialgraph_session"]["max-age"] == "0"
    client.cookies.set("sozialgraph_session", old or "", path="/verwaltung")
    assert client.get("/verwaltung", follow_redirects=False).status_code == 303
    assert upload(client, csrf, measure_rows(1)).status_code == 401


def test_publishing_a_preview_after_the_graph_changed_is_409(client: TestClient) -> None:
    csrf = signed_in(client)
    preview = upload(client, csrf, measure_rows(2))
    meanwhile = client.post(
        "/api/import",
        files={"file": ("other.csv", sheet_csv(measure_rows(4)), "text/csv")},
        data={"graph": "massnahmen"},
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert meanwhile.status_code == 201
    size = graph_size(client)
    stale = client.post(
        "/verwaltung/veroeffentlichen", data={"csrf": csrf, "hash": hidden(preview.text, "hash")}
    )
    assert stale.status_code == 409
    assert "erneut hochladen" in stale.text
    assert graph_size(client) == size


def test_undo_writes_the_earlier_content_as_a_new_version(client: TestClient) -> None:
    csrf = signed_in(client)
    rows = measure_rows(3)
    assert publish(client, csrf, rows).status_code == 303
    first = graph_size(client)
    rows[1][9] = "geplant"  # one status changed
    assert publish(client, csrf, rows).status_code == 303
    page = client.get("/verwaltung/graphen/massnahmen").text
    versions = re.findall(r'name="version" value="([^"]+)"', page)
    assert len(versions) == 1  # only the earlier version can be restored
    restored = client.post(
        "/verwaltung/graphen/massnahmen/wiederherstellen",
        data={"csrf": csrf, "version": versions[0]},
        follow_redirects=False,
    )
    assert restored.status_code == 303
    history = client.get("/api/graphs/massnahmen/history").json()["versions"]
    assert [v["kind"] for v in history] == ["restore", "import", "import"]
    assert graph_size(client) == first
    diff = client.get(
        "/api/graphs/massnahmen/history",
        params={"from": history[2]["activity"], "to": history[0]["activity"]},
    ).json()["diff"]
    assert diff["added"] == [] and diff["removed"] == []


def test_undo_of_an_unknown_version_is_404_and_writes_nothing(client: TestClient) -> None:
    csrf = signed_in(client)
    assert publish(client, csrf, measure_rows(2)).status_code == 303
    before = graph_size(client)
    for version in ("../../etc/passwd", "20990101T000000000000-abcdef"):
        answer = client.post(
            "/verwaltung/graphen/massnahmen/wiederherstellen",
            data={"csrf": csrf, "version": version},
        )
        assert answer.status_code == 404
    assert graph_size(client) == before


def test_the_desk_speaks_english_with_lang_en(client: TestClient) -> None:
    form = client.get("/verwaltung/anmelden?lang=en")
    answer = client.post(
        "/verwaltung/anmelden?lang=en",
        data={"csrf": hidden(form.text, "csrf"), "token": SECRET},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/verwaltung?lang=en"
    desk = client.get(answer.headers["location"])
    assert 'lang="en"' in desk.text and "Upload a file" in desk.text
    assert 'action="/verwaltung/vorschau?lang=en"' in desk.text
    assert "&amp;lang=en" in desk.text  # the template's links keep the language


def test_an_rdf_file_is_previewed_and_published_like_a_sheet(client: TestClient) -> None:
    csrf = signed_in(client)
    assert publish(client, csrf, measure_rows(3)).status_code == 303
    turtle = client.get("/graph-store", params={"graph": GRAPH}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    data = {"csrf": csrf, "graph": "massnahmen"}
    same = client.post(
        "/verwaltung/vorschau",
        data=data,
        files={"file": ("massnahmen.ttl", turtle.content, "text/turtle")},
    )
    assert same.status_code == 200 and "Keine Änderungen" in same.text
    broken = client.post(
        "/verwaltung/vorschau",
        data=data,
        files={"file": ("kaputt.ttl", b"<a> <b> .", "text/turtle")},
    )
    assert broken.status_code == 400
    assert 'href="#file"' in broken.text and 'aria-invalid="true"' in broken.text
    published = client.post(
        "/verwaltung/veroeffentlichen",
        data={"csrf": csrf, "hash": hidden(same.text, "hash")},
        follow_redirects=False,
    )
    assert published.status_code == 409  # the broken upload replaced the pending one
    again = client.post(
        "/verwaltung/vorschau",
        data=data,
        files={"file": ("massnahmen.ttl", turtle.content, "text/turtle")},
    )
    published = client.post(
        "/verwaltung/veroeffentlichen",
        data={"csrf": csrf, "hash": hidden(again.text, "hash")},
        follow_redirects=False,
    )
    assert published.status_code == 303
    history = client.get("/api/graphs/massnahmen/history").json()["versions"]
    assert [v["source"] for v in history] == ["massnahmen.ttl", "massnahmen.csv"]


def test_council_papers_from_oparl_are_previewed_and_published_from_the_desk(
    example_store: Path, tmp_path: Path
) -> None:
    from tests.oparl_server import OParlServer

    with OParlServer() as oparl:
        settings = settings_for(example_store, tmp_path, oparl_hosts=oparl.host)
        with app_client(settings) as client:
            csrf = signed_in(client)
            refused = client.post(
                "/verwaltung/oparl",
                data={"csrf": csrf, "url": "http://oparl.invalid/system"},
            )
            assert refused.status_code == 403  # not on the allow-list
            assert 'href="#oparl_url"' in refused.text and "oparl.invalid" in refused.text
            asked = len(oparl.requests)
            preview = client.post(
                "/verwaltung/oparl", data={"csrf": csrf, "url": oparl.url("paper/2601")}
            )
            assert preview.status_code == 200, preview.text
            assert len(oparl.requests) > asked
            assert 'class="changes changes-added"' in preview.text
            published = client.post(
                "/verwaltung/veroeffentlichen",
                data={"csrf": csrf, "hash": hidden(preview.text, "hash")},
                follow_redirects=False,
            )
            assert published.status_code == 303, published.text
            assert published.headers["location"].startswith("/verwaltung/graphen/oparl?")
            history = client.get("/api/graphs/oparl/history").json()["versions"]
            assert [(v["kind"], v["source"]) for v in history] == [
                ("oparl", oparl.url("paper/2601"))
            ]
