"""The printable cheat sheet: WeasyPrint lays out columns, pypdf puts them on the sheets.

Why not CSS columns: WeasyPrint lays every multi-column page out twice (once to find where
the columns break, once for real), `column-fill: balance` repeats that until the columns
even out, and a multi-column flow cannot be split between processes. Instead the content
is laid out as a flow of column-sized pages (one narrow page per column, laid out once),
and the sheets are assembled afterwards:

1. content: `cheatsheet.html.j2` -> column pages (`@page` = one column). The first sheet's
   columns are shorter: it carries the title band. A large document is cut into chunks at
   topic (or card) boundaries, rendered in parallel processes, each starting a new column.
2. frame: `frame.html.j2` -> one page per sheet with the running header (the topics on
   that sheet), the footer "page X / Y", the title band, and the contents' page numbers,
   drawn where the content layout reported the contents' entries.
3. imposition (pypdf): each column page becomes a Form XObject drawn onto its sheet;
   links, the outline (topic -> question) and metadata are rebuilt in sheet coordinates.

Nothing is fetched: `exporter.fetcher` serves only the document's local images and the
package's own templates. The output is byte-identical for the same input whatever the
number of cores: chunks depend on the content only, no dates are written, and fontTools'
subset timestamp is pinned through SOURCE_DATE_EPOCH while rendering.

Measured (2 cores, WeasyPrint 70): the same HTML laid out as 3 CSS columns with
`column-fill: auto` costs ~1.5x the CPU of column-sized pages; `balance` adds 10-20% more
here (much more before spanners). Python's cycle collector is paused while WeasyPrint
renders (a quarter of its CPU time otherwise). The sample: 9 sheets in ~2.6 s after import.
"""

from __future__ import annotations

import gc
import hashlib
import html as htmllib
import io
import json
import logging
import math
import multiprocessing
import os
import re
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

from .errors import NotesError
from .fetcher import MEDIA_BASE, TEMPLATES, media_files, restricted_fetcher
from .model import Card, CardKind, Document
from .render import MAX_PRINTED_CODE_LINE
from .output import write_bytes
from .style import stylesheet

PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # portrait width, height in mm
MAX_COLUMNS = 4
HUES = 8  # pdf.css defines .hue-0 … .hue-7

# Sheet geometry, in mm.
MARGIN = 6.5
GAP = 4.0  # between columns
HEADER = 4.0  # running header line
HEADER_GAP = 1.6
FOOTER = 3.8
BAND = 10.5  # title band on the first sheet (fixed height: its text never wraps)
BAND_GAP = 2.2

PX_PER_MM = 96 / 25.4  # CSS pixels
PT_PER_PX = 0.75

# Chunking, in characters of card HTML (about 3,500 per A4-landscape column). Every cut
# leaves the rest of a column empty (the next chunk starts a new column, and where a column
# ends cannot be known before layout: measured, the last column of a chunk is anywhere
# from a quarter to all full), so a document is cut only when it is long enough for that
# to be lost in it. The sample (~85,000) is one chunk: cut in two it took 1.9 s instead of
# 2.6 s on two cores, but left a page a third empty.
SPLIT_MIN = 120_000  # below this one process lays out everything (about 12 sheets)
CHUNK_MAX = 240_000  # bounds a worker's memory (about 22 sheets, ~230 MB per chunk)
CARD_WEIGHT = 250  # markup and spacing around a card
TOPIC_WEIGHT = 300
TOC_WEIGHT = 120  # one line of the contents

CHUNK_FORMAT = 1  # bump when what a cached chunk holds changes
KEEP_CHARS = 750  # card HTML kept in one piece, for a reference column:
REFERENCE_COLUMN = 91.67 * 184.6  # mm², one of three on A4 landscape

_render_lock = threading.Lock()  # SOURCE_DATE_EPOCH and the log capture are process-wide


@dataclass
class PdfResult:
    path: Path
    page_count: int  # sheets in the PDF
    columns: int
    column_pages: int  # column-sized pages WeasyPrint laid out
    chunks: int  # pieces of the flow rendered separately (in parallel when > 1)
    seconds: float  # build time, WeasyPrint import included
    warnings: list[str] = field(default_factory=list)  # WeasyPrint messages (bad CSS, …)
    refused: list[str] = field(default_factory=list)  # URLs the fetcher refused to load
    reused: int = 0  # chunks taken from the cache instead of laid out again


