"""A careful OParl 1.0/1.1 client: system → bodies → papers (Vorlagen) with their consultations.

Every request goes only to a host on the allow-list (``SOZIALGRAPH_OPARL_HOSTS``; empty: none),
is checked before a connection is made (also each redirect), and has time and size limits.
Answers that are not OParl as the import needs it are reported with the object's URL and field.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from sozialgraph.config import Settings
from sozialgraph.ingest.oparl_objects import (
    Harvest,
    OParlConsultation,
    OParlFile,
    OParlMalformed,
    OParlOrganization,
    OParlPaper,
    OParlRefused,
    OParlUnavailable,
    checked_iri,
    date_field,
    json_object,
    list_field,
    object_kind,
    text_field,
    url_field,
)

#: Redirects followed (each to an allowed host only) and list pages read at most.
MAX_REDIRECTS = 5
MAX_PAGES = 1000


@dataclass(frozen=True)
class OParlLimits:
    hosts: frozenset[str]
    timeout: float = 20.0
    max_bytes: int = 10_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> OParlLimits:
        hosts = frozenset(h.strip().lower() for h in settings.oparl_hosts.split(",") if h.strip())
        return cls(hosts, settings.oparl_timeout, settings.oparl_max_bytes)


class OParlClient:
    """Reads OParl objects through one httpx client (no redirects followed by httpx itself)."""

    def __init__(self, limits: OParlLimits, transport: httpx.BaseTransport | None = None) -> None:
        self.limits = limits
        timeout = httpx.Timeout(limits.timeout)
        # trust_env=False: no proxy or .netrc from the environment; connections go to the
        # checked host only.
        self._http = httpx.Client(
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False
        )
        self._cache: dict[str, dict[str, Any] | None] = {}
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OParlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------------

    def check_host(self, url: str) -> httpx.URL:
        """The parsed URL if its host is on the allow-list; else :class:`OParlRefused`."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError):
            raise OParlRefused(f"{url!r} is not a URL", de=f"{url!r} ist keine URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise OParlRefused(
                f"{url}: only http(s) URLs can be fetched",
                de=f"{url}: nur http(s)-Adressen können abgerufen werden",
            )
        host = parsed.host.lower()
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if host not in self.limits.hosts and f"{host}:{port}" not in self.limits.hosts:
            allowed = ", ".join(sorted(self.limits.hosts)) or "—"
            raise OParlRefused(
                f"{url}: host {host}:{port} is not on SOZIALGRAPH_OPARL_HOSTS (allowed: {allowed})",
                de=f"{url}: Host {host}:{port} steht nicht in SOZIALGRAPH_OPARL_HOSTS "
                f"(erlaubt: {allowed})",
            )
        return parsed

    def fetch(self, url: str, params: dict[str, str] | None = None) -> tuple[str, bytes] | None:
        """The body of ``url`` (following redirects to allowed hosts); None for 404/410."""
        for _hop in range(MAX_REDIRECTS + 1):
            self.check_host(url)
            self.requests += 1
            try:
                with self._http.stream(
                    "GET", url, params=params, headers={"Accept": "application/json"}
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        params = None
                        continue
                    if response.status_code in (404, 410):
                        return None
                    if response.status_code != 200:
                        raise OParlUnavailable(
                            f"{response.url}: the server answered {response.status_code}",
                            de=f"{response.url}: der Server antwortete {response.status_code}",
                        )
                    return str(response.url), self._read(response)
            except httpx.TimeoutException:
                raise self._too_slow(url) from None
            except httpx.HTTPError as error:
                raise OParlUnavailable(
                    f"{url}: {error.__class__.__name__}: {error}",
                    de=f"{url}: {error.__class__.__name__}: {error}",
                ) from None
        raise OParlUnavailable(
            f"{url}: more than {MAX_REDIRECTS} redirects",
            de=f"{url}: mehr als {MAX_REDIRECTS} Weiterleitungen",
        )

    def _read(self, response: httpx.Response) -> bytes:
        """The body within the byte limit and the time limit (also for a slow trickle)."""
        limit = self.limits.max_bytes
        url = str(response.url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(url)
        deadline = time.monotonic() + self.limits.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(url)
            if time.monotonic() > deadline:
                raise self._too_slow(url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, url: str) -> OParlUnavailable:
        limit = self.limits.max_bytes
        return OParlUnavailable(
            f"{url}: the answer is larger than {limit} bytes (SOZIALGRAPH_OPARL_MAX_BYTES); "
            "cut off",
            de=f"{url}: die Antwort ist größer als {limit} Bytes (SOZIALGRAPH_OPARL_MAX_BYTES); "
            "abgebrochen",
        )

    def _too_slow(self, url: str) -> OParlUnavailable:
        seconds = self.limits.timeout
        return OParlUnavailable(
            f"{url}: no complete answer within {seconds:g} s (SOZIALGRAPH_OPARL_TIMEOUT); cut off",
            de=f"{url}: keine vollständige Antwort in {seconds:g} s (SOZIALGRAPH_OPARL_TIMEOUT); "
            "abgebrochen",
        )

    def get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any] | None:
        """The JSON object at ``url`` (None if the server has no such object)."""
        key = url if not params else f"{url}?{sorted(params.items())}"
        if key in self._cache:
            return self._cache[key]
        fetched = self.fetch(url, params)
        obj = None if fetched is None else json_object(*fetched)
        if obj is not None and obj.get("deleted") is True:
            obj = None
        self._cache[key] = obj
        return obj

    # -- the walk --------------------------------------------------------------------------------

    def harvest(self, url: str, modified_since: dt.datetime | None = None) -> Harvest:
        """Every paper reachable from ``url`` (a system, a body or a paper)."""
        harvest = Harvest(url)
        obj = self.get(url)
        if obj is None:
            raise OParlUnavailable(f"{url}: not found", de=f"{url}: nicht gefunden")
        kind = object_kind(obj, url)
        if kind == "Paper":
            harvest.papers.append(self.paper(obj, url))
        else:
            bodies = [obj] if kind == "Body" else self._list(url_field(obj, url, "body"), None)
            for body in bodies:
                body_url = text_field(body, url, "id", required=True) or url
                papers = url_field(body, body_url, "paper")
                for paper in self._list(papers, modified_since):
                    paper_url = text_field(paper, papers, "id", required=True) or papers
                    harvest.papers.append(self.paper(paper, paper_url))
        harvest.requests = self.requests
        return harvest

    def _list(self, url: str, modified_since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        """The objects of a paginated list (``data``, ``links.next``), filtered by date."""
        seen: set[str] = set()
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None or next_url in seen:
                return
            seen.add(next_url)
            params = None
            if modified_since is not None and "modified_since=" not in next_url:
                params = {"modified_since": modified_since.isoformat()}
            page = self.get(next_url, params)
            if page is None:
                raise OParlUnavailable(f"{next_url}: not found", de=f"{next_url}: nicht gefunden")
            data = page.get("data")
            if not isinstance(data, list):
                raise OParlMalformed(
                    next_url,
                    "data",
                    "a list page needs a list 'data'",
                    de="eine Listenseite braucht eine Liste 'data'",
                )
            for n, item in enumerate(data):
                if not isinstance(item, dict):
                    raise OParlMalformed(
                        next_url, f"data[{n}]", "must be an object", de="muss ein Objekt sein"
                    )
                if item.get("deleted") is not True:
                    yield item
            links = page.get("links") or {}
            following = links.get("next") if isinstance(links, dict) else None
            if following is not None and not isinstance(following, str):
                raise OParlMalformed(
                    next_url, "links.next", "must be a URL", de="muss eine URL sein"
                )
            next_url = following
        if next_url is not None and next_url not in seen:
            raise OParlUnavailable(
                f"{url}: more than {MAX_PAGES} pages; import with modified_since or a body",
                de=f"{url}: mehr als {MAX_PAGES} Seiten; bitte mit modified_since importieren",
            )

    def paper(self, obj: dict[str, Any], url: str) -> OParlPaper:
        """A paper with its consultations resolved (organisations, meeting date, result)."""
        if object_kind(obj, url) != "Paper":
            raise OParlMalformed(url, "type", "must be a Paper", de="muss ein Paper sein")
        checked_iri(url, url, "id")
        consultations = []
        for n, item in enumerate(list_field(obj, url, "consultation")):
            if isinstance(item, str):  # OParl 1.0 servers may give consultations by URL
                fetched = self.get(checked_iri(item, url, f"consultation[{n}]"))
                if fetched is not None:
                    consultations.append(self._consultation(fetched, item))
                continue
            if not isinstance(item, dict):
                raise OParlMalformed(
                    url,
                    f"consultation[{n}]",
                    "must be an object or a URL",
                    de="muss ein Objekt oder eine URL sein",
                )
            where = checked_iri(
                text_field(item, url, "id") or f"{url}#consultation[{n}]", url, "consultation.id"
            )
            consultations.append(self._consultation(item, where))
        files = []
        main = obj.get("mainFile")
        for item in ([main] if main else []) + list_field(obj, url, "auxiliaryFile"):
            if not isinstance(item, dict):
                continue  # a file given only by its URL: nothing to name it by
            file_url = text_field(item, url, "id", required=True) or url
            access = checked_iri(
                text_field(item, file_url, "accessUrl") or file_url, file_url, "accessUrl"
            )
            files.append(OParlFile(file_url, access, text_field(item, file_url, "name")))
        return OParlPaper(
            url=url,
            reference=text_field(obj, url, "reference"),
            date=date_field(obj, url, "date"),
            name=text_field(obj, url, "name"),
            paper_type=text_field(obj, url, "paperType"),
            consultations=tuple(consultations),
            files=tuple(files),
        )

    def _consultation(self, obj: dict[str, Any], url: str) -> OParlConsultation:
        authoritative = obj.get("authoritative", False)
        if not isinstance(authoritative, bool):
            raise OParlMalformed(
                url, "authoritative", "must be true or false", de="muss true oder false sein"
            )
        organizations = []
        for n, ref in enumerate(list_field(obj, url, "organization")):
            if not isinstance(ref, str):
                raise OParlMalformed(
                    url, f"organization[{n}]", "must be a URL", de="muss eine URL sein"
                )
            org = self.get(checked_iri(ref, url, f"organization[{n}]"))
            if org is not None:
                name = text_field(org, ref, "name") or text_field(org, ref, "shortName")
                if name is None:
                    raise OParlMalformed(
                        ref,
                        "name",
                        "the organization has no name",
                        de="die Organisation hat keinen Namen",
                    )
                organizations.append(
                    OParlOrganization(
                        ref,
                        name,
                        text_field(org, ref, "shortName"),
                        text_field(org, ref, "classification")
                        or text_field(org, ref, "organizationType"),
                    )
                )
        date, result = self._meeting_date_and_result(obj, url)
        return OParlConsultation(
            url, tuple(organizations), text_field(obj, url, "role"), authoritative, date, result
        )

    def _meeting_date_and_result(
        self, obj: dict[str, Any], url: str
    ) -> tuple[dt.date | None, str | None]:
        """The meeting's day and the agenda item's result, where the server has them."""
        date: dt.date | None = None
        result: str | None = None
        agenda_url = text_field(obj, url, "agendaItem")
        meeting_url = text_field(obj, url, "meeting")
        meeting = self.get(meeting_url) if meeting_url else None
        if meeting is not None:
            date = date_field(meeting, meeting_url or url, "start")
            for item in list_field(meeting, meeting_url or url, "agendaItem"):
                if isinstance(item, dict) and agenda_url and item.get("id") == agenda_url:
                    result = text_field(item, agenda_url, "result")
                    break
        if result is None and agenda_url:
            item = self.get(agenda_url)
            if item is not None:
                result = text_field(item, agenda_url, "result")
                if date is None:
                    date = date_field(item, agenda_url, "start")
        return date, result
