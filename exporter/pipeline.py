"""Reading a source into a rendered model: what every command starts from."""

from __future__ import annotations

from pathlib import Path

from .batch import render_cards
from .model import Document
from .readers import read


def load(path: Path, cache_file: Path | None = None, jobs: int | None = None, title: str | None = None) -> Document:
    """Parse and render one source; problems land in `document.diagnostics`.

    `cache_file` keeps rendered cards between runs; `jobs` caps the worker processes;
    `title` overrides the document's own (front matter, else file name).
    """
    return render_cards(read(Path(path), title), cache_file, jobs)
