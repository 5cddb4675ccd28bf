"""--merge: one deck with a subdeck per file, one PDF."""

import shutil
import subprocess
import sys

from pypdf import PdfReader

from anki_helpers import collection, deck_names, import_package, notes_by_guid  # noqa: F401
from conftest import SAMPLE, write_notes

STATS = "# Stats\n## 1. What is a p-value?\nA probability.\n## Regression\n### How does OLS work?\n- minimises\n  - squared error\n"


def test_merge_builds_one_deck_with_a_subdeck_per_file(tmp_path, collection):  # noqa: F811
    source = tmp_path / "statistics-course" / "source"
    source.mkdir(parents=True)
    shutil.copy(SAMPLE, source)
    write_notes(source, STATS, "stats.md")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "exporter", "all", "--merge", "-o", str(out), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "statistics_course.apkg", "statistics_course.pdf"]
    import_package(collection, out / "statistics_course.apkg")
    decks = [name for name in deck_names(collection) if name.startswith("statistics course")]
    assert decks == ["statistics course", "statistics course::01 BDS M6 Exam Notes", "statistics course::02 stats"]
    assert len(notes_by_guid(collection)) == 51 + 2
    text = "".join(page.extract_text() for page in PdfReader(out / "statistics_course.pdf").pages)
    assert "What is a p-value?" in text and "What is Docker, and why is it useful?" in text

    # The same cards as when each file is built alone: switching to --merge updates, never duplicates.
    alone = tmp_path / "alone"
    subprocess.run([sys.executable, "-m", "exporter", "deck", "-o", str(alone), str(source)], check=True,
                   capture_output=True, timeout=300)
    log = import_package(collection, alone / "stats.apkg")
    assert log.new == 0


def test_merge_refuses_two_files_that_would_make_one_note(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write_notes(tmp_path / folder, "# T\n## What is it?\nIt.\n", "notes.md")
    result = subprocess.run([sys.executable, "-m", "exporter", "all", "--merge", "-o", str(tmp_path / "out"),
                             str(tmp_path / "a" / "notes.md"), str(tmp_path / "b" / "notes.md")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "question 'What is it?' is also at" in result.stderr and "both would be one Anki note" in result.stderr
    written = list((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert not [path for path in written if path.suffix in (".apkg", ".pdf")]
