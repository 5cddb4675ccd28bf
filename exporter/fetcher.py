"""The only way the PDF writer may read anything: a WeasyPrint URL fetcher on an allow-list.

WeasyPrint's default fetcher downloads http(s) URLs (10 s timeout each), reads any local
file, follows `../` and symlinks, and embeds `<link rel=attachment>` targets. This one
serves exactly two things and refuses everything else (no network, no other files):

- the document's images, by the content-hash media name the renderer gave them
  (`MEDIA_BASE + media_name`, mapped to `Image.path`): a local image only if it lies inside
  the source's folder, a remote one only as the copy `--fetch-images` downloaded;
- files inside the package's own `templates/` folder (stylesheets, fonts).

Every refusal is recorded in `refused` so tests and the writer can report it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .model import Document

MEDIA_BASE = "file:///notes-export-media/"  # a fake folder: never read from disk as such
TEMPLATES = Path(__file__).resolve().parent / "templates"


def media_files(document: Document) -> dict[str, Path]:
    """media_name -> file for the images the pipeline resolved (see the module's docstring)."""
    root = document.path.resolve().parent
    files: dict[str, Path] = {}
    for card in document.cards:
        for image in card.images:
            if image.media_name and image.path is not None:
                path = Path(image.path).resolve()
                if (image.remote or path.is_relative_to(root)) and path.is_file():
                    files[image.media_name] = path
    return files


def restricted_fetcher(media: dict[str, Path]):
    """A `weasyprint.urls.URLFetcher` subclass instance (WeasyPrint 70 needs a subclass)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(timeout=0, allowed_protocols=("file",), allow_redirects=False)
            self.media = dict(media)
            self.served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = self._allowed(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"notes-export does not load {url[:120]}")
            self.served.append(url)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

        def _allowed(self, url: str) -> Path | None:
            if url.startswith(MEDIA_BASE):
                name = unquote(url[len(MEDIA_BASE):].split("?")[0].split("#")[0])
                return self.media.get(name)
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(TEMPLATES) and path.is_file():
                return path
            return None

        # Never let urllib handlers run: everything goes through fetch().
        def open(self, url, data=None, timeout=None):
            return self.fetch(url if isinstance(url, str) else url.full_url)

    return RestrictedFetcher()