@dataclass(frozen=True)
class Geometry:
    sheet_w: float
    sheet_h: float
    columns: int

    @property
    def col_w(self) -> float:
        return (self.sheet_w - 2 * MARGIN - GAP * (self.columns - 1)) / self.columns

    @property
    def col_top(self) -> float:
        return MARGIN + HEADER + HEADER_GAP

    @property
    def col_h(self) -> float:
        return self.sheet_h - MARGIN - FOOTER - self.col_top

    @property
    def first_offset(self) -> float:
        """Extra top margin of the first sheet's columns, below the title band."""
        return MARGIN + BAND + BAND_GAP - self.col_top

    def col_x(self, k: int) -> float:
        return MARGIN + k * (self.col_w + GAP)


def geometry(paper: str, landscape: bool, columns: int, where: Path) -> Geometry:
    if paper not in PAPERS:
        raise NotesError(where, f"unknown paper size {paper!r}", f"use one of {', '.join(PAPERS)}")
    if not 1 <= columns <= MAX_COLUMNS:
        raise NotesError(where, f"cannot lay out {columns} columns", f"use 1 to {MAX_COLUMNS} columns")
    w, h = PAPERS[paper]
    return Geometry(h, w, columns) if landscape else Geometry(w, h, columns)


def write_pdf(document: Document, out_dir: Path, *, paper: str = "a4", landscape: bool = True,
              columns: int = 3, jobs: int | None = None, cache_dir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> PdfResult:
    """Write `<out_dir>/<stem>.pdf` atomically and say what was written.

    `jobs`: processes for the layout (default: the usable cores); never changes the output.
    `cache_dir`: keep each chunk's layout there, so that a rebuild lays out again only the
    chunks whose content changed (see `ChunkCache`).
    """
    start = time.perf_counter()
    geo = geometry(paper, landscape, columns, document.path)
    target = Path(out_dir) / f"{document.stem}.pdf"
    cache = ChunkCache(Path(cache_dir), document.stem) if cache_dir is not None else None
    built = build_pdf(document, geo, jobs=jobs, cache=cache, progress=progress)
    write_bytes(target, built.data)
    return PdfResult(target, built.sheets, columns, built.column_pages, built.chunks,
                     time.perf_counter() - start, built.warnings, built.refused, built.reused)


@dataclass
class Built:
    data: bytes
    sheets: int
    column_pages: int
    chunks: int
    warnings: list[str]
    refused: list[str]
    reused: int = 0


def build_pdf(document: Document, geo: Geometry, *, jobs: int | None = None,
              cache: ChunkCache | None = None, progress: Callable[[str], None] | None = None) -> Built:
    """The PDF's bytes; `progress` hears of each part laid out (a large document has many)."""
    try:
        with warnings.catch_warnings():  # "HarfBuzz-Subset will be required by future versions"
            warnings.simplefilter("ignore", DeprecationWarning)
            import weasyprint  # noqa: F401  (loaded before forking workers, so they share it)
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz libraries missing
        raise NotesError(document.path, f"cannot load WeasyPrint: {exc}",
                         "install WeasyPrint and its Pango library (see WeasyPrint's installation guide)") from exc

    css = stylesheet("pdf")
    media = media_files(document)
    plan = plan_chunks(document)
    if len(plan) == 1:
        return _build_whole(document, geo, css, media, plan[0])
    chunks = [chunk_html(document, geo, css, pieces, first=i == 0) for i, pieces in enumerate(plan)]
    keys = [chunk_key(html, media) for html in chunks]
    found = cache.load(keys) if cache else {}
    todo = [i for i, key in enumerate(keys) if key not in found]
    try:
        fresh = dict(zip(todo, _render_all([chunks[i] for i in todo], media, jobs, progress)))
    except BrokenProcessPool as exc:  # a worker died (out of memory, killed)
        raise NotesError(document.path, f"a PDF layout process ended abruptly ({exc})",
                         "retry; if it happens again, free some memory") from exc
    rendered = [fresh[i] if i in fresh else found[key] for i, key in enumerate(keys)]
    laid_out = dict(zip(keys, rendered))  # everything worth keeping, superseded first chunks too
    # The first sheet's columns are shorter (title band): they must all come from the first
    # chunk. The plan makes that chunk large enough; should it still fall short, merge it
    # with the next one and lay it out again.
    while len(rendered[0].pages) < geo.columns and len(plan) > 1:
        plan[:2] = [_merge(plan[0], plan[1])]
        chunks[:2] = [chunk_html(document, geo, css, plan[0], first=True)]
        keys[:2] = [chunk_key(chunks[0], media)]
        found.update(cache.load(keys[:1]) if cache else {})
        rendered[:2] = [found.get(keys[0]) or render_html(chunks[0], media)]
        laid_out[keys[0]] = rendered[0]
    layout = Layout.of(rendered, document, geo)
    frame = render_html(frame_html(document, geo, css, layout), media)
    data = impose([frame.pdf, *(r.pdf for r in rendered)], document, geo, layout)
    if cache:
        cache.keep(laid_out)
    parts = [*rendered, frame]
    return Built(data, layout.sheets, layout.column_pages, len(chunks),
                 [w for r in parts for w in r.warnings], [u for r in parts for u in r.refused],
                 sum(1 for key, chunk in zip(keys, rendered) if found.get(key) is chunk))


def _build_whole(document: Document, geo: Geometry, css: str, media: dict[str, Path],
                 pieces: list[Piece]) -> Built:
    """One chunk: content and frame laid out here and written as one PDF (fonts subset once)."""
    import weasyprint

    fetcher = restricted_fetcher(media)
    with _render_lock, _reproducible(), _captured_warnings() as messages, _no_cycle_collection():
        content = weasyprint.HTML(string=chunk_html(document, geo, css, pieces, first=True),
                                  base_url=MEDIA_BASE, url_fetcher=fetcher).render()
        layout = Layout.of([Rendered(b"", _page_facts(content), [], [])], document, geo)
        frame = weasyprint.HTML(string=frame_html(document, geo, css, layout), base_url=MEDIA_BASE,
                                url_fetcher=fetcher).render()
        raw = frame.copy([*frame.pages, *content.pages]).write_pdf()
    data = impose([raw], document, geo, layout)
    return Built(data, layout.sheets, layout.column_pages, 1, list(messages), list(fetcher.refused))


# --- rendering, in this process or in workers -------------------------------------------------

@dataclass
class Rendered:
    """One WeasyPrint document as plain, picklable data."""

    pdf: bytes
    pages: list[tuple[dict, list]]  # per page: anchors {id: (x1, y1, x2, y2)}, links [(kind, target, rect)]
    warnings: list[str]
    refused: list[str]


def chunk_key(html: str, media: dict[str, Path]) -> str:
    """What a chunk's layout depends on: its HTML (content, stylesheet, page size), the images
    it can load (by content: the media name is a hash of the bytes), and the code laying it out."""
    from importlib.metadata import version

    digest = hashlib.blake2b(html.encode(), digest_size=20)
    for name in sorted(name for name in media if name in html):
        digest.update(name.encode() + b"\0")
    digest.update(f"{version('weasyprint')} {version('notes-export')} {CHUNK_FORMAT}".encode())
    return digest.hexdigest()


class ChunkCache:
    """Laid-out chunks of one document, by `chunk_key`: `<dir>/<stem>.pdf-chunks/<key>.pdf` and
    `.json` (anchors, links, messages). Only the latest build's chunks are kept; a damaged or
    unreadable entry is laid out again. JSON, not pickle: the folder is only as trusted as
    the output folder."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder = folder / f"{stem}.pdf-chunks"

    def load(self, keys: list[str]) -> dict[str, Rendered]:
        found = {}
        for key in set(keys):
            try:
                facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
                pdf = (self.folder / f"{key}.pdf").read_bytes()
                if hashlib.blake2b(pdf, digest_size=20).hexdigest() != facts["pdf"]:
                    continue
                pages = [({name: tuple(box) for name, box in anchors.items()},
                          [(kind, target, tuple(rect)) for kind, target, rect in links])
                         for anchors, links in facts["pages"]]
                found[key] = Rendered(pdf, pages, facts["warnings"], facts["refused"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def keep(self, chunks: dict[str, Rendered]) -> None:
        """Store these chunks and drop every other; a cache that cannot be written is skipped."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for key, chunk in chunks.items():
                if not (self.folder / f"{key}.json").exists():
                    write_bytes(self.folder / f"{key}.pdf", chunk.pdf)
                    facts = {"pdf": hashlib.blake2b(chunk.pdf, digest_size=20).hexdigest(), "pages": chunk.pages,
                             "warnings": chunk.warnings, "refused": chunk.refused}
                    write_bytes(self.folder / f"{key}.json", json.dumps(facts).encode())
            for entry in self.folder.iterdir():
                if entry.stem not in chunks:
                    entry.unlink()
        except OSError:
            pass


def render_html(html: str, media: dict[str, Path]) -> Rendered:
    import weasyprint

    fetcher = restricted_fetcher(media)
    with _render_lock, _reproducible(), _captured_warnings() as messages, _no_cycle_collection():
        document = weasyprint.HTML(string=html, base_url=MEDIA_BASE, url_fetcher=fetcher).render()
        pages = _page_facts(document)
        pdf = document.write_pdf()
    return Rendered(pdf, pages, list(messages), list(fetcher.refused))


def _page_facts(document) -> list[tuple[dict, list]]:
    return [(dict(page.anchors),
             [(kind, target, rect) for kind, target, rect, _box in page.links if _kept_link(kind, target)])
            for page in document.pages]


def _kept_link(kind: str, target: str) -> bool:
    """Links inside the sheet, and to the web or mail. A relative link in the notes would
    point into the fake media folder (a `file:` URL of the reader's disk): it stays text."""
    return kind == "internal" or (kind == "external" and urlsplit(target).scheme.lower() in ("http", "https", "mailto"))


def _render_all(chunks: list[str], media: dict[str, Path], jobs: int | None,
                progress: Callable[[str], None] | None = None) -> list[Rendered]:
    done = 0

    def finished(result: Rendered) -> Rendered:
        nonlocal done
        done += 1
        if progress:
            progress(f"PDF: laid out part {done} of {len(chunks)}")
        return result

    workers = min(len(chunks), jobs or _usable_cores())
    if workers <= 1:
        return [finished(render_html(html, media)) for html in chunks]
    # fork shares the loaded WeasyPrint; only safe while this process runs no other thread
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() \
        else "spawn"
    context = multiprocessing.get_context(method)
    if len(chunks) <= workers:  # this process renders the first chunk itself
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
            futures = [pool.submit(render_html, html, media) for html in chunks[1:]]
            first = finished(render_html(chunks[0], media))
            return [first, *(finished(future.result()) for future in futures)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(render_html, html, media) for html in chunks]
        for future in as_completed(futures):
            finished(future.result())
        return [future.result() for future in futures]


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- HTML ---------------------------------------------------------------------------------

@cache
def _templates():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


@dataclass
class Piece:
    """Consecutive cards of one topic inside one chunk."""

    topic: int  # index into document.topics
    cards: list[Card]
    opens: bool  # the topic starts here: draw its bar


def plan_chunks(document: Document) -> list[list[Piece]]:
    """Cut the flow into chunks of similar size, from the content alone (never the core count).

    Cuts fall on a topic start when one lies near the ideal place, else between cards.
    """
    # a topic without cards still gets its bar (and its page in the contents)
    units = [(topic.index, card) for topic in document.topics for card in (topic.cards or [None])]
    weights = [len(card.question_html) + len(card.answer_html) + CARD_WEIGHT if card else 0
               for _, card in units]
    opens = [i == 0 or units[i - 1][0] != units[i][0] for i in range(len(units))]
    weights = [w + (TOPIC_WEIGHT if o else 0) for w, o in zip(weights, opens)]
    total = sum(weights) + TOC_WEIGHT * len(document.topics)
    count = 1 if total < SPLIT_MIN else max(2, math.ceil(total / CHUNK_MAX))
    if count > 1:
        count += count % 2  # an even count shares out evenly over 2, 4, 8… cores
    count = min(count, len(units))  # never more chunks than cards
    cuts: list[int] = []
    if count > 1:
        before = [TOC_WEIGHT * len(document.topics)]
        for w in weights:
            before.append(before[-1] + w)
        size = total / count
        for k in range(1, count):
            ideal = size * k
            near = [i for i in range(1, len(units)) if opens[i] and abs(before[i] - ideal) <= size / 4]
            candidates = near or range(1, len(units))
            cut = min(candidates, key=lambda i: (abs(before[i] - ideal), i))
            if (not cuts or cut > cuts[-1]) and cut < len(units):
                cuts.append(cut)
    chunks: list[list[Piece]] = []
    bounds = [0, *cuts, len(units)]
    for start, end in zip(bounds, bounds[1:]):
        pieces: list[Piece] = []
        for i in range(start, end):
            topic, card = units[i]
            if not pieces or pieces[-1].topic != topic:
                pieces.append(Piece(topic, [], opens[i]))
            if card is not None:
                pieces[-1].cards.append(card)
        chunks.append(pieces)
    if not chunks:  # a document without cards still gets its title sheet
        chunks.append([])
    return chunks


def _merge(first: list[Piece], second: list[Piece]) -> list[Piece]:
    if first and second and first[-1].topic == second[0].topic and not second[0].opens:
        joined = Piece(first[-1].topic, [*first[-1].cards, *second[0].cards], first[-1].opens)
        return [*first[:-1], joined, *second[1:]]
    return [*first, *second]


def chunk_html(document: Document, geo: Geometry, css: str, pieces: list[Piece], *, first: bool) -> str:
    topics = {topic.index: topic for topic in document.topics}
    # a card up to about a quarter of a column stays whole (moving it leaves at most that gap);
    # a longer one may continue in the next column
    keep_below = KEEP_CHARS * (geo.col_w * geo.col_h) / REFERENCE_COLUMN
    views = []
    for piece in pieces:
        topic = topics[piece.topic]
        items: list[dict] = []
        shown: tuple[str, ...] = ()
        for card in piece.cards:
            if card.sections and card.sections != shown:
                items.append({"section": " › ".join(card.sections)})
            shown = card.sections
            items.append({"card": _card_view(card, keep_below)})
        views.append({"index": topic.index, "title": topic.title, "hue": topic.index % HUES,
                      "questions": _questions(topic.cards), "opens": piece.opens, "items": items})
    toc = [{"index": t.index, "title": t.title, "hue": t.index % HUES, "questions": _questions(t.cards)}
           for t in document.topics] if first else []
    return _templates().get_template("cheatsheet.html.j2").render(
        document=document, pieces=views, toc=toc, first=first, geo=geo, css=css, lang=_lang(document))


def _questions(cards: list[Card]) -> int:
    return sum(1 for card in cards if card.kind is CardKind.QUESTION)


def _card_view(card: Card, keep_below: float) -> dict:
    media = {image.media_name for image in card.images if image.media_name and image.path}
    answer = _code_lines_for_print(_leads_for_print(_numbered_lists_for_print(
        _images_for_print(card.answer_html, media))))
    # notes under a section or topic heading: that heading (section bar / topic bar) is their title
    untitled = card.kind is CardKind.NOTES and card.question in (*card.sections[-1:], card.topic)
    return {
        "id": f"card-{card.index}",
        "untitled": untitled,
        "number": card.number,
        "notes": card.kind is CardKind.NOTES,
        "sub": card.parent is not None,
        "question_html": _images_for_print(card.question_html, media),
        "answer_html": answer,
        "keep": len(card.question_html) + len(answer) < keep_below,
    }


LEAD = re.compile(r'<p>((?:(?!</?p>).)*)</p>(?=\s*<(?:ul|ol|table|div class="highlight"))', re.DOTALL)
LABEL = re.compile(r'<p( class="lead")?>\s*([^<]{1,60}:)\s*</p>')
# a short line without a sentence's ending above a list or a label: "Virtual Machine (VM)"
TITLE = re.compile(r'<p( class="lead")?>\s*([^<]{1,40}[^<\s.!?;,:])\s*</p>(?=\s*<(?:ul|ol|p class="label))')


def _leads_for_print(html: str) -> str:
    """A paragraph that introduces a list, table or code stays with it; a short one ending in
    a colon ("Pros:", "Example:"), or a short title over a list or such a label, is set in
    bold so the answer scans."""
    html = LEAD.sub(r'<p class="lead">\1</p>', html)
    html = LABEL.sub(lambda m: f'<p class="{"label lead" if m[1] else "label"}">{m[2]}</p>', html)
    return TITLE.sub(lambda m: f'<p class="label lead">{m[2]}</p>', html)


CODE_BODY = re.compile(r'(<pre><span></span><code[^>]*>)(.*?)(</code></pre>)', re.DOTALL)


def _code_lines_for_print(html: str) -> str:
    """Each source line of highlighted code its own block, so that a line wrapped to fit the
    column hangs indented and does not read as a new line. (Pygments closes every token's
    span at a line end, so each line is whole HTML.)"""
    def lines(match: re.Match) -> str:
        body = match[2].split("\n")
        tail = body.pop() if body and body[-1] == "" else ""
        wrapped = "".join(f'<span class="ln">{_printable_code_line(line) or " "}</span>' for line in body)
        return f"{match[1]}{wrapped}{tail}{match[3]}"

    return CODE_BODY.sub(lines, html)


HTML_PIECE = re.compile(r"(<[^>]*>|&[#\w]+;)")  # a tag or an entity: not cut, not counted as text
UNBROKEN = re.compile(r"(\S{48})(?=\S)")


def _printable_code_line(line: str) -> str:
    """A code line as the column can lay it out: long runs without a space get invisible break
    points (WeasyPrint lays out a run it must cut anywhere in time that grows with the square of
    its length: 30,000 characters took 14 s, now 3 s), and past MAX_PRINTED_CODE_LINE
    characters the line is cut, saying how much is left out (the renderer warns of it)."""
    if len(line) < 48:
        return line
    out: list[str] = []
    shown = 0
    pieces = HTML_PIECE.split(line)
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag or an entity
            out.append(piece)
            shown += piece.startswith("&")
            continue
        room = MAX_PRINTED_CODE_LINE - shown
        if len(piece) > room:
            rest = len(piece) - room + sum(1 if p.startswith("&") else 0 if p.startswith("<") else len(p)
                                             for p in pieces[index + 1:])
            out.append(UNBROKEN.sub("\\1\u200b", piece[:room]))
            out.append("</span>" * (sum(p.startswith("<span") for p in out) - sum(p == "</span>" for p in out)))
            out.append(f'<span class="cut"> … {rest:,} more characters</span>')
            break
        out.append(UNBROKEN.sub("\\1\u200b", piece))
        shown += len(piece)
    return "".join(out)


OL_START = re.compile(r'<ol start="(-?\d{1,9})">')


def _numbered_lists_for_print(html: str) -> str:
    """WeasyPrint ignores `<ol start>`: say it with the list-item counter."""
    return OL_START.sub(lambda m: f'<ol start="{m[1]}" style="counter-reset: list-item {int(m[1]) - 1}">', html)


IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'([a-zA-Z_:][-\w:.]*)\s*=\s*("[^"]*"|\'[^\']*\'|[^\s"\'>]+)')


