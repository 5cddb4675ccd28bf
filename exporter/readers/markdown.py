"""Markdown and notebook-text-export sources (.md, .markdown, .txt)."""

from __future__ import annotations

from pathlib import Path

from ..model import Document
from .cells import fence_code_cells
from .source import SourceText, decode, read_bytes, split_front_matter


def read_markdown(path: Path) -> SourceText:
    text = decode(path, read_bytes(path))
    lines = text.split("\n")
    settings, skip = split_front_matter(path, lines)
    origins = list(range(skip + 1, len(lines) + 1))
    lines, origins, _ = fence_code_cells(lines[skip:], origins)
    return SourceText(path=path, lines=lines, origins=origins, settings=settings)


SUFFIXES = (".md", ".markdown", ".txt")
__all__ = ["read_markdown", "SUFFIXES", "Document"]
