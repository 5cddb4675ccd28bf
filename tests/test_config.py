"""Settings: files, front matter and flags, each overriding the one before."""

import subprocess
import sys

import pytest

from exporter import config
from exporter.errors import NotesError

from anki_helpers import collection  # noqa: F401
from conftest import write_notes

NOTES = "# T\n## 1. What is it?\nIt.\n"


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    resolved = config.resolve(write_notes(tmp_path, NOTES), {}, NOTES)
    assert {k: v.value for k, v in resolved.items()} == {
        "title": None, "deck-name": None, "order-prefix": True, "paper": "a4", "portrait": False,
        "columns": 3, "strict": False, "fetch-images": False}
    assert {v.origin for v in resolved.values()} == {"default"}


def test_precedence_pyproject_then_toml_then_front_matter_then_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.notes-export]\ncolumns = 2\npaper = "letter"\nstrict = true\ntitle = "P"\n')
    (tmp_path / "notes-export.toml").write_text('columns = 4\ndeck_name = "My deck"\n')
    text = "---\ntitle: Front\ncolumns: 1\nauthor: me\n---\n" + NOTES
    notes = write_notes(tmp_path, text)
    resolved = config.resolve(notes, {"strict": False}, text)
    assert resolved["paper"].value == "letter" and resolved["paper"].origin.endswith("pyproject.toml")
    assert resolved["deck-name"].value == "My deck" and resolved["deck-name"].origin.endswith("notes-export.toml")
    assert resolved["columns"].value == 1 and resolved["columns"].origin == f"front matter of {notes}"
    assert resolved["title"].value == "Front"
    assert resolved["strict"].value is False and resolved["strict"].origin == "command line"


def test_source_folder_config_beats_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes-export.toml").write_text("columns = 2\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes-export.toml").write_text("columns = 4\n")
    notes = write_notes(tmp_path / "src", NOTES)
    assert config.resolve(notes, {}, NOTES)["columns"].value == 4


@pytest.mark.parametrize("content, message", [
    ("colums = 2\n", "unknown setting 'colums'"),
    ("columns = 9\n", "bad value for columns: 9 — expected a whole number from 1 to 4"),
    ("columns = 2.9\n", "bad value for columns: 2.9 — expected a whole number from 1 to 4"),
    ("title = ['a']\n", "bad value for title: ['a'] — expected text (in quotes in a .toml file)"),
    ("paper = 'a3'\n", "bad value for paper"),
    ("columns = [\n", "not valid TOML"),
    ("paper = 'a4'\ncolumns 3\n", "notes-export.toml:2: not valid TOML"),
])
def test_bad_config_is_one_clear_error(tmp_path, content, message):
    (tmp_path / "notes-export.toml").write_text(content)
    write_notes(tmp_path, NOTES)
    result = run("check", "notes.md", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {tmp_path / 'notes-export.toml'}") or \
        result.stderr.startswith("error: notes-export.toml")


def test_check_verbose_shows_settings_and_origins(tmp_path):
    (tmp_path / "notes-export.toml").write_text("columns = 2\n")
    write_notes(tmp_path, "---\ntitle: Biology\n---\n" + NOTES)
    result = run("check", "--verbose", "--strict", "notes.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "    columns = 2  (" + str(tmp_path / "notes-export.toml") + ")" in lines
    assert "    title = 'Biology'  (front matter of notes.md)" in lines
    assert "    strict = True  (command line)" in lines
    assert "    paper = 'a4'  (default)" in lines


def test_settings_reach_the_outputs(tmp_path, collection):  # noqa: F811
    from anki_helpers import deck_names, import_package

    (tmp_path / "notes-export.toml").write_text('deck-name = "Exam"\norder-prefix = false\n')
    write_notes(tmp_path, NOTES)
    assert run("deck", "notes.md", cwd=tmp_path).returncode == 0
    import_package(collection, tmp_path / "build" / "notes.apkg")
    assert "Exam::T" in deck_names(collection)
    # A flag overrides the file, and the changed setting makes the deck stale.
    result = run("deck", "--order-prefix", "notes.md", cwd=tmp_path)
    assert "→" in result.stdout


def test_unknown_front_matter_keys_are_ignored(tmp_path):
    text = "---\nauthor: me\n---\n" + NOTES
    resolved = config.resolve(write_notes(tmp_path, text), {}, text)
    assert "author" not in resolved


def test_front_matter_error_names_the_file(tmp_path):
    text = "---\ncolumns: seven\n---\n" + NOTES
    with pytest.raises(NotesError) as caught:
        config.resolve(write_notes(tmp_path, text), {}, text)
    assert "bad value for columns" in str(caught.value)


def test_flags_override_a_file_both_ways_and_bad_flags_are_usage_errors(tmp_path):
    (tmp_path / "notes-export.toml").write_text("strict = true\nfetch-images = true\n")
    write_notes(tmp_path, NOTES)
    shown = run("check", "-v", "--no-strict", "notes.md", cwd=tmp_path).stdout
    assert "strict = False  (command line)" in shown and "fetch-images = True" in shown
    bad = run("deck", "--title", " ", "notes.md", cwd=tmp_path)
    assert bad.returncode == 2 and "Invalid value for --title: expected some text" in bad.stderr
