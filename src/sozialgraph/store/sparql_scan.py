"""A linear lexical scan of SPARQL text: its form, where its WHERE clause opens, its nesting.

It skips IRIs, string literals and comments, so look-alikes (``"SERVICE"``, ``?service``,
``ex:SERVICE``, ``<http://x/SERVICE>``) are not taken for keywords. The scan only describes the
text; what is allowed is decided above it (the endpoint's guard, ``querying/guard.py``). The
store uses it to place ``VALUES`` blocks and to see a query's dataset clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# The local part of a prefixed name (PN_LOCAL): only its own characters, so that in
# ``ex:a<x>SERVICE`` the scan stops before ``<x>`` exactly as the parser does.
_PN_CHAR = r"[\w\-:\u00b7-\uffff]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIXED_TAIL = re.compile(rf":(?:{_PN_CHAR}|\.(?=(?:{_PN_CHAR})))*")
_VARIABLE = re.compile(r"[?$][A-Za-z0-9_\u00b7\u00c0-\ufffd]*")

OUTGOING = {"SERVICE", "LOAD"}  # keywords that make an engine send requests
UPDATE_KEYWORDS = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
NON_DETERMINISTIC = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}
CHAINED = {"UNION", "OPTIONAL", "MINUS", "&&", "||", "/", "|"}


@dataclass
class QueryScan:
    """What the scan saw: keywords outside IRIs, strings and comments, and the nesting."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE
    update: str | None = None  # the first update keyword before any query form
    outgoing: str | None = None  # SERVICE or LOAD, if present
    where_brace: int | None = None  # offset of the WHERE clause's '{' (for VALUES injection)
    has_dataset_clause: bool = False  # FROM / FROM NAMED
    deterministic: bool = True  # no NOW(), RAND(), UUID(), STRUUID(), BNODE()
    tokens: int = 0
    depth: int = 0  # deepest bracket nesting
    depth_offsets: list[int] = field(default_factory=list)  # where each new depth was reached
    chains: dict[str, int] = field(default_factory=dict)  # UNION, OPTIONAL, &&, path steps …
    stray_escape: int | None = None  # offset of a backslash outside a string


def scan_query(text: str) -> QueryScan:
    """Scan ``text`` once, left to right."""
    found = QueryScan()
    depth = 0
    first_brace: int | None = None
    saw_where = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        found.tokens += 1
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
            if found.stray_escape is None:
                found.stray_escape = i
            i += 1
            continue
        if c in "{([":
            depth += 1
            if depth > found.depth:
                found.depth = depth
                found.depth_offsets.append(i)
            if c == "{" and depth == 1:
                if first_brace is None:
                    first_brace = i
                if saw_where and found.where_brace is None:
                    found.where_brace = i
            i += 1
            continue
        if c in "})]":
            depth = max(depth - 1, 0)
            i += 1
            continue
        if text.startswith(("&&", "||"), i):
            _count(found, text[i : i + 2])
            i += 2
            continue
        if c in "/|":
            _count(found, c)
            i += 1
            continue
        if c.isalpha() or c == "_":
            match = _WORD.match(text, i)
            end = match.end() if match else i + 1
            if end < n and text[end] == ":":  # a prefixed name, not a keyword
                tail = _PREFIXED_TAIL.match(text, end)
                i = tail.end() if tail else end + 1
                continue
            _keyword(found, text[i:end].upper(), depth)
            saw_where = saw_where or (text[i:end].upper() == "WHERE" and depth == 0)
            i = end
            continue
        if c == ":":  # a prefixed name with the empty prefix
            tail = _PREFIXED_TAIL.match(text, i)
            i = tail.end() if tail else i + 1
            continue
        i += 1
    if not saw_where:
        found.where_brace = first_brace if found.form in ("SELECT", "ASK") else None
    return found


def _keyword(found: QueryScan, word: str, depth: int) -> None:
    if word in OUTGOING and found.outgoing is None:
        found.outgoing = word
    if word in UPDATE_KEYWORDS and found.update is None and found.form is None:
        found.update = word
    if word in QUERY_FORMS and found.form is None:
        found.form = word
    if word == "FROM" and depth == 0:
        found.has_dataset_clause = True
    if word in NON_DETERMINISTIC:
        found.deterministic = False
    if word in CHAINED:
        _count(found, word)


def _count(found: QueryScan, operator: str) -> None:
    found.chains[operator] = found.chains.get(operator, 0) + 1


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