def _images_for_print(html: str, media: set[str]) -> str:
    """Keep the card's local images (served by media name); anything else becomes a placeholder."""
    return IMG_TAG.sub(lambda match: _image_for_print(match, media), html)


def _image_for_print(match: re.Match, media: set[str]) -> str:
    attrs = {k.lower(): htmllib.unescape(v.strip("\"'")) for k, v in ATTR.findall(match.group(0))}
    src, alt = attrs.get("src", ""), attrs.get("alt", "").strip()
    if src in media:
        return match.group(0)
    parts = urlsplit("https:" + src if src.startswith("//") else src)
    name = _shortened(parts.path.rstrip("/").rsplit("/", 1)[-1])
    where = parts.netloc or "not found"
    e = htmllib.escape
    shown = alt if alt.casefold() not in GENERIC_ALTS and alt != name else ""
    label = f'<span class="img-alt">{e(shown)}</span> ' if shown else ""
    return (f'<span class="img-placeholder"><span class="img-icon"></span>{label}'
            f'<span class="img-where">image not embedded · {e(where)}'
            f'{" · " + e(name) if name else ""}</span></span>')


GENERIC_ALTS = {"picture", "image", "img", "pic", "photo", "figure", "fig", "screenshot", "diagram", "png", "jpg"}


