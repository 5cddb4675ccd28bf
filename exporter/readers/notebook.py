"""Jupyter notebooks (.ipynb, nbformat 4): markdown cells are Markdown, code cells are code blocks.

Locations point at cells (`notes.ipynb:cell 12`), since a notebook's JSON lines mean
nothing to its author.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from ..errors import NotesError
from ..model import Location
from .cells import fence_for, guess_language
from .source import SourceText, clean_text, decode, read_bytes, split_front_matter


def read_notebook(path: Path) -> SourceText:
    import nbformat  # only notebooks pay for it

    text = decode(path, read_bytes(path))
    try:
        with warnings.catch_warnings():  # nbformat's advice to its own developers (missing cell ids…)
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        line = getattr(exc, "lineno", 1)
        raise NotesError(Location(path, line), f"not a valid notebook: {exc}",
                         "open and re-save it in Jupyter, or export it as Markdown") from None
    except Exception as exc:  # nbformat raises assorted errors for malformed notebooks
        raise NotesError(path, f"not a valid notebook: {str(exc).splitlines()[0][:120]}",
                         "open and re-save it in Jupyter, or export it as Markdown") from None
    language = _notebook_language(notebook)
    lines: list[str] = []
    origins: list[int] = []
    settings: dict[str, str] = {}
    cells = notebook.get("cells", [])
    if not isinstance(cells, list):
        raise NotesError(path, "not a valid notebook: its cells are not a list",
                         "open and re-save it in Jupyter, or export it as Markdown")
    for number, cell in enumerate(cells, start=1):
        cell = _mapping(cell)
        source = _cell_text(cell)
        cell_lines = source.split("\n")
        if cell.get("cell_type") == "markdown":
            if number == 1:
                settings, skip = split_front_matter(path, cell_lines)
                cell_lines = cell_lines[skip:]
        elif cell.get("cell_type") == "code":
            if not source.strip():
                continue
            code = source.strip("\n").split("\n")
            fence = fence_for(code)
            cell_lines = [f"{fence}{_cell_language(source, language)}", *code, fence]
        else:
            continue
        lines += [*cell_lines, ""]
        origins += [number] * (len(cell_lines) + 1)
    return SourceText(path=path, lines=lines, origins=origins, unit="cell", settings=settings)


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    source = "".join(map(str, source)) if isinstance(source, list) else str(source)
    return clean_text(source)


def first_cell_text(text: str) -> str | None:
    """The first cell's text when it is Markdown: where a notebook keeps its front matter."""
    try:
        cells = _mapping(json.loads(text)).get("cells")
    except ValueError:
        return None  # the reader reports the broken notebook
    if isinstance(cells, list) and cells and _mapping(cells[0]).get("cell_type") == "markdown":
        return _cell_text(cells[0])
    return None


def _notebook_language(notebook) -> str:
    """The kernel's language; metadata written by other tools may hold anything, so check."""
    metadata = _mapping(notebook.get("metadata"))
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        value = _mapping(metadata.get(key)).get(field)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return "python"


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _cell_language(source: str, language: str) -> str:
    """The notebook's language, unless a Python cell plainly holds something else (a Dockerfile, shell)."""
    if language == "python":
        guessed = guess_language(source)
        if guessed not in ("python", "text", "json"):
            return guessed
    return language


SUFFIXES = (".ipynb",)
