"""Artefact folders made once per store version: written under a temporary name, then renamed.

A reader sees a whole folder or none: ``publish`` marks a finished folder complete and renames
it into place; if another process finished the same target first, its folder stands.
"""

from __future__ import annotations

from pathlib import Path

COMPLETE = "COMPLETE"


def is_complete(folder: Path) -> bool:
    return (folder / COMPLETE).exists()


def publish(temporary: Path, target: Path) -> None:
    """Mark ``temporary`` complete and rename it to ``target`` (atomic on one filesystem)."""
    (temporary / COMPLETE).write_text(target.name, encoding="utf-8")
    try:
        temporary.rename(target)
    except OSError:  # another process finished the same version first
        if not is_complete(target):
            raise
