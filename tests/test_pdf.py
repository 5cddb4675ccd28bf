"""The printable cheat sheet (exporter.pdf): content, navigation, layout, reproducibility, safety."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, write_notes
from pdf_words import page_text, words_by_page
from local_server import PNG, fixture_server  # noqa: F401

PT_PER_MM = 72 / 25.4
SAMPLE_PAGES = range(8, 11)  # the sample: 9 pages when written (A4 landscape, 3 columns)


def squash(text: str) -> str:
    """Letters and digits only: immune to line breaks, hyphenation and markup."""
    return re.sub(r"[\W_]+", "", text).lower()


def pdf_text(path: Path) -> str:
    """pypdf's text, column by column."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def contents_page(pdf: Path, geo, title: str) -> int:
    """The page number printed in the contents entry of `title` (entry: title, count "N Q", page)."""
    first_column = page_text(pdf, 1, right=(geo.col_x(0) + geo.col_w) * PT_PER_MM + 1)
    match = re.search(rf"^{re.escape(title)} \d+ Q (\d+)$", first_column, re.M)
    assert match, f"no contents entry for {title!r} in {first_column[:300]!r}"
    return int(match[1])


def assert_within_columns(pdf: Path, geo) -> None:
    """No word of the columns' area crosses its column's edges (nothing runs into the next column)."""
    top, bottom = geo.col_top * PT_PER_MM, (geo.col_top + geo.col_h) * PT_PER_MM
    columns = [(geo.col_x(k) * PT_PER_MM, (geo.col_x(k) + geo.col_w) * PT_PER_MM) for k in range(geo.columns)]
    checked = 0
    for number, words in enumerate(words_by_page(pdf), 1):
        for x1, y1, x2, y2, text in words:
            if y1 < top or y2 > bottom:
                continue  # header, footer, title band
            checked += 1
            assert any(left - 0.5 <= x1 and x2 <= right + 0.5 for left, right in columns), \
                f"page {number}: {text!r} at x {x1:.1f}–{x2:.1f} leaves its column"
    assert checked


@pytest.fixture(scope="module")
def built(sample, tmp_path_factory):
    from exporter.pdf import write_pdf

    result = write_pdf(sample, tmp_path_factory.mktemp("pdf"))
    return sample, result


def test_writes_the_sample_with_a_stated_page_count(built):
    document, result = built
    assert result.path.name == "BDS_M6_Exam_Notes.pdf" and result.path.is_file()
    reader = PdfReader(result.path)
    assert len(reader.pages) == result.page_count
    assert result.page_count in SAMPLE_PAGES
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / PT_PER_MM), round(height / PT_PER_MM)) == (297, 210)  # A4 landscape
    assert result.warnings == [] and result.refused == []


def test_every_question_appears(built):
    document, result = built
    text = squash(pdf_text(result.path))
    missing = [card.question for card in document.cards if squash(card.question) not in text]
    assert not missing
    for topic in document.topics:
        assert squash(topic.title) in text


def test_first_page_has_title_source_counts_and_contents(built):
    document, result = built
    first = page_text(result.path, 1)
    assert document.title in first
    assert "BDS_M6_Exam_Notes.md" in first
    assert f"{len(document.topics)} topics" in first
    assert "Contents" in first or "CONTENTS" in first
    assert f"page 1 / {result.page_count}" in first