def _shortened(name: str, most: int = 36) -> str:
    """A long generated file name, its middle cut: the placeholder says where, not everything."""
    return name if len(name) <= most else f"{name[:most // 2 - 1]}…{name[-(most // 2 - 1):]}"


def _lang(document: Document) -> str:
    lang = document.settings.get("lang") or document.settings.get("language") or "en"
    return lang if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang) else "en"


# --- where things landed --------------------------------------------------------------------

@dataclass
class Layout:
    """The column pages placed on sheets (CSS px from a sheet's top-left corner)."""

    geo: Geometry
    column_pages: int
    chunk_pages: list[list[int]]  # per chunk, the global column number of each of its pages
    anchors: dict[str, tuple[int, float, float, float, float]]  # id -> sheet, x1, y1, x2, y2
    links: list[tuple[int, str, str, tuple[float, float, float, float]]]  # sheet, kind, target, rect
    sheet_topics: list[list[int]]  # per sheet, the topics shown on it

    @property
    def sheets(self) -> int:
        return len(self.sheet_topics)

    @classmethod
    def of(cls, rendered: list[Rendered], document: Document, geo: Geometry) -> "Layout":
        anchors: dict[str, tuple[int, float, float, float, float]] = {}
        links = []
        chunk_pages = []
        number = 0
        for chunk in rendered:
            chunk_pages.append(list(range(number, number + len(chunk.pages))))
            for page_anchors, page_links in chunk.pages:
                sheet, dx, dy = cls.place(number, geo)
                for name, (x1, y1, x2, y2) in page_anchors.items():
                    # an element broken over pages has an anchor on each: keep where it starts
                    anchors.setdefault(name, (sheet, x1 + dx, y1 + dy, x2 + dx, y2 + dy))
                for kind, target, (x, y, w, h) in page_links:
                    links.append((sheet, kind, target, (x + dx, y + dy, x + dx + w, y + dy + h)))
                number += 1
        for topic in document.topics:  # the contents' entries link to their topics
            entry = anchors.get(f"toc-{topic.index}")
            if entry is not None:
                links.append((entry[0], "internal", f"topic-{topic.index}", entry[1:]))
        sheets = max(1, math.ceil(number / geo.columns))
        starts = [(t.index, anchors[f"topic-{t.index}"]) for t in document.topics
                  if f"topic-{t.index}" in anchors]
        sheet_topics: list[list[int]] = []
        for s in range(sheets):
            top = (geo.col_top + (geo.first_offset if s == 0 else 0) + 1) * PX_PER_MM
            left = (geo.col_x(0) + 1) * PX_PER_MM
            running = [index for index, a in starts if a[0] < s]
            here = [index for index, a in starts if a[0] == s]
            opens_sheet = any(a[0] == s and a[1] < left and a[2] < top for _, a in starts)
            sheet_topics.append(([] if opens_sheet else running[-1:]) + here)
        return cls(geo, number, chunk_pages, anchors, links, sheet_topics)

    @staticmethod
    def place(number: int, geo: Geometry) -> tuple[int, float, float]:
        """Column page -> (sheet, x, y) of its top-left corner on the sheet, in px."""
        sheet, k = divmod(number, geo.columns)
        return sheet, geo.col_x(k) * PX_PER_MM, geo.col_top * PX_PER_MM


