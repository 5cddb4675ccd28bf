"""Words on a PDF's pages with their boxes, read with pdfminer.six (pure Python, from PyPI).

pypdf extracts text but places text drawn inside Form XObjects (our columns) without the
form's position; pdfminer applies every transformation, so a word's box is where a printer
puts it. Boxes are in pt from the page's top-left corner: (x1, y1, x2, y2, text).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

Word = tuple[float, float, float, float, str]


def _chars(item):
    from pdfminer.layout import LTChar, LTContainer

    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _chars(child)


@cache
def _words(path: str, size: int, mtime: float) -> tuple[tuple[Word, ...], ...]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=None)  # raw characters, no layout guessing
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    with open(path, "rb") as file:
        for page in PDFPage.get_pages(file):
            interpreter.process_page(page)
            layout = device.get_result()
            pages.append(tuple(_split_words(list(_chars(layout)), layout.height)))
    return tuple(pages)


def _split_words(chars, height: float) -> list[Word]:
    """Characters on one baseline, left to right, cut at spaces and at gaps."""
    baselines: dict[float, list] = {}
    for char in chars:
        baselines.setdefault(round(char.y0, 1), []).append(char)
    words: list[Word] = []
    for _, line in sorted(baselines.items(), key=lambda item: -item[0]):
        line.sort(key=lambda char: char.x0)
        current: list = []
        for char in line:
            text = char.get_text()
            if current and (text.isspace() or char.x0 - current[-1].x1 > 0.25 * char.size):
                words.append(_word(current, height))
                current = []
            if not text.isspace():
                current.append(char)
        if current:
            words.append(_word(current, height))
    return words


def _word(chars, height: float) -> Word:
    return (chars[0].x0, height - max(c.y1 for c in chars), chars[-1].x1, height - min(c.y0 for c in chars),
            "".join(c.get_text() for c in chars))


def words_by_page(path: Path) -> tuple[tuple[Word, ...], ...]:
    stat = Path(path).stat()
    return _words(str(path), stat.st_size, stat.st_mtime)


def lines(words, *, left: float = 0, right: float = float("inf"), top: float = 0,
          bottom: float = float("inf"), tolerance: float = 2.5) -> list[str]:
    """The words inside a region, joined into lines (top to bottom, left to right)."""
    inside = sorted((w for w in words if w[0] >= left and w[2] <= right and w[1] >= top and w[3] <= bottom),
                    key=lambda w: (w[3], w[0]))
    rows: list[list[Word]] = []
    for word in inside:
        if rows and abs(rows[-1][0][3] - word[3]) <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [" ".join(w[4] for w in sorted(row, key=lambda w: w[0])) for row in rows]


def page_text(path: Path, number: int, **region) -> str:
    """The text of page `number` (1-based), line by line; optionally only a region (pt)."""
    return "\n".join(lines(words_by_page(path)[number - 1], **region))
