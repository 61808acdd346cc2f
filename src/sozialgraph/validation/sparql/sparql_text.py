"""Reading and writing SPARQL text: prologues, the WHERE brace, string literals, tokens."""

from __future__ import annotations

import re

#: IRIs, strings and comments (left alone) or variables (renamed) in SPARQL text.
SPARQL_TOKENS = re.compile(
    r"<[^<>\"{}|^`\\\s]*>"  # IRI
    r'|"""[\s\S]*?"""' + r"|'''[\s\S]*?'''"  # long strings
    r'|"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'"  # strings
    r"|#[^\n]*"  # comment
    r"|[?$][A-Za-z_][A-Za-z0-9_]*"  # variable
)


def merge_prologues(*texts: str) -> str:
    """Join queries' PREFIX/BASE declarations (each once) before the last query's body."""
    declarations: list[str] = []
    body = ""
    for text in texts:
        prologue, body = hoist_prologue(text)
        declarations += [
            line for line in prologue.splitlines() if line and line not in declarations
        ]
    return "\n".join(declarations) + ("\n" if declarations else "") + body


def hoist_prologue(text: str) -> tuple[str, str]:
    """Split leading PREFIX/BASE declarations (and comments) from the query text."""
    declaration = re.compile(
        r"\s*(#[^\n]*\n|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", re.IGNORECASE
    )
    position, prologue = 0, []
    while match := declaration.match(text, position):
        prologue.append(match.group(1).strip())
        position = match.end()
    return "\n".join(p for p in prologue if not p.startswith("#")) + "\n", text[position:]


def first_brace(text: str) -> int:
    """Index of the first ``{`` outside strings and comments, or -1."""
    index, quote = 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
        elif char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char == "{":
            return index
        index += 1
    return -1


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'
