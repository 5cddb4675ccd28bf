"""`--fetch-images`: the one opt-in network access. Remote images are downloaded into a cache.

Off by default: without it no writer touches the network and remote images stay
references. With it, each http(s) image is fetched once into `<out>/.notes-export/images/`
(later builds reuse the file), with a deadline per image (a server that accepts and never
answers, or trickles its bytes, costs `timeout`), a size cap, and only images: the content
type must be an image's and the bytes must start like one. Images download in parallel
threads. A failure is a warning and the image stays a remote reference.
"""

from __future__ import annotations

import hashlib
import html
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import NotesError
from .model import Diagnostic, Document, Image
from .output import write_bytes
from .render import media_name

TIMEOUT = 5.0  # seconds per image, all included
MAX_BYTES = 5 * 1024 * 1024
WORKERS = 8
IMAGE_TYPES = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/svg+xml": ".svg", "image/bmp": ".bmp",
}


class FetchFailed(Exception):
    pass


@dataclass
class Fetcher:
    cache_dir: Path
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES

    def cached(self, url: str) -> Path | None:
        stem = _url_key(url)
        return next((p for p in self.cache_dir.glob(f"{stem}.*") if p.suffix in IMAGE_TYPES.values()), None)

    def fetch(self, url: str) -> Path:
        path = self.cached(url)
        if path is not None:
            return path
        deadline = time.monotonic() + self.timeout
        request = urllib.request.Request(url, headers={"User-Agent": "notes-export", "Accept": "image/*"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                kind = response.headers.get_content_type()
                if kind not in IMAGE_TYPES:
                    raise FetchFailed(f"not an image (content type {kind})")
                body = self._read(response, deadline)
        except FetchFailed:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchFailed(f"could not download ({reason})") from None
        if not _looks_like(kind, body):
            raise FetchFailed(f"sent as {kind}, but the bytes are not an image")
        path = self.cache_dir / f"{_url_key(url)}{IMAGE_TYPES[kind]}"
        try:
            write_bytes(path, body)
        except NotesError as error:
            raise FetchFailed(f"cannot store it: {error.message}") from None
        return path

    def _read(self, response, deadline: float) -> bytes:
        chunks, size = [], 0
        sock = _socket_of(response)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchFailed(f"timed out after {self.timeout:g} s")
            if sock is not None:  # each read waits at most until the deadline
                sock.settimeout(remaining)
            try:
                chunk = response.read1(64 * 1024)  # whatever has arrived, not a full 64 KB
            except TimeoutError:
                raise FetchFailed(f"timed out after {self.timeout:g} s") from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchFailed(f"larger than {self.max_bytes // (1024 * 1024)} MB")
            chunks.append(chunk)


def fetch_images(document: Document, cache_dir: Path, timeout: float = TIMEOUT) -> None:
    """Download the document's remote images; rewrite the cards to use the local copies."""
    remote = [(card, image) for card in document.cards for image in card.images if image.remote]
    if not remote:
        return
    fetcher = Fetcher(cache_dir, timeout)
    urls = list(dict.fromkeys(image.src for _, image in remote))
    with ThreadPoolExecutor(min(WORKERS, len(urls))) as pool:
        outcomes = dict(zip(urls, pool.map(lambda url: _attempt(fetcher, url), urls)))
    for card, image in remote:
        outcome = outcomes[image.src]
        if isinstance(outcome, FetchFailed):
            document.diagnostics.append(Diagnostic(image.location, f"image not fetched: {outcome}: {image.src[:80]}",
                                                   "it stays a link; check the URL or drop --fetch-images"))
            continue
        _use_local_copy(card, image, outcome)
        document.dependencies.add(outcome)


def _attempt(fetcher: Fetcher, url: str) -> Path | FetchFailed:
    full = "https:" + url if url.startswith("//") else url
    try:
        return fetcher.fetch(full)
    except FetchFailed as failure:
        return failure


def _use_local_copy(card, image: Image, path: Path) -> None:
    name = media_name(path)
    quoted = f'src="{html.escape(image.src)}"'
    card.answer_html = card.answer_html.replace(quoted, f'src="{name}"')
    card.question_html = card.question_html.replace(quoted, f'src="{name}"')
    image.path, image.media_name = path, name


MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",), "image/gif": (b"GIF87a", b"GIF89a"),
    "image/bmp": (b"BM",), "image/webp": (b"RIFF",),
}


def _looks_like(kind: str, body: bytes) -> bool:
    """A page of HTML sent as `image/png` is not an image."""
    if kind == "image/svg+xml":
        head = body[:2048].lstrip().lower()
        return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in body[:8192].lower()
    if kind == "image/webp":
        return body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    return body.startswith(MAGIC[kind])


def _socket_of(response):
    """The connection's socket, to bound each read by the time left (http.client hides it)."""
    raw = getattr(getattr(response, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)


def _url_key(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]
