"""Watch mode: a real file change in a temporary folder triggers one rebuild; Ctrl-C exits cleanly."""

import os
import signal
import subprocess
import sys
import threading
import time
from queue import Empty, Queue

from conftest import ROOT, write_notes


def reader(stream, queue):
    for line in iter(stream.readline, ""):
        queue.put(line.rstrip("\n"))


def wait_for(queue, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        try:
            line = queue.get(timeout=0.2)
        except Empty:
            continue
        seen.append(line)
        if predicate(line):
            return seen
    raise AssertionError(f"not seen in {seconds} s; got {seen}")


def test_watch_rebuilds_changed_sources_only_and_stops_on_ctrl_c(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    one = write_notes(source, "# A\n## What is one?\nOne.\n", "one.md")
    write_notes(source, "# B\n## What is two?\nTwo.\n", "two.md")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "exporter", "watch", "--only", "deck"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: Queue = Queue()
    threading.Thread(target=reader, args=(process.stdout, lines), daemon=True).start()
    try:
        wait_for(lines, lambda line: line.startswith("watching source"))
        first = (tmp_path / "build" / "one.apkg").stat().st_mtime_ns
        untouched = (tmp_path / "build" / "two.apkg").stat().st_mtime_ns
        time.sleep(0.3)
        one.write_text("# A\n## What is one?\nOne, edited.\n## What is three?\n")
        seen = wait_for(lines, lambda line: "one.md →" in line)
        rebuilt = next(line for line in seen if "one.md →" in line)
        assert rebuilt[:8].count(":") == 2  # starts with the time, HH:MM:SS
        assert any("warning:" in line and "question has no answer" in line for line in seen)
        assert (tmp_path / "build" / "one.apkg").stat().st_mtime_ns > first
        assert (tmp_path / "build" / "two.apkg").stat().st_mtime_ns == untouched
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        rest = []
        while not lines.empty():
            rest.append(lines.get())
        assert "stopped watching" in rest and not any("Traceback" in line for line in seen + rest)
    finally:
        if process.poll() is None:
            process.kill()


def test_watching_a_file_survives_saves_that_rename_over_it(tmp_path):
    notes = write_notes(tmp_path, "# A\n## What is one?\nOne.\n", "one.md")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "exporter", "watch", "--only", "deck", "-q", "one.md"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: Queue = Queue()
    threading.Thread(target=reader, args=(process.stdout, lines), daemon=True).start()
    try:
        wait_for(lines, lambda line: line.startswith("watching one.md"))
        for n in range(1, 4):  # as editors save: write a new file, rename it over the old one
            before = (tmp_path / "build" / "one.apkg").stat().st_mtime_ns
            time.sleep(0.3)
            (tmp_path / "one.md.new").write_text(f"# A\n## What is one?\nOne, edit {n}.\n## What is {n}?\n")
            os.replace(tmp_path / "one.md.new", notes)
            # -q: only problems are printed, so the rebuild shows as its warning
            wait_for(lines, lambda line: "warning:" in line and f"What is {n}?" in line)
            assert (tmp_path / "build" / "one.apkg").stat().st_mtime_ns > before
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
