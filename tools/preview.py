"""`just preview`: build a notes file's cheat sheet and render its first page and its most
code-heavy page to PNG (pdftoppm), to look at the layout without a PDF viewer.

    python tools/preview.py [SOURCE] [--out build/preview] [--dpi 110] [pdf options: --paper/--portrait/--columns]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def code_heavy_page(pdf: Path) -> int:
    """1-based number of the page with the most characters set in a monospace font."""
    from pypdf import PdfReader

    best, best_count = 1, -1
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        count = 0

        def visit(text, _cm, _tm, font, _size):
            nonlocal count
            if font and "Mono" in str(font.get("/BaseFont", "")):
                count += len(text.strip())

        page.extract_text(visitor_text=visit)
        if count > best_count:
            best, best_count = number, count
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(ROOT / "source" / "BDS_M6_Exam_Notes.md"))
    parser.add_argument("--out", default=str(ROOT / "build" / "preview"))
    parser.add_argument("--dpi", type=int, default=110)
    parser.add_argument("--paper", default="a4")
    parser.add_argument("--portrait", action="store_true")
    parser.add_argument("--columns", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        print("preview: pdftoppm not found: install poppler-utils", file=sys.stderr)
        return 1

    from exporter.errors import NotesError
    from exporter.pdf import write_pdf
    from exporter.pipeline import load

    out = Path(args.out)
    started = time.perf_counter()
    try:
        document = load(Path(args.source))
        result = write_pdf(document, out, paper=args.paper, landscape=not args.portrait, columns=args.columns)
    except NotesError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{result.path}: {result.page_count} pages, {result.column_pages} columns in {result.chunks} chunk(s), "
          f"{time.perf_counter() - started:.2f} s (PDF {result.seconds:.2f} s)")
    for line in result.warnings:
        print(f"warning: {line}")
    pages = dict.fromkeys([1, code_heavy_page(result.path)])
    for number in pages:
        stem = out / f"{result.path.stem}-page{number}"
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(number), "-l", str(number),
                        "-singlefile", str(result.path), str(stem)], check=True)
        print(f"{stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
