"""The command line: counts, exit codes, one-line errors."""

import subprocess
import sys

from click.testing import CliRunner

from exporter.cli import cli

from conftest import ROOT, SAMPLE, write_notes


def run(*args, cwd=None):
    """Run the real console entry point, as a user would."""
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=120)


def test_check_prints_the_sample_counts():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "source/BDS_M6_Exam_Notes.md: 7 topics, 51 cards (47 questions, 4 notes), 9 code blocks, 9 images" \
        in result.stdout
    assert "source/BDS_M6_Exam_Notes.md:300: question has no answer" in result.stdout


def test_version_and_help_on_every_command():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("notes-export, version ")
    for command in ([], ["check"], ["all"], ["deck"], ["pdf"]):
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_usage_errors_exit_2(tmp_path):
    assert run("check", str(tmp_path / "missing.md")).returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("pdf", "--columns", "9", str(SAMPLE)).returncode == 2
    no_source = run("check", cwd=tmp_path)
    assert no_source.returncode == 2 and "source/" in no_source.stderr


def test_non_utf8_error_names_the_line(tmp_path):
    path = write_notes(tmp_path, "# T\n## What?\nfine\n")
    path.write_bytes(path.read_bytes() + b"bad \xff byte\n")
    result = run("check", str(path))
    assert f"{path}:4: not valid UTF-8" in result.stderr


def test_folder_source_checks_every_notes_file(tmp_path):
    write_notes(tmp_path, "# A\n## What is a?\nx\n", "a.md")
    write_notes(tmp_path, "# B\n## What is b?\ny\n", "b.txt")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    result = run("check", str(tmp_path))
    assert result.returncode == 0
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        str(tmp_path / "a.md"), str(tmp_path / "b.txt")]


def test_good_sources_still_reported_when_another_is_bad(tmp_path):
    good = write_notes(tmp_path, "# A\n## What is a?\nx\n", "good.md")
    bad = write_notes(tmp_path, "nothing here", "bad.md")
    result = run("check", str(bad), str(good))
    assert result.returncode == 1
    assert f"{good}: 1 topic, 1 card (1 question, 0 notes)" in result.stdout


def test_strict_makes_warnings_fail(tmp_path):
    path = write_notes(tmp_path, "# A\n## What is a?\nx\n## What is b?\n")
    assert run("check", str(path)).returncode == 0
    assert run("check", "--strict", str(path)).returncode == 1


def test_empty_folder_is_an_error(tmp_path):
    result = run("check", str(tmp_path))
    assert result.returncode == 1 and "no notes files" in result.stderr


def test_sources_whose_outputs_would_clash_are_an_error_and_the_rest_builds(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write_notes(tmp_path / folder, "# T\n\n## What?\n\nYes.\n", "notes.md")
    write_notes(tmp_path / "a", "# U\n\n## Why?\n\nBecause.\n", "other.md")
    result = run("deck", "-o", "out", "a", "b", cwd=tmp_path)
    assert result.returncode == 1
    assert ("error: b/notes.md:1: a/notes.md and b/notes.md would both write out/notes.apkg — rename one, "
            "build them one at a time with different -o folders, or use --merge") in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.apkg")) == ["other.apkg"]