def test_outline_lists_topics_then_questions_at_their_pages(built):
    document, result = built
    reader = PdfReader(result.path)
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    info = reader.metadata
    assert info.title == document.title
    assert "7 topics" in info.subject
    assert "/CreationDate" not in info and "/ModDate" not in info
    outline = reader.outline
    topics = [entry for entry in outline if not isinstance(entry, list)]
    assert [entry.title for entry in topics] == [topic.title for topic in document.topics]
    children = [entry for entry in outline if isinstance(entry, list)]
    # every card but a topic's own introduction (the topic's entry points there already)
    entries = [[card for card in topic.cards if card.question != topic.title] for topic in document.topics]
    assert [len(group) for group in children] == [len(cards) for cards in entries]
    assert sum(map(len, children)) == len(document.cards) - 1  # the API topic's introduction
    pages = words_by_page(result.path)
    for entry, topic in zip(topics, document.topics):
        number = reader.get_destination_page_number(entry)
        height = float(reader.pages[number].mediabox.height)
        x, y = float(entry.left), height - float(entry.top)
        first_word = topic.title.split()[0]
        # the topic's bar starts right at the destination (not merely in the running header)
        assert any(w[4] == first_word and abs(w[0] - x) < 15 and 0 <= w[1] - y < 15 for w in pages[number]), \
            f"{topic.title}: no bar at page {number + 1}"
    for group, cards in zip(children, entries):
        for entry, card in zip(group, cards):
            assert squash(card.question) in squash(entry.title)
            number = reader.get_destination_page_number(entry)
            assert squash(card.question)[:30] in squash(page_text(result.path, number + 1)), card


def test_contents_page_numbers_match_the_outline(built):
    from exporter.pdf import geometry

    document, result = built
    reader = PdfReader(result.path)
    expected = [reader.get_destination_page_number(e) + 1 for e in reader.outline if not isinstance(e, list)]
    geo = geometry("a4", True, 3, document.path)
    for topic, page in zip(document.topics, expected):
        assert contents_page(result.path, geo, topic.title) == page


def test_running_header_names_the_topics_on_each_page(built):
    document, result = built
    titles = [topic.title for topic in document.topics]
    for number in range(2, result.page_count + 1):
        header = page_text(result.path, number, bottom=40)
        assert any(title in header for title in titles), header


def test_remote_images_become_placeholders(built):
    document, result = built
    text = pdf_text(result.path)
    assert "image not embedded · raw.githubusercontent.com" in text.replace("\n", " ")


def test_columns_hold_their_text(built, sample):
    from exporter.pdf import geometry

    assert_within_columns(built[1].path, geometry("a4", True, 3, sample.path))


def test_long_code_lines_and_wide_tables_wrap_inside_their_column(tmp_path):
    from exporter.pdf import geometry, write_pdf
    from exporter.pipeline import load

    long_line = "result = compute(" + ", ".join(f"argument_{n}" for n in range(40)) + ")"
    no_spaces = "x" * 300
    table = "| " + " | ".join(f"column{n}" for n in range(9)) + " |\n|" + "---|" * 9 + "\n| " + \
        " | ".join("averyveryverylongcellvaluewithoutspaces" for _ in range(9)) + " |"
    notes = write_notes(tmp_path, "# Code\n\n## 1. What does long code look like?\n\n"
                        f"```python\n{long_line}\n{no_spaces}\n```\n\nAnd a table:\n\n{table}\n\n"
                        f"Inline `{no_spaces}` code.\n")
    document = load(notes)
    for columns, landscape in ((3, True), (4, True), (2, False)):
        result = write_pdf(document, tmp_path / f"out{columns}", columns=columns, landscape=landscape)
        assert_within_columns(result.path, geometry("a4", landscape, columns, notes))
        assert squash(no_spaces) in squash(pdf_text(result.path))


def test_two_builds_are_byte_identical(built, tmp_path):
    from exporter.pdf import write_pdf

    document, first = built
    again = write_pdf(document, tmp_path / "again", jobs=1)  # one process or several: same bytes
    assert hashlib.sha256(again.path.read_bytes()).digest() == hashlib.sha256(first.path.read_bytes()).digest()


