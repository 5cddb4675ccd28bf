"""Bad input gets one clear line, nothing is lost, previous outputs survive."""

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter import output
from exporter.cli import cli

from anki_helpers import collection, deck_names, import_package, notes  # noqa: F401
from conftest import ROOT, write_notes

sys.path.insert(0, str(ROOT / "bench"))
from corpus import write_corpus  # noqa: E402

GOOD = "# Topic\n## 1. What is good?\nThis.\n"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=300)


def one_error_line(result) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


@pytest.mark.parametrize("content, message", [
    (b"", "no questions found"),
    (b"\x00\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary file"),
    (b"# T\n## What?\nna\xefve\n", "not valid UTF-8"),
    (b"# Only a topic\n\nand prose\n", "no questions found"),
    (b"# T\n## What?\n```python\nx = 1\n## 2. Swallowed?\n", "never closed"),
    (b"# T\n## What is it?\na\n## What is it?\nb\n", "appears twice"),
])
def test_bad_source_fails_alone_without_output(tmp_path, content, message):
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    out = tmp_path / "out"
    line = one_error_line(run("deck", "-o", str(out), str(bad)))
    assert line.startswith(f"error: {bad}:") and message in line and " — " in line
    assert outputs(out) == []


def test_previous_good_output_survives_a_bad_edit(tmp_path):
    notes = write_notes(tmp_path, GOOD)
    out = tmp_path / "out"
    assert run("deck", "-o", str(out), str(notes)).returncode == 0
    before = (out / "notes.apkg").read_bytes()
    notes.write_bytes(b"# T\n## What?\n\xff\n")
    one_error_line(run("deck", "-o", str(out), str(notes)))
    assert (out / "notes.apkg").read_bytes() == before


def test_good_sources_are_still_built_when_one_is_bad(tmp_path):
    good = write_notes(tmp_path, GOOD, "good.md")
    bad = write_notes(tmp_path, "no headings at all", "bad.md")
    out = tmp_path / "out"
    result = run("deck", "-o", str(out), str(bad), str(good))
    one_error_line(result)
    assert outputs(out) == ["good.apkg"]


def test_warnings_do_not_fail_unless_strict(tmp_path):
    notes = write_notes(tmp_path, GOOD + "## 2. What is missing?\n\n![x](nope.png)\n## 3. Unanswered?\n")
    out = tmp_path / "out"
    result = run("deck", "-o", str(out), str(notes))
    assert result.returncode == 0 and result.stderr.count("warning:") == 2
    strict = run("deck", "--strict", "-o", str(tmp_path / "strict"), str(notes))
    assert strict.returncode == 1 and outputs(tmp_path / "strict") == []


def test_one_megabyte_line(tmp_path):
    notes = write_notes(tmp_path, "# T\n## What is long?\n" + "lorem *ipsum* _x_ " * 60_000 + "\n")
    result = run("check", str(notes))
    assert result.returncode == 0 and "shown as plain text" in result.stdout


def test_list_nested_thousands_deep_builds(tmp_path):
    bullets = "\n".join(" " * depth + "- deeper" for depth in range(5000))
    notes = write_notes(tmp_path, f"# T\n## What is deep?\n{bullets}\n")
    result = run("deck", "-o", str(tmp_path / "out"), str(notes))
    assert result.returncode == 0, result.stderr
    assert "RecursionError" not in result.stderr


def test_hundreds_of_topics(tmp_path, collection):  # noqa: F811
    text = "\n".join(f"# Topic {n}\n## What is {n}?\nAnswer {n}.\n" for n in range(1, 301))
    source = write_notes(tmp_path, text, "many.md")
    assert run("deck", "-o", str(tmp_path / "out"), str(source)).returncode == 0
    import_package(collection, tmp_path / "out" / "many.apkg")
    subdecks = [name for name in deck_names(collection) if name.startswith("many::")]
    assert len(subdecks) == 300
    assert subdecks == sorted(subdecks)  # Anki's order is document order
    assert subdecks[0] == "many::001 Topic 1" and subdecks[-1] == "many::300 Topic 300"
    assert len(notes(collection)) == 300


def test_source_that_disappears_or_cannot_be_read(tmp_path, monkeypatch):
    from exporter import build

    gone = tmp_path / "gone.md"
    report = build.build(gone, ("deck",), {}, tmp_path / "out")
    assert [str(e) for e in report.errors] == [f"{gone}:1: file not found — check the path, or run from "
                                               "the folder that holds source/"]
    notes = write_notes(tmp_path, GOOD)

    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = build.build(notes, ("deck",), {}, tmp_path / "out")
    assert "cannot read file: Permission denied" in str(report.errors[0])


def test_output_folder_that_is_not_writable(tmp_path):
    notes = write_notes(tmp_path, GOOD)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = one_error_line(run("deck", "-o", str(blocker / "out"), str(notes)))
    assert "cannot write output" in line and "-o/--out" in line


def test_full_disk_keeps_the_previous_output(tmp_path, monkeypatch):
    notes = write_notes(tmp_path, GOOD)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["deck", "-o", str(out), str(notes)]).exit_code == 0
    before = (out / "notes.apkg").read_bytes()
    notes.write_text(GOOD + "## 2. What is new?\nMore.\n")

    def disk_full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "_fsync", disk_full)
    result = runner.invoke(cli, ["deck", "-o", str(out), str(notes)])
    assert result.exit_code == 1
    assert "cannot write output: No space left on device — free some disk space" in result.output
    assert (out / "notes.apkg").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name != ".notes-export") == ["notes.apkg"]


