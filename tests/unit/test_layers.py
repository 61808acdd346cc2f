"""The package's rooms import downwards only (docs/architecture.md, "Rooms").

An AST scan of every module's imports (top-level, in functions and under TYPE_CHECKING alike):
a module may import its own room and the rooms below it, never a room above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "sozialgraph"

#: Rooms from the bottom up; a room may import any room of a lower rank (and its own).
RANKS = {
    "foundation": 0,  # config, namespaces, errors, formats, resources, rdf_io, provenance, auth
    "store": 1,
    "validation": 2,
    "querying": 2,
    "readmodel": 3,
    "build": 3,
    "publishing": 4,
    "ingest": 4,
    "web": 5,
    "cli": 6,
}
ROOM_FOLDERS = {"store", "validation", "querying", "readmodel", "publishing", "ingest", "web"}


def room_of(module: str) -> str:
    """``sozialgraph.web.api`` → ``web``; root modules are the foundation, but build and cli."""
    parts = module.split(".")
    if len(parts) < 2:
        return "foundation"
    if parts[1] in ROOM_FOLDERS:
        return parts[1]
    if parts[1] in ("build", "cli"):
        return parts[1]
    return "foundation"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # ``from sozialgraph.web import negotiation`` names a module inside the package
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.startswith("sozialgraph")]


def upward_imports(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(path)
        mine = room_of(importer)
        for line, imported in imports_of(path):
            theirs = room_of(imported)
            if theirs == mine:
                continue
            if RANKS[theirs] >= RANKS[mine]:
                problems.append(f"{importer}:{line} ({mine}) imports {imported} ({theirs})")
    return problems


def test_no_room_imports_a_room_above_it() -> None:
    assert upward_imports(PACKAGE) == []


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    """The scan itself can fail: a store module that imports the web is reported."""
    global PACKAGE
    fake = tmp_path / "sozialgraph"
    (fake / "store").mkdir(parents=True)
    (fake / "store" / "bad.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sozialgraph.web.app import create_app\n"
    )
    (fake / "querying").mkdir()
    (fake / "querying" / "fine.py").write_text("from sozialgraph.store import base\n")
    saved, PACKAGE = PACKAGE, fake
    try:
        assert upward_imports(fake) == [
            "sozialgraph.store.bad:3 (store) imports sozialgraph.web.app (web)",
            "sozialgraph.store.bad:3 (store) imports sozialgraph.web.app.create_app (web)",
        ]
    finally:
        PACKAGE = saved


@pytest.mark.parametrize(
    ("lower", "upper"),
    [("store", "querying"), ("store", "readmodel"), ("store", "publishing"), ("store", "web")]
    + [(room, "web") for room in ("querying", "readmodel", "publishing", "validation")],
)
def test_the_rules_the_design_names_are_in_the_ranks(lower: str, upper: str) -> None:
    assert RANKS[lower] < RANKS[upper]


def test_modules_stay_small() -> None:
    """No module over 450 lines (STYLE.md: a module with two jobs becomes two modules)."""
    sizes = {
        module_name(p): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {m: n for m, n in sizes.items() if n > 450} == {}


def test_web_holds_under_a_third_of_the_code() -> None:
    def lines(paths: list[Path]) -> int:
        return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)

    everything = lines(list(PACKAGE.rglob("*.py")))
    web = lines(list((PACKAGE / "web").rglob("*.py")))
    assert web / everything < 0.30, f"web/ has {web} of {everything} lines"