def frame_html(document: Document, geo: Geometry, css: str, layout: Layout) -> str:
    topics = {t.index: t for t in document.topics}
    sheets = []
    for s, shown in enumerate(layout.sheet_topics):
        numbers = []
        for topic in document.topics:
            entry = layout.anchors.get(f"toc-{topic.index}")
            target = layout.anchors.get(f"topic-{topic.index}")
            if entry and target and entry[0] == s:
                _, x1, y1, x2, y2 = entry
                numbers.append({"x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1, "page": target[0] + 1})
        sheets.append({"number": s + 1, "numbers": numbers,
                       "topics": [{"title": topics[i].title, "hue": i % HUES} for i in shown]})
    return _templates().get_template("frame.html.j2").render(
        document=document, geo=geo, css=css, sheets=sheets, total=len(sheets), lang=_lang(document),
        questions=_questions(document.cards), source=document.path.name,
        margin=MARGIN, band=BAND, header=HEADER, footer=FOOTER)


# --- imposition -----------------------------------------------------------------------------

def impose(pdfs: list[bytes], document: Document, geo: Geometry, layout: Layout) -> bytes:
    """Sheets from WeasyPrint's pages: the frame's `layout.sheets` pages, then the column pages
    (all in `pdfs`, in that order, over one or more files)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, Fit,
                               IndirectObject, NameObject, NumberObject, TextStringObject)

    pages = [page for data in pdfs for page in PdfReader(io.BytesIO(data)).pages]
    frames, columns = pages[:layout.sheets], pages[layout.sheets:]
    writer = PdfWriter()
    px = PX_PER_MM * PT_PER_PX  # pt per mm
    sheet_h = geo.sheet_h * px

    for s in range(layout.sheets):
        frame_page = frames[s]
        frame_page.pop("/Annots", None)
        sheet = writer.add_page(frame_page)
        resources = DictionaryObject(sheet["/Resources"].get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        ops = []
        for k in range(geo.columns):
            number = s * geo.columns + k
            if number >= len(columns):
                break
            name = f"/Col{k}"
            xobjects[NameObject(name)] = _form_xobject(columns[number], writer)
            x = geo.col_x(k) * px
            y = sheet_h - (geo.col_top + geo.col_h) * px
            ops.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm {name} Do Q")
        resources[NameObject("/XObject")] = xobjects
        sheet[NameObject("/Resources")] = writer._add_object(resources)
        drawn = DecodedStreamObject()
        drawn.set_data("\n".join(ops).encode("ascii"))
        raw = sheet.raw_get("/Contents")  # keep references: a stream inside an array must be indirect
        contents = raw.get_object()
        old = list(contents) if isinstance(contents, ArrayObject) else \
            [raw if isinstance(raw, IndirectObject) else writer._add_object(contents)]
        # columns first, the frame (header, footer, contents' page numbers) on top
        sheet[NameObject("/Contents")] = ArrayObject([writer._add_object(drawn.flate_encode()), *old])

    def num(value: float) -> FloatObject:
        return FloatObject(round(value, 3))

    def point(x: float, y: float) -> tuple[float, float]:  # px from top-left -> pt from bottom-left
        return x * PT_PER_PX, sheet_h - y * PT_PER_PX

    def destination(name: str) -> tuple[int, float, float] | None:
        anchor = layout.anchors.get(name)
        if anchor is None:
            return None
        left, top = point(anchor[1], anchor[2])
        return anchor[0], left, top

    for s, kind, target, (x1, y1, x2, y2) in layout.links:
        (a, b), (c, d) = point(x1, y2), point(x2, y1)
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([num(a), num(b), num(c), num(d)]),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
        })
        if kind == "external":
            annotation[NameObject("/A")] = DictionaryObject({
                NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(target)})
        else:
            dest = destination(target)
            if dest is None:
                continue
            annotation[NameObject("/Dest")] = ArrayObject([
                writer.pages[dest[0]].indirect_reference, NameObject("/XYZ"), num(dest[1]), num(dest[2]),
                NumberObject(0)])
        page = writer.pages[s]
        if "/Annots" not in page:
            page[NameObject("/Annots")] = ArrayObject()
        page["/Annots"].append(writer._add_object(annotation))

    for topic in document.topics:  # outline: topic -> question
        dest = destination(f"topic-{topic.index}")
        if dest is None:
            continue
        parent = writer.add_outline_item(title=topic.title, page_number=dest[0],
                                         fit=Fit.xyz(num(dest[1]), num(dest[2]), 0), bold=True)
        for card in topic.cards:
            card_dest = destination(f"card-{card.index}")
            if card_dest is not None and not _is_topic_intro(card):
                writer.add_outline_item(title=outline_label(card), page_number=card_dest[0], parent=parent,
                                        fit=Fit.xyz(num(card_dest[1]), num(card_dest[2]), 0))
    writer.page_mode = "/UseOutlines"  # viewers show the outline on opening
    metadata = {
        "/Title": document.title,
        "/Subject": f"Cheat sheet of {document.path.name}: {len(document.topics)} topics, "
                    f"{_questions(document.cards)} questions",
        "/Creator": "notes-export",
        "/Producer": "notes-export (WeasyPrint, pypdf)",
    }
    if document.settings.get("author"):
        metadata["/Author"] = str(document.settings["author"])
    writer.add_metadata(metadata)  # no dates: the same notes give the same bytes
    writer._root_object[NameObject("/Lang")] = TextStringObject(_lang(document))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _form_xobject(page, writer):
    """A column page as a Form XObject: its content stream reused as is, with its resources."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject, StreamObject

    contents = page["/Contents"].get_object()
    if isinstance(contents, StreamObject):
        form = contents.clone(writer)
    else:  # an array of streams: join them
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in contents))
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    box = page.mediabox
    form[NameObject("/BBox")] = ArrayObject([FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)])
    resources = page["/Resources"].get_object().clone(writer)
    form[NameObject("/Resources")] = resources.indirect_reference or resources
    return form.indirect_reference or writer._add_object(form)


def _is_topic_intro(card: Card) -> bool:
    """Notes under the topic heading itself: the topic's own outline entry points there already."""
    return card.kind is CardKind.NOTES and not card.sections and card.question == card.topic


def outline_label(card: Card) -> str:
    return f"{card.number}. {card.question}" if card.number else card.question


# --- reproducibility, speed and logging ------------------------------------------------------

@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """WeasyPrint allocates millions of small objects; Python's cycle collector walks the
    growing heap again and again while it does, a quarter to nearly half of the render's
    CPU time (measured: a 66-column chunk, 7.1 s -> 5.5 s), for almost no garbage (peak
    memory within 2%). Off during a render, one collection after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


@contextmanager
def _reproducible() -> Iterator[None]:
    """fontTools stamps the clock into subset fonts unless SOURCE_DATE_EPOCH is set: pin it
    (keeping the user's value if any) for the render only, then restore the environment."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = old or "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


class _Collect(logging.Handler):
    QUIET = ("Using fontTools instead of HarfBuzz-Subset",)

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(self.QUIET):
            self.messages.append(message)


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """WeasyPrint logs refused URLs and CSS problems: collect them instead of printing."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
