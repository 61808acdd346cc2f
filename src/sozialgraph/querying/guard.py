"""Guard before parse: a linear scan that refuses what could crash, hang or reach out.

pyoxigraph's parser overflows its stack on deep nesting and long chains (the process dies),
and ``SERVICE`` makes outgoing requests that Python cannot see (RELIABILITY.md, points 1–2).
This scanner runs in the web process in linear time, before any query reaches pyoxigraph.
It skips IRIs, string literals and comments, so look-alikes (``"SERVICE"``, ``?service``,
``ex:SERVICE``, ``<http://x/SERVICE>``) pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sozialgraph.errors import PayloadTooLarge, QueryRefused

MAX_DEPTH = 64
MAX_CHAIN = 1_000  # UNION, OPTIONAL, MINUS, &&, ||, path steps, each
MAX_TOKENS = 50_000

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# The local part of a prefixed name (PN_LOCAL): only its own characters, so that in
# ``ex:a<x>SERVICE`` the scan stops before ``<x>`` exactly as the parser does.
_PN_CHAR = r"[\w\-:\u00b7-\uffff]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIXED_TAIL = re.compile(rf":(?:{_PN_CHAR}|\.(?=(?:{_PN_CHAR})))*")
_VARIABLE = re.compile(r"[?$][A-Za-z0-9_\u00b7\u00c0-\ufffd]*")

FORBIDDEN = {
    "SERVICE": (
        "SERVICE (federated query) is not allowed: this endpoint makes no outgoing requests."
    ),
    "LOAD": "LOAD is not allowed: this endpoint makes no outgoing requests.",
}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
NON_DETERMINISTIC = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}
_CHAINED = {"UNION", "OPTIONAL", "MINUS", "&&", "||", "/", "|"}


@dataclass(frozen=True)
class GuardedQuery:
    """A query that passed the guard, with its form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""

    text: str
    form: str | None
    where_brace: int | None  # offset of the first top-level '{' (for VALUES injection)
    has_dataset_clause: bool = False  # FROM / FROM NAMED in the query
    deterministic: bool = (
        True  # no NOW(), RAND(), UUID(), STRUUID(), BNODE(): results can be cached
    )


def check_query(text: str, *, max_bytes: int = 100_000) -> GuardedQuery:
    """Refuse oversize, deeply nested, over-long, federated or update requests; else pass."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise PayloadTooLarge(f"the query has {size} bytes; at most {max_bytes} are accepted")
    depth = tokens = 0
    chains: dict[str, int] = {}
    form: str | None = None
    update: str | None = None
    where_brace: int | None = None
    first_brace: int | None = None
    saw_where = saw_from = False
    deterministic = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        tokens += 1
        if tokens > MAX_TOKENS:
            raise QueryRefused(f"the query is too long: more than {MAX_TOKENS} tokens")
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "<":
            match = _IRI.match(text, i)
            if match:
                i = match.end()
                continue
            i += 2 if text.startswith("<=", i) else 1
            continue
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c in "?$":
            i = _VARIABLE.match(text, i).end()  # type: ignore[union-attr]
            continue
        if c == "\\":
            raise QueryRefused(f"escape sequence outside a string at offset {i}")
        if c in "{([":
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryRefused(
                    f"the query nests brackets more than {MAX_DEPTH} levels deep (offset {i})"
                )
            if c == "{" and depth == 1:
                if first_brace is None:
                    first_brace = i
                if saw_where and where_brace is None:
                    where_brace = i
            i += 1
            continue
        if c in "})]":
            depth = max(depth - 1, 0)
            i += 1
            continue
        if text.startswith(("&&", "||"), i):
            _count(chains, text[i : i + 2])
            i += 2
            continue
        if c in "/|":
            _count(chains, c)
            i += 1
            continue
        if c.isalpha() or c == "_":
            match = _WORD.match(text, i)
            end = match.end() if match else i + 1
            if end < n and text[end] == ":":  # a prefixed name, not a keyword
                tail = _PREFIXED_TAIL.match(text, end)
                i = tail.end() if tail else end + 1
                continue
            word = text[i:end].upper()
            if word in FORBIDDEN:
                raise QueryRefused(FORBIDDEN[word])
            if word in UPDATE_KEYWORDS and update is None and form is None:
                update = word
            if word in QUERY_FORMS and form is None:
                form = word
            if word == "WHERE" and depth == 0:
                saw_where = True
            if word == "FROM" and depth == 0:
                saw_from = True
            if word in NON_DETERMINISTIC:
                deterministic = False
            if word in _CHAINED:
                _count(chains, word)
            i = end
            continue
        if c == ":":  # a prefixed name with the empty prefix
            tail = _PREFIXED_TAIL.match(text, i)
            i = tail.end() if tail else i + 1
            continue
        i += 1
    if update is not None and form is None:
        raise QueryRefused(f"{update} is SPARQL Update; this endpoint only answers queries")
    if not saw_where:
        where_brace = first_brace if form in ("SELECT", "ASK") else None
    return GuardedQuery(
        text=text,
        form=form,
        where_brace=where_brace,
        has_dataset_clause=saw_from,
        deterministic=deterministic,
    )


def _count(chains: dict[str, int], operator: str) -> None:
    chains[operator] = chains.get(operator, 0) + 1
    if chains[operator] > MAX_CHAIN:
        raise QueryRefused(f"the query uses '{operator}' more than {MAX_CHAIN} times")


def _skip_string(text: str, i: int) -> int:
    """Offset just after the string literal that starts at ``i`` (short or long form)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = i + 3
        while True:
            found = text.find(quote * 3, end)
            if found < 0:
                return len(text)
            backslashes = 0
            while found - backslashes - 1 >= end and text[found - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                return found + 3
            end = found + 1
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote or text[j] == "\n":
            return j + 1
        j += 1
    return len(text)
