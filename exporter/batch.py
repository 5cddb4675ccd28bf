"""Rendering many cards fast: a cache of earlier results, and worker processes for the rest.

A rebuild after one edit re-renders one card: results are kept per card, keyed by the
source folder, the question and the answer, and valid only for the exact code that made
them. Cards whose result depends on more than their text (local images, whose files may
change) or that produced warnings (whose line numbers move) are not cached. Large documents render on all cores
with one Markdown instance per worker process.
"""

from __future__ import annotations

import hashlib
import os
import json
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from .model import Card, Document, Image
from .render import Renderer

CACHE_FORMAT = "4"  # what an entry holds
PARALLEL_MIN_CARDS = 600  # below this, starting workers costs more than it saves
CardResult = tuple  # (question_html, answer_html, images, diagnostics, local paths tried)

_worker_renderer: Renderer | None = None
_forked_cards: tuple[list[Card], Path] | None = None  # what forked workers render, by index


def render_cards(document: Document, cache_file: Path | None = None, jobs: int | None = None) -> Document:
    cache = _load(cache_file)
    base = document.path.resolve().parent  # a symlinked notes file: its images sit beside the real file
    todo: list[Card] = []
    for card in document.cards:
        hit = cache.get(_key(card, base))
        if not isinstance(hit, list) or len(hit) != 3:
            todo.append(card)
        else:
            card.question_html, card.answer_html, remote = hit
            card.images = [Image(src, alt, card.location) for src, alt in remote]
    for card, result in zip(todo, _render(todo, base, jobs)):
        card.question_html, card.answer_html, card.images, diagnostics, tried = result
        document.diagnostics.extend(diagnostics)
        document.dependencies.update(tried)
        if not diagnostics and all(image.remote for image in card.images):
            cache[_key(card, base)] = [card.question_html, card.answer_html,
                                       [[image.src, image.alt] for image in card.images]]
    if document.diagnostics:  # keep diagnostics in document order whatever rendered them
        document.diagnostics.sort(key=lambda d: (d.location.line,))
    if cache_file is not None and (todo or len(cache) - 1 > len(document.cards)):
        live = {_key(card, base) for card in document.cards}
        kept = {key: value for key, value in cache.items() if key in live}
        _save(cache_file, {**kept, "version": _version()})
    return document


def _render(cards: list[Card], base: Path, jobs: int | None) -> list[CardResult]:
    global _forked_cards
    jobs = jobs or min(os.cpu_count() or 1, 4)
    if jobs < 2 or len(cards) < PARALLEL_MIN_CARDS or "fork" not in _contexts():
        renderer = Renderer()
        return [_render_one(renderer, card, base) for card in cards]
    # Forked workers find the cards in their copy of this process: only slice bounds travel
    # to them, and only the rendered HTML comes back.
    _forked_cards = (cards, base)
    step = max(1, len(cards) // (jobs * 8))
    bounds = [(start, min(start + step, len(cards))) for start in range(0, len(cards), step)]
    try:
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            return [result for part in pool.map(_render_slice, bounds) for result in part]
    finally:
        _forked_cards = None


def _render_one(renderer: Renderer, card: Card, base: Path) -> CardResult:
    resolver = renderer.render_card(card, base)
    return card.question_html, card.answer_html, card.images, resolver.diagnostics, resolver.tried


def _render_slice(bounds: tuple[int, int]) -> list[CardResult]:
    global _worker_renderer
    if _worker_renderer is None:
        _worker_renderer = Renderer()
    cards, base = _forked_cards
    return [_render_one(_worker_renderer, card, base) for card in cards[bounds[0]:bounds[1]]]


def _contexts() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()


def _key(card: Card, base: Path) -> str:
    text = "\x1f".join((str(base), card.question, card.answer))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _version() -> str:
    """Entries are valid for this code only: any change to the renderer may change its HTML."""
    from .state import tool_fingerprint

    return f"{CACHE_FORMAT}-{tool_fingerprint()}"


def _load(cache_file: Path | None) -> dict:
    if cache_file is None:
        return {}
    try:
        cache = json.loads(cache_file.read_bytes())
        return cache if isinstance(cache, dict) and cache.get("version") == _version() else {}
    except Exception:  # a missing or damaged cache only costs time
        return {}


def _save(cache_file: Path, cache: dict) -> None:
    from .output import atomic_path

    try:
        with atomic_path(cache_file) as tmp:
            tmp.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    except Exception:  # the cache is an optimisation; never fail a build over it
        pass