def test_paper_and_columns_options(tmp_path):
    from exporter.errors import NotesError
    from exporter.pdf import write_pdf
    from exporter.pipeline import load

    notes = write_notes(tmp_path, "# T\n\n## 1. Question?\n\nAnswer.\n")
    document = load(notes)
    result = write_pdf(document, tmp_path / "out", paper="letter", landscape=False, columns=1)
    box = PdfReader(result.path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert result.page_count == 1
    with pytest.raises(NotesError):
        write_pdf(document, tmp_path / "out", columns=5)
    with pytest.raises(NotesError):
        write_pdf(document, tmp_path / "out", paper="a3")


def test_local_images_are_embedded_and_nothing_else_is_read(tmp_path, fixture_server):  # noqa: F811
    """No network, no file outside the notes' folder: not through the renderer's output, nor through
    raw HTML that reached the writer anyway (defence in depth)."""
    from exporter.pdf import write_pdf
    from exporter.pipeline import load

    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.png"
    secret.write_bytes(PNG + b"SECRET-OUTSIDE-MARKER")
    (outside / "style.css").write_text("body { background: url(secret.png) }")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "inside.png").write_bytes(PNG)
    remote = fixture_server.url("/pixel.png")
    notes = write_notes(folder, "# T\n\n## 1. Which images?\n\n"
                        f"![inside](inside.png)\n\n![outside](../outside/secret.png)\n\n![remote]({remote})\n\n"
                        f'<img src="file://{secret}"> <link rel="attachment" href="file://{secret}">\n')
    document = load(notes)
    card = document.cards[0]
    # what a careless renderer could let through: the writer itself must stop it
    card.answer_html += (
        f'<img src="file://{secret}"><img src="{remote}"><img src="../outside/secret.png">'
        f'<link rel="attachment" href="file://{secret}"><a rel="attachment" href="file://{secret}">a</a>'
        f'<link rel="stylesheet" href="file://{outside}/style.css"><link rel="stylesheet" href="{remote}">'
        f'<div style="background: url(file://{secret})">x</div><object data="{remote}"></object>'
        f'<embed src="file://{secret}"><svg><image href="file://{secret}"/></svg>'
        '<a href="other-notes.md">a relative link</a> <a href="https://example.org/">a web link</a>')

    opened: list[str] = []

    def audit(event, args):
        if event == "open" and args and str(args[0]).startswith(str(outside)):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # cannot be removed; it only records paths under this test's folder
    result = write_pdf(document, tmp_path / "out", jobs=1)
    assert fixture_server.connections == 0
    assert opened == []
    data = result.path.read_bytes()
    assert b"SECRET-OUTSIDE-MARKER" not in data and b"/EmbeddedFiles" not in data
    reader = PdfReader(result.path)
    images = set().union(*(_image_names(page) for page in reader.pages))
    assert len(images) == 1  # inside.png, scaled into its column
    assert any(remote in url or "file:" in url for url in result.refused)
    text = pdf_text(result.path).replace("\n", " ")
    assert "image not embedded · 127.0.0.1" in text
    # a relative link would point into the reader's disk: only web and mail links are links
    links = [annotation.get_object().get("/A", {}).get("/URI") for page in reader.pages
             for annotation in page.get("/Annots", [])]
    assert not [uri for uri in links if uri and not str(uri).startswith(("http:", "https:", "mailto:"))]


def _image_names(page) -> set[int]:
    """Object numbers of the images a sheet can draw (directly or in its columns' forms)."""
    found = set()
    for ref in (page["/Resources"].get("/XObject") or {}).values():
        obj = ref.get_object()
        if obj["/Subtype"] == "/Image":
            found.add(ref.idnum)
        elif obj["/Subtype"] == "/Form":
            inner = obj["/Resources"].get_object().get("/XObject") or {}
            found.update(r.idnum for r in inner.values() if r.get_object()["/Subtype"] == "/Image")
    return found