def test_killed_build_leaves_previous_output_intact(tmp_path):
    corpus = write_corpus(tmp_path / "src", 20)
    out = tmp_path / "out"
    assert run("deck", "-o", str(out), str(corpus)).returncode == 0
    package = out / corpus.with_suffix(".apkg").name
    for delay in (0.3, 0.8, 1.3):
        before = package.read_bytes()
        corpus.write_text(corpus.read_text() + f"\n# Extra {delay}\n## What is {delay}?\nNew.\n")
        process = subprocess.Popen([sys.executable, "-m", "exporter", "deck", "-o", str(out), str(corpus)],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = package.read_bytes()
        assert after == before or zipfile.ZipFile(package).testzip() is None
        assert outputs(out) == [package.name]
    assert run("deck", "-o", str(out), str(corpus)).returncode == 0
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # leftovers of killed runs cleaned


def test_interrupted_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with output.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.bin"]


@pytest.mark.parametrize("answer", ["> " * 3000 + "deep", "<div>" * 1500 + "deep" + "</div>" * 1500],
                         ids=["quotes", "html"])
def test_nesting_thousands_deep_builds_both_outputs_with_a_warning(tmp_path, answer):
    notes = write_notes(tmp_path, f"# T\n## What is deep?\n{answer}\n")
    result = run("all", "-o", str(tmp_path / "out"), str(notes))
    assert result.returncode == 0, result.stderr
    assert f"warning: {notes}:2: answer nests" in result.stderr and "shown as plain text" in result.stderr
    assert outputs(tmp_path / "out") == ["notes.apkg", "notes.pdf"]


def test_megabyte_code_line_is_cut_in_the_pdf_only(tmp_path):
    from pypdf import PdfReader

    notes = write_notes(tmp_path, "# T\n## What is minified?\n```json\n{\"k\": \"" + "a" * 1_000_000 + "\"}\n```\n")
    out = tmp_path / "out"
    result = run("all", "-o", str(out), str(notes))
    assert result.returncode == 0, result.stderr
    assert (f"warning: {notes}:4: code line of 1,000,009 characters: the PDF shows its first 5,000 — "
            "break it into shorter lines (the deck keeps it whole)") in result.stderr
    text = "".join(page.extract_text() for page in PdfReader(out / "notes.pdf").pages)
    assert "995,009 more characters" in " ".join(text.split()) and len(PdfReader(out / "notes.pdf").pages) <= 3
    with zipfile.ZipFile(out / "notes.apkg") as archive:
        db = sqlite3.connect(":memory:")
        db.deserialize(archive.read("collection.anki2"))
    (fields,) = db.execute("SELECT flds FROM notes").fetchone()
    assert "a" * 1_000_000 in fields  # the deck keeps the line whole


def test_unreadable_image_names_are_warnings(tmp_path):
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    notes = write_notes(tmp_path, "# T\n## What is shown?\n![a](loop.png)\n\n![b](a%00b.png)\n\n"
                        f"![c]({'x' * 300}.png)\n")
    result = run("all", "-o", str(tmp_path / "out"), str(notes))
    assert result.returncode == 0 and "Traceback" not in result.stderr and "Exception" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [line.split(":")[2] for line in warned] == ["3", "5", "7"]
    assert all("image cannot be read" in line for line in warned)
    assert run("deck", "--strict", "-o", str(tmp_path / "strict"), str(notes)).returncode == 1


def test_symlinked_notes_keep_their_images_in_both_outputs(tmp_path):
    from pypdf import PdfReader

    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(ROOT / "docs" / "img" / "card-front.png", real / "inside.png")
    write_notes(real, "# T\n## What is shown?\n![inside](inside.png)\n", "real.md")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.md").symlink_to(real / "real.md")
    out = tmp_path / "out"
    result = run("all", "-o", str(out), str(tmp_path / "src" / "notes.md"))
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    with zipfile.ZipFile(out / "notes.apkg") as archive:
        assert len(json.loads(archive.read("media"))) == 1
    assert len(PdfReader(out / "notes.pdf").pages[0].images) >= 1  # (0 when the link was followed differently)


def test_odd_files_and_names_are_one_line_each(tmp_path):
    os.mkfifo(tmp_path / "fifo.md")
    (tmp_path / "utf16.md").write_bytes("# T\n## What?\nx\n".encode("utf-16"))
    odd = os.fsencode(tmp_path) + b"/caf\xe9.md"
    with open(odd, "wb") as handle:
        handle.write(GOOD.encode())
    for name, message in (("fifo.md", "is not a regular file"), ("utf16.md", "is UTF-16 text, not UTF-8 — save it"),
                          (os.fsdecode(odd), "the file name is not valid UTF-8 — rename the file")):
        line = one_error_line(run("deck", "-o", str(tmp_path / "out"), str(tmp_path / name)))
        assert message in line
    assert outputs(tmp_path / "out") == []


def test_killed_build_of_both_outputs_leaves_both_intact(tmp_path):
    from pypdf import PdfReader

    corpus = write_corpus(tmp_path / "src", 3)
    out = tmp_path / "out"
    assert run("all", "-o", str(out), str(corpus)).returncode == 0
    deck, pdf = out / corpus.with_suffix(".apkg").name, out / corpus.with_suffix(".pdf").name
    for delay in (0.5, 1.5, 2.5):
        before = deck.read_bytes(), pdf.read_bytes()
        corpus.write_text(corpus.read_text() + f"\n# Extra {delay}\n## What is {delay}?\nNew.\n")
        process = subprocess.Popen([sys.executable, "-m", "exporter", "all", "-o", str(out), str(corpus)], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)  # the build and the processes it started
        process.wait()
        assert deck.read_bytes() == before[0] or zipfile.ZipFile(deck).testzip() is None
        assert pdf.read_bytes() == before[1] or len(PdfReader(pdf).pages) > 0
        assert outputs(out) == sorted([deck.name, pdf.name])
