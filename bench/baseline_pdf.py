"""Baseline: plain WeasyPrint on a plain 3-column HTML, what issue 5 compares `notes-export pdf` with.

The same content as the deck baseline (its split and its Markdown output), every heading
with its answer, in one HTML document: A4 landscape, CSS columns (3, `column-fill: auto`,
the faster of the two fills), 7.5 pt text, code wrapped, tables fixed. Nothing is fetched
(remote images show their alt text), as in notes-export.

    python bench/baseline_pdf.py NOTES.md OUT.pdf
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_deck import new_markdown, questions, render

CSS = """
@page { size: A4 landscape; margin: 7mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; line-height: 1.25;
       column-count: 3; column-gap: 4mm; column-fill: auto; }
h1 { font-size: 10pt; margin: 2mm 0 1mm; }
h2, h3, h4, h5, h6 { font-size: 8pt; margin: 1.5mm 0 .5mm; break-after: avoid; }
p, ul, ol, pre, table { margin: 0 0 1mm; }
ul, ol { padding-left: 4mm; }
pre { font-size: 6.5pt; white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f5f5; }
table { table-layout: fixed; width: 100%; border-collapse: collapse; }
td, th { border: .2mm solid #999; padding: .3mm .6mm; overflow-wrap: anywhere; }
img { max-width: 100%; }
"""


def main(source: Path, target: Path) -> None:
    from pygments.formatters import HtmlFormatter

    md = new_markdown()
    parts = [f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(source.stem)}</title>",
             f"<style>{CSS}{HtmlFormatter().get_style_defs('.codehilite')}</style></head><body>"]
    for level, title, body in questions(source.read_text(encoding="utf-8")):
        parts.append(f"<h{level}>{html.escape(title)}</h{level}>{render(md, body) if body else ''}")
    parts.append("</body></html>")

    import weasyprint
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):  # WeasyPrint 70 wants a subclass; fetch nothing, like notes-export
        def fetch(self, url, headers=None):
            raise ValueError(f"not fetched: {url[:80]}")

        def open(self, url, data=None, timeout=None):
            return self.fetch(url if isinstance(url, str) else url.full_url)

    document = weasyprint.HTML(string="".join(parts), url_fetcher=NoFetch()).render()
    target.parent.mkdir(parents=True, exist_ok=True)
    document.write_pdf(target)
    print(f"{len(document.pages)} pages -> {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