def test_importing_the_writer_does_not_load_weasyprint():
    code = "import sys, exporter.pdf; assert 'weasyprint' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_empty_topics_and_many_chunks_keep_navigation_right(tmp_path, monkeypatch):
    """Chunks render separately (and in parallel): links, outline and contents still span them."""
    import exporter.pdf as pdf
    from exporter.pipeline import load

    monkeypatch.setattr(pdf, "SPLIT_MIN", 1)
    monkeypatch.setattr(pdf, "CHUNK_MAX", 2_000)
    body = "\n".join(f"- point {n} about this topic, long enough to take some room" for n in range(12))
    text = "".join(f"# Topic {t}\n\n" + "".join(f"## {t * 10 + q}. Question {t}.{q}?\n\n{body}\n\n"
                                                for q in range(1, 4)) for t in range(1, 6))
    notes = write_notes(tmp_path, text + "# Empty topic\n")
    document = load(notes)
    result = pdf.write_pdf(document, tmp_path / "out", jobs=2)
    assert result.chunks > 2
    reader = PdfReader(result.path)
    topics = [entry for entry in reader.outline if not isinstance(entry, list)]
    assert [entry.title for entry in topics] == [topic.title for topic in document.topics]
    numbers = [reader.get_destination_page_number(entry) for entry in topics]
    assert numbers == sorted(numbers)
    geo = pdf.geometry("a4", True, 3, notes)
    for topic, number in zip(document.topics, numbers):
        assert contents_page(result.path, geo, topic.title) == number + 1
    annotations = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert sum(1 for a in annotations if "/Dest" in a) >= len(document.topics)
    one = pdf.write_pdf(document, tmp_path / "one", jobs=1)
    assert one.path.read_bytes() == result.path.read_bytes()


def test_bullets_hang_and_numbered_lists_keep_their_numbers(tmp_path):
    """Markers are drawn by the stylesheet (not WeasyPrint's slow outside markers): each kind
    still shows, wrapped lines align with the item's text, and `5.` stays 5."""
    from exporter.pdf import write_pdf
    from exporter.pipeline import load

    words = " ".join(f"word{n}" for n in range(40))
    notes = write_notes(tmp_path, f"# T\n\n## 1. Lists?\n\n- top {words}\n    - nested {words}\n"
                        "        - deep item\n\nText between.\n\n5. fifth\n6. sixth\n")
    result = write_pdf(load(notes), tmp_path / "out")
    text = page_text(result.path, 1)
    for line in ("• top word0", "◦ nested word0", "▪ deep item", "5. fifth", "6. sixth"):
        assert line in text, text
    page = words_by_page(result.path)[0]
    top = next(w for w in page if w[4] == "top")
    wrapped = [w for w in page if w[4].startswith("word") and abs(w[0] - top[0]) < 0.5 and w[1] > top[1] + 1]
    assert wrapped, "wrapped lines of a bullet start where its text starts"


def test_an_edit_lays_out_only_its_chunk_again(tmp_path, monkeypatch):
    """A large document is laid out in chunks kept by content: after one answer changes, only
    that chunk is laid out again, and the PDF is the one a cold build gives."""
    import exporter.pdf as pdf
    from exporter.pipeline import load

    monkeypatch.setattr(pdf, "SPLIT_MIN", 1)
    monkeypatch.setattr(pdf, "CHUNK_MAX", 3_000)
    body = "\n".join(f"- point {n} about this topic, long enough to take some room" for n in range(12))
    text = "".join(f"# Topic {t}\n\n" + "".join(f"## {t * 10 + q}. Question {t}.{q}?\n\n{body}\n\n"
                                                for q in range(1, 4)) for t in range(1, 6))
    notes = write_notes(tmp_path, text)
    cache = tmp_path / "cache"
    first = pdf.write_pdf(load(notes), tmp_path / "out", cache_dir=cache, jobs=1)
    assert first.chunks > 2 and first.reused == 0
    unchanged = pdf.write_pdf(load(notes), tmp_path / "out", cache_dir=cache, jobs=1)
    assert unchanged.reused == first.chunks
    before = {entry.name for entry in (cache / "notes.pdf-chunks").iterdir()}
    notes.write_text(text.replace("## 42. Question 4.2?\n\n", "## 42. Question 4.2?\n\nEdited.\n"), encoding="utf-8")
    edited = pdf.write_pdf(load(notes), tmp_path / "out", cache_dir=cache, jobs=1)
    assert edited.reused == edited.chunks - 1
    assert "Edited." in pdf_text(edited.path)
    cold = pdf.write_pdf(load(notes), tmp_path / "cold", jobs=1)
    assert cold.path.read_bytes() == edited.path.read_bytes()
    after = {entry.name for entry in (cache / "notes.pdf-chunks").iterdir()}
    assert len(after - before) == 2 and len(before - after) == 2  # the old chunk's .pdf and .json go
