"""Reading a source into a rendered model: what every command starts from."""

from __future__ import annotations

from pathlib import Path

from .model import Document
from .readers import read
from .render import Renderer


def load(path: Path, renderer: Renderer | None = None) -> Document:
    """Parse and render one source; problems land in `document.diagnostics`."""
    document = read(Path(path))
    return (renderer or Renderer()).render_document(document)
