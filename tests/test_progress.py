"""Progress: shown on a terminal (what is being built, and a long PDF's parts), silent elsewhere."""

import io

from exporter.pdf import write_pdf
from exporter.pipeline import load
from exporter.progress import Progress

from conftest import SAMPLE


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_and_silent_when_piped():
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(total=2, stream=stream)
        progress.step("building a.md")
        progress.detail("PDF: laid out part 1 of 2")
        progress.done()
    assert "[1/2] building a.md …" in terminal.getvalue()
    assert "[1/2] building a.md: PDF: laid out part 1 of 2 …" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\x1b[2K")  # the line is cleared when done
    assert pipe.getvalue() == ""
    quiet = Terminal()
    Progress(enabled=False, stream=quiet).step("building a.md")
    assert quiet.getvalue() == ""


def test_a_pdf_in_parts_reports_each_part(tmp_path, monkeypatch):
    from exporter import pdf

    monkeypatch.setattr(pdf, "SPLIT_MIN", 40_000)  # the sample in two parts, as a long document would be
    document = load(SAMPLE)
    heard = []
    result = write_pdf(document, tmp_path, progress=heard.append)
    assert result.chunks == 2
    assert sorted(heard) == ["PDF: laid out part 1 of 2", "PDF: laid out part 2 of 2"]
