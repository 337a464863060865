"""The raw public (and licensed example) data beside the project, for the tests that cross-check it.

A fresh clone has no `../shared` directory: tests that need it are marked
`@pytest.mark.needs_shared` and call `shared_file(relpath)`, which skips them
with a one-line reason naming the missing path. Everything else runs on the
shipped data and on the fixtures in `tests/fixtures/`.

`DESKBOT_SHARED_DATA` overrides the location (e.g. point it at a directory
that does not exist to run the suite as a fresh clone would).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("DESKBOT_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data")


def shared_file(relpath: str) -> Path:
    """`SHARED_DATA / relpath` (a file or a directory), or skip the calling test if it is not there."""
    path = SHARED_DATA / relpath
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{relpath} (absent on a fresh clone; looked in {SHARED_DATA})")
    return path
