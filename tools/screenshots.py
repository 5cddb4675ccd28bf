"""README pictures from the sample: a PDF page, and a card's front and back as Anki renders them.

The card is imported into a throw-away collection with the real `anki` package, which
renders the note type's templates; the HTML and CSS it returns are drawn at a phone-like
width (WeasyPrint to PDF, pdftoppm to PNG). Run with `just screenshots`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "source" / "BDS_M6_Exam_Notes.md"
PICTURES = ROOT / "docs" / "img"
CARD_NUMBER = "26"  # `docker run`: code, a list and the context line
CARD_WIDTH_PX = 420


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from anki_helpers import fresh_collection, import_package

    from exporter.anki import write_deck
    from exporter.pdf import write_pdf
    from exporter.pipeline import load

    PICTURES.mkdir(parents=True, exist_ok=True)
    document = load(SAMPLE)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        pdf = write_pdf(document, work).path
        _pdf_page_png(pdf, 1, PICTURES / "pdf-page-1.png")
        _pdf_page_png(pdf, _page_with(pdf, "FROM python"), PICTURES / "pdf-code-page.png")
        package = write_deck(document, work).path
        col = fresh_collection(work / "collection.anki2")
        try:
            import_package(col, package)
            note_id = next(nid for nid in col.find_notes("") if col.get_note(nid)["Number"] == CARD_NUMBER)
            card = col.get_note(note_id).cards()[0]
            css = col.models.get(card.note().mid)["css"]
            for side, html in (("front", card.question()), ("back", card.answer())):
                _card_png(html, css, work, PICTURES / f"card-{side}.png")
        finally:
            col.close()
    for picture in sorted(PICTURES.glob("*.png")):
        print(f"{picture.relative_to(ROOT)}: {picture.stat().st_size:,} bytes")


def _page_with(pdf: Path, text: str) -> int:
    from pypdf import PdfReader

    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        if text in page.extract_text():
            return number
    return 1


def _pdf_page_png(pdf: Path, page: int, target: Path, dpi: int = 64) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True)


def _card_png(body: str, css: str, work: Path, target: Path) -> None:
    from weasyprint import HTML

    def page(height: str) -> str:
        return (f"<html><head><style>{css}\n@page {{ size: {CARD_WIDTH_PX}px {height}; margin: 0 }}"
                f"</style></head><body class='card'>{body}</body></html>")

    measured = HTML(string=page("4000px")).render()
    box = measured.pages[0]._page_box.children[0]
    height = int(box.margin_height()) + 8
    pdf = work / f"{target.stem}.pdf"
    HTML(string=page(f"{height}px")).write_pdf(pdf)
    _pdf_page_png(pdf, 1, target, dpi=110)


if __name__ == "__main__":
    main()
