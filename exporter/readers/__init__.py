"""Readers: one module per input format, each producing lines for the one outline parser."""

from __future__ import annotations

from pathlib import Path

from ..errors import NotesError
from ..model import Document
from . import markdown, notebook
from .outline import OutlineBuilder
from .source import title_from_stem

READERS = {suffix: markdown.read_markdown for suffix in markdown.SUFFIXES}
READERS.update({suffix: notebook.read_notebook for suffix in notebook.SUFFIXES})
SUFFIXES = tuple(READERS)


def read(path: Path, title: str | None = None) -> Document:
    """Parse one source into the model (answers still Markdown; see exporter.render)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise NotesError(path, f"unsupported file type {path.suffix or '(none)'}",
                         f"use one of {', '.join(SUFFIXES)}")
    source = reader(path)
    title = title or source.settings.get("title") or title_from_stem(path.stem)
    return OutlineBuilder(source, title).build()
