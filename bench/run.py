"""Benchmarks for issue 5, side by side in one run; prints a table and writes bench/RESULTS.md.

    .venv/bin/python bench/run.py                  # 1x, 10x, 100x (`just bench`)
    .venv/bin/python bench/run.py --sizes 1        # the CI smoke size (well under a minute)
    .venv/bin/python bench/run.py --pdf-100        # also PDFs and `all` at 100x (minutes, GBs)

For each size (copies of the sample, bench/corpus.py) it measures, every command in a
fresh subprocess, wall time and peak memory:

- `notes-export deck` vs bench/baseline_deck.py (Python-Markdown + genanki), cold;
- `notes-export pdf` vs bench/baseline_pdf.py (plain 3-column WeasyPrint), cold, with
  pages and pages/s (PDFs at 100x only with --pdf-100);
- `notes-export all` (and `deck`): cold, rebuilt with nothing changed, rebuilt after one
  answer changed (in a copy of the corpus); `all` cold compared with `deck` and `pdf` alone.

Wall time is the median of the runs (short commands run several times). Peak memory is
the larger of the biggest single process's max RSS (RUSAGE_CHILDREN of a small wrapper:
GNU time, or Python) and the sum of the PSS of the whole process tree sampled every 0.1 s
(worker processes count). Corpora go to
bench/corpora, outputs to bench/out (both git-ignored). A command that fails is reported
as unavailable with its error, never crashes the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CORPORA = BENCH / "corpora"
OUT = BENCH / "out"
PYTHON = sys.executable
NOTES_EXPORT = str(Path(sys.executable).parent / "notes-export")
sys.path.insert(0, str(BENCH))
from corpus import write_corpus

TIMEOUT = 1800.0  # seconds per command
MB = 1024 * 1024


# --- running one command -------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    returncode: int
    max_rss: int  # bytes, the biggest single process of the tree (getrusage of the wrapper's children)
    tree_pss: int  # bytes, the largest sampled sum over the process tree
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def peak(self) -> int:
        return max(self.max_rss, self.tree_pss)

    @property
    def error(self) -> str:
        lines = [line for line in (self.stderr + "\n" + self.stdout).splitlines() if line.strip()]
        tail = lines[-1].strip() if lines else ""
        return f"exit {self.returncode}: {tail[:140]}"


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _pss(pid: int) -> int:
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as source:
                for line in source:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


class _Sampler(threading.Thread):
    """Sums the PSS of a process and its descendants every `interval`; kills it at `deadline`."""

    def __init__(self, pid: int, deadline: float, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.deadline, self.interval = pid, deadline, interval
        self.peak = 0
        self.timed_out = False
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            tree, total = _children(), 0
            todo = list(tree.get(self.pid, ()))  # the command and its workers, not the wrapper
            while todo:
                pid = todo.pop()
                total += _pss(pid)
                todo.extend(tree.get(pid, ()))
            self.peak = max(self.peak, total)
            if time.perf_counter() > self.deadline:
                self.timed_out = True
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except OSError:
                    pass


# A process's max RSS includes what it inherited when forked, so the harness's own memory
# would leak into every figure: a small wrapper forks the command and reports the peak of
# its children. GNU time when it works (~1 MB), else a bare Python (~10 MB floor).
PY_WRAPPER = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
              "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
              "sys.exit(rc if rc >= 0 else 128 - rc)")


def _gnu_time() -> str | None:
    time_bin = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r") as probe:
        try:
            subprocess.run([time_bin, "-f", "%M", "-o", probe.name, "true"], capture_output=True, timeout=10,
                           check=False)
            return time_bin if probe.read().strip().isdigit() else None
        except (OSError, subprocess.SubprocessError):
            return None


GNU_TIME = _gnu_time()
WRAPPER = "GNU time" if GNU_TIME else "a Python wrapper (about 10 MB of its own in every figure)"


def measure(command: list[str], timeout: float = TIMEOUT) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".maxrss") as maxrss:
        wrapped = ([GNU_TIME, "-f", "%M", "-o", maxrss.name, *command] if GNU_TIME
                   else [PYTHON, "-S", "-c", PY_WRAPPER, maxrss.name, *command])
        started = time.perf_counter()
        process = subprocess.Popen(wrapped, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        sampler = _Sampler(process.pid, started + timeout)
        sampler.start()
        returncode = process.wait()
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if sampler.timed_out:
            stderr += f"\ntimed out after {timeout:.0f} s"
        lines = maxrss.read().split()
        peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0  # GNU time may say more first
        return Run(wall, returncode, peak_kib * 1024, sampler.peak, out.read().decode(errors="replace"), stderr)


# --- a measured task -------------------------------------------------------------------------

@dataclass
class Task:
    """One command measured one or more times."""

    runs: list[Run] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # cards, pages, ...
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.ok for run in self.runs) and not self.skipped

    @property
    def wall(self) -> float | None:
        return statistics.median(run.wall for run in self.runs) if self.ok else None

    @property
    def peak(self) -> int | None:
        return max(run.peak for run in self.runs) if self.ok else None

    @property
    def status(self) -> str:
        if self.skipped:
            return self.skipped
        failed = next((run for run in self.runs if not run.ok), None)
        return f"unavailable ({failed.error})" if failed else ""


def repeated(command: list[str], prepare=None, repeat: int = 1) -> Task:
    """Run `command` `repeat` times (more when it is short: 3 under 2 s, 5 under 0.5 s)."""
    task, wanted = Task(), repeat
    while len(task.runs) < wanted:
        if prepare:
            prepare()
        run = measure(command)
        task.runs.append(run)
        if not run.ok:
            break
        if len(task.runs) == 1:
            wanted = max(repeat, 5 if run.wall < 0.5 else 3 if run.wall < 2 else 1)
    return task


def fresh(folder: Path):
    def prepare() -> None:
        shutil.rmtree(folder, ignore_errors=True)
    return prepare


def note_count(apkg: Path) -> int | None:
    try:
        with zipfile.ZipFile(apkg) as archive:
            data = archive.read("collection.anki2")
        db = sqlite3.connect(":memory:")
        db.deserialize(data)
        (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
        db.close()
        return count
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error):
        return None


def page_count(pdf: Path) -> int | None:
    try:
        from pypdf import PdfReader

        return len(PdfReader(pdf).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))
    except Exception:  # noqa: BLE001 - a damaged PDF just has no page count
        return None


# --- one size ----------------------------------------------------------------------------------

def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def describe(name: str, task: Task) -> None:
    if task.ok:
        extra = "".join(f", {key} {value}" for key, value in task.info.items())
        peaks = ", ".join(f"{run.peak / MB:.0f}" for run in task.runs)
        log(f"    {name}: {task.wall:.2f} s, {task.peak / MB:.0f} MB ({runs(task)}; peaks MB {peaks}{extra})")
    else:
        log(f"    {name}: {task.status}")


def edit_one_answer(path: Path, round_: int) -> None:
    """Append to one answer line in the middle of the notes (outside code and headings)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    fence, in_cell, candidates = False, False, []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        in_cell = (in_cell or line.startswith("In [")) and not line.startswith("## ")
        if not fence and not in_cell and line.startswith("- ") and len(line) > 20:
            candidates.append(index)
    index = candidates[len(candidates) // 2]
    lines[index] = re.sub(r" \(edit \d+\)$", "", lines[index]) + f" (edit {round_})"
    path.write_text("\n".join(lines), encoding="utf-8")


def bench_size(copies: int, args) -> dict[str, Task]:
    corpus = write_corpus(CORPORA, copies)
    out = OUT / f"x{copies}"
    stem = corpus.stem
    tasks: dict[str, Task] = {}
    log(f"{copies}x: {corpus.relative_to(ROOT)} ({corpus.stat().st_size / 1024:.0f} KiB)")

    # deck, cold: notes-export vs the minimal script, alternating
    nx_deck, base_deck = Task(), Task()
    for _ in range(args.repeat):
        for task, command, folder in (
                (nx_deck, [NOTES_EXPORT, "deck", str(corpus), "--out", str(out / "deck"), "-q"], out / "deck"),
                (base_deck, [PYTHON, str(BENCH / "baseline_deck.py"), str(corpus),
                             str(out / "deck-baseline" / f"{stem}.apkg")], out / "deck-baseline")):
            task.runs.extend(repeated(command, fresh(folder)).runs)
    nx_deck.info["cards"] = note_count(out / "deck" / f"{stem}.apkg")
    base_deck.info["cards"] = note_count(out / "deck-baseline" / f"{stem}.apkg")
    tasks["deck"], tasks["deck-baseline"] = nx_deck, base_deck
    describe("deck, notes-export", nx_deck)
    describe("deck, baseline", base_deck)
    copy = CORPORA / f"edit-x{copies}" / corpus.name  # a copy of the corpus that gets edited
    copy.parent.mkdir(parents=True, exist_ok=True)
    tasks.update(rebuilds("deck", copy, corpus, out / "deck-rebuild", args))

    pdf_skip = "" if copies < 100 or args.pdf_100 else "skipped at 100x (use --pdf-100)"
    nx_pdf, base_pdf = Task(skipped=pdf_skip), Task(skipped=pdf_skip)
    if not pdf_skip:
        for _ in range(args.repeat):
            nx_pdf.runs.extend(repeated([NOTES_EXPORT, "pdf", str(corpus), "--out", str(out / "pdf"), "-q"],
                                        fresh(out / "pdf")).runs)
            base_pdf.runs.extend(repeated([PYTHON, str(BENCH / "baseline_pdf.py"), str(corpus),
                                           str(out / "pdf-baseline" / f"{stem}.pdf")],
                                          fresh(out / "pdf-baseline")).runs)
        for task, pdf in ((nx_pdf, out / "pdf" / f"{stem}.pdf"), (base_pdf, out / "pdf-baseline" / f"{stem}.pdf")):
            if task.ok:
                task.info["pages"] = page_count(pdf)
    tasks["pdf"], tasks["pdf-baseline"] = nx_pdf, base_pdf
    describe("pdf, notes-export", nx_pdf)
    describe("pdf, baseline", base_pdf)

    if pdf_skip:
        for name in ("all", "all-unchanged", "all-edited"):
            tasks[name] = Task(skipped=pdf_skip)
        return tasks
    tasks.update(rebuilds("all", copy, corpus, out / "all", args))
    return tasks


def rebuilds(verb: str, copy: Path, corpus: Path, out: Path, args) -> dict[str, Task]:
    """`notes-export VERB` on a fresh copy of the corpus: cold, with nothing changed, after one edit."""
    shutil.copyfile(corpus, copy)
    command = [NOTES_EXPORT, verb, str(copy), "--out", str(out), "-q"]
    cold = repeated(command, fresh(out), args.repeat)
    tasks = {verb: cold} if verb == "all" else {}
    describe(f"{verb}, cold (on the copy)", cold)
    if not cold.ok:
        failed = Task(skipped=f"unavailable (`{verb}` failed cold: {cold.status})")
        return {**tasks, f"{verb}-unchanged": failed, f"{verb}-edited": failed}
    tasks[f"{verb}-unchanged"] = repeated(command, repeat=max(args.repeat, 5))
    describe(f"{verb}, nothing changed", tasks[f"{verb}-unchanged"])
    edited = Task()
    for round_ in range(1, args.repeat + 1):
        edit_one_answer(copy, round_)
        edited.runs.append(measure(command))
        if not edited.runs[-1].ok:
            break
    tasks[f"{verb}-edited"] = edited
    describe(f"{verb}, one answer changed", edited)
    return tasks


# --- the report --------------------------------------------------------------------------------

def seconds(task: Task | None) -> str:
    return f"{task.wall:.2f}" if task and task.ok else "—"


def megabytes(task: Task | None) -> str:
    return f"{task.peak / MB:.0f}" if task and task.ok else "—"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "—"


def pages_per_second(task: Task) -> float | None:
    pages = task.info.get("pages")
    return pages / task.wall if task.ok and pages else None


def table(results: dict[int, dict[str, Task]]) -> list[str]:
    rows = ["| Size | Task | notes-export s | Baseline s | Ratio (nx/base) | notes-export peak MB | Baseline peak MB | Notes |",
            "|---|---|---:|---:|---:|---:|---:|---|"]
    for copies, tasks in results.items():
        size = f"{copies}×"
        deck, base = tasks["deck"], tasks["deck-baseline"]
        notes = f"cards {deck.info.get('cards') or '—'} / {base.info.get('cards') or '—'}"
        rows.append(f"| {size} | deck, cold | {seconds(deck)} | {seconds(base)} | {fmt_ratio(ratio(deck.wall, base.wall))} "
                    f"| {megabytes(deck)} | {megabytes(base)} | {notes}; {runs(deck)} / {runs(base)}{_status(deck, base)} |")
        rows += _rebuild_rows(size, tasks, "deck")
        pdf, base = tasks["pdf"], tasks["pdf-baseline"]
        if pdf.skipped:
            rows.append(f"| {size} | pdf, cold | — | — | — | — | — | {pdf.skipped} |")
        else:
            nx_rate, base_rate = pages_per_second(pdf), pages_per_second(base)
            notes = (f"pages {pdf.info.get('pages', '—')} / {base.info.get('pages', '—')}; pages/s "
                     f"{_num(nx_rate)} / {_num(base_rate)} ({fmt_ratio(ratio(nx_rate, base_rate))} the baseline's); "
                     f"{runs(pdf)} / {runs(base)}")
            rows.append(f"| {size} | pdf, cold | {seconds(pdf)} | {seconds(base)} | {fmt_ratio(ratio(pdf.wall, base.wall))} "
                        f"| {megabytes(pdf)} | {megabytes(base)} | {notes}{_status(pdf, base)} |")
        all_ = tasks["all"]
        if all_.skipped:
            rows.append(f"| {size} | all (cold, rebuilds) | — | — | — | — | — | {all_.skipped} |")
            continue
        slower = max((t.wall for t in (tasks["deck"], tasks["pdf"]) if t.ok), default=None)
        rows.append(f"| {size} | all, cold | {seconds(all_)} | — | — | {megabytes(all_)} | — "
                    f"| {fmt_ratio(ratio(all_.wall, slower))} the slower of deck/pdf alone; {runs(all_)}{_status(all_)} |")
        rows += _rebuild_rows(size, tasks, "all")
    return rows


def _rebuild_rows(size: str, tasks: dict, command: str) -> list[str]:
    """The rows of `command` rebuilt with nothing changed and after one answer changed."""
    rows = []
    for name, label in ((f"{command}-unchanged", "nothing changed"), (f"{command}-edited", "one answer changed")):
        task = tasks[name]
        rows.append(f"| {size} | {command}, {label} | {seconds(task)} | — | — | {megabytes(task)} | — "
                    f"| {runs(task)}{_status(task)} |")
    return rows


def runs(task: Task) -> str:
    """How many runs, and their spread when there were several."""
    walls = [run.wall for run in task.runs]
    if len(walls) < 2:
        return f"{len(walls)} run"
    return f"{len(walls)} runs, {min(walls):.2f}–{max(walls):.2f} s"


def _num(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _status(*tasks: Task) -> str:
    problems = [task.status for task in tasks if task.status]
    return "; " + "; ".join(problems) if problems else ""


@dataclass
class Target:
    name: str
    figure: str
    verdict: str  # PASS, FAIL or N/A


def targets(results: dict[int, dict[str, Task]]) -> list[Target]:
    found: list[Target] = []

    def verdict(ok: bool | None) -> str:
        return "N/A" if ok is None else "PASS" if ok else "FAIL"

    # deck at 100x: at most 0.6x the minimal script
    tasks = results.get(100)
    value = ratio(tasks["deck"].wall, tasks["deck-baseline"].wall) if tasks else None
    found.append(Target("Deck, 100× sample, cold: ≤ 0.6× the minimal script's time",
                        f"{fmt_ratio(value)} ({seconds(tasks['deck'])} s vs {seconds(tasks['deck-baseline'])} s)"
                        if value is not None else "not measured (needs --sizes 100)",
                        verdict(None if value is None else value <= 0.6)))

    # nothing changed: at most 0.3 s wall
    measured = {c: t["all-unchanged"].wall for c, t in results.items() if t["all-unchanged"].ok}
    found.append(Target("`all` with nothing changed: ≤ 0.3 s wall",
                        ", ".join(f"{c}×: {w:.2f} s" for c, w in measured.items()) or "not measured",
                        verdict(all(w <= 0.3 for w in measured.values()) if measured else None)))

    # all on the sample, cold: within 10% of the slower alone
    tasks = results.get(1)
    value = None
    if tasks and tasks["all"].ok and tasks["deck"].ok and tasks["pdf"].ok:
        value = ratio(tasks["all"].wall, max(tasks["deck"].wall, tasks["pdf"].wall))
    found.append(Target("`all` on the sample, cold: ≤ 1.10× the slower of deck and pdf alone",
                        f"{fmt_ratio(value)} ({seconds(tasks['all'])} s vs deck {seconds(tasks['deck'])} s, "
                        f"pdf {seconds(tasks['pdf'])} s)" if value is not None else "not measured (needs --sizes 1)",
                        verdict(None if value is None else value <= 1.10)))

    # PDF speed and pages, every size measured
    figures, oks = [], []
    for copies, tasks in results.items():
        pdf, base = tasks["pdf"], tasks["pdf-baseline"]
        speed = ratio(pages_per_second(pdf), pages_per_second(base))
        if speed is None:
            continue
        pages, base_pages = pdf.info.get("pages"), base.info.get("pages")
        figures.append(f"{copies}×: {speed:.2f}× pages/s, {pages} vs {base_pages} pages")
        oks.append(speed >= 2 and pages <= base_pages)
    unavailable = next((t["pdf"].status for t in results.values() if t["pdf"].status.startswith("unavailable")), "")
    found.append(Target("PDF: ≥ 2× the pages/s of plain 3-column WeasyPrint, same or fewer pages",
                        "; ".join(figures) or unavailable or "not measured",
                        verdict(all(oks) if oks else None)))
    tasks = results.get(10)
    peak = tasks["pdf"].peak if tasks and tasks["pdf"].ok else None
    found.append(Target("PDF peak memory at 10× sample: ≤ 1 GB",
                        f"{peak / MB:.0f} MB" if peak else "not measured (needs --sizes 10)",
                        verdict(None if peak is None else peak <= 1024 * MB)))

    # linear growth 10x -> 100x (allowing 10% over 10x for 10x the input)
    figures, oks = [], []
    small, big = results.get(10), results.get(100)
    for name in ("deck", "pdf", "all"):
        if small and big and small[name].ok and big[name].ok:
            time_growth = big[name].wall / small[name].wall
            memory_growth = big[name].peak / small[name].peak
            figures.append(f"{name}: time {time_growth:.1f}×, memory {memory_growth:.1f}×")
            oks.append(time_growth <= 11 and memory_growth <= 11)
    found.append(Target("Time and memory grow linearly 10× → 100× (≤ 11× for 10× the input)",
                        "; ".join(figures) or "not measured (needs --sizes 10,100)",
                        verdict(all(oks) if oks else None)))
    return found


def versions() -> list[str]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
        commit = f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else "unknown"
    except OSError:
        commit = "unknown"
    packages = ", ".join(f"{name} {version(name)}" for name in
                         ("genanki", "Markdown", "nh3", "Pygments", "weasyprint", "pypdf"))
    return [f"notes-export {version('notes-export')} (git {commit})", f"Python {platform.python_version()}", packages]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
        memory = f", {kib / MB:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}"


METHOD = [
    ("- Every command runs in a fresh subprocess (interpreter start and imports included); wall time is the "
     "median of the runs (commands under 2 s run 3 times, under 0.5 s 5 times; `--repeat N` for more)."),
    ("- Peak memory: the larger of the biggest single process's max RSS (measured by {wrapper}) and the sum "
     "of the PSS of the whole process tree, sampled every 0.1 s (so worker processes count)."),
    ("- Corpora: bench/corpus.py, N copies of source/BDS_M6_Exam_Notes.md (51 cards per copy) with distinct "
     "topics and questions. The answers are the same in every copy: a cache keyed by answer text alone would "
     "make the big corpora meaningless."),
    ("- Deck baseline (bench/baseline_deck.py): one Python-Markdown instance reused with reset() (tables, "
     "fenced_code, codehilite), questions split at headings outside code, one genanki note per question, one "
     "deck, no sanitizing. It renders the sample's `In [..]:` code cells as paragraphs; notes-export fences and "
     "highlights them. Both decks are built cold (empty output folder)."),
    ("- PDF baseline (bench/baseline_pdf.py): the same Markdown output in one HTML, WeasyPrint, A4 landscape, "
     "CSS columns (3, `column-fill: auto`), 7.5 pt, nothing fetched. pages/s = pages / wall time."),
    ("- Rebuilds (`deck`, `all`) run on a copy of the corpus in bench/corpora: first cold, then with nothing "
     "changed, then after appending to one answer line (a different edit each run)."),
    "- PDFs and `all` at 100× only with `--pdf-100` (minutes and gigabytes with plain WeasyPrint).",
]


def report(results, found, args, started: dt.datetime, loads: tuple) -> str:
    lines = ["# Benchmarks (issue 5)", "",
             (f"Generated by `{' '.join(['python bench/run.py', *sys.argv[1:]])}` on {started:%Y-%m-%d %H:%M} "
              f"(local time); `just bench` reruns it."), "",
             f"- Machine: {machine()}",
             f"- Load average at start / end: {loads[0]:.2f} / {loads[1]:.2f} (other work on the machine skews times)",
             *[f"- {line}" for line in versions()],
             f"- Sizes: {', '.join(f'{c}× sample' for c in results)}; repeat {args.repeat}", "",
             "## Targets", "", "| Target | Measured | Verdict |", "|---|---|---|",
             *[f"| {t.name} | {t.figure} | **{t.verdict}** |" for t in found], "",
             "## Measurements", "", *table(results), "",
             "## Method", "", *(line.format(wrapper=WRAPPER) for line in METHOD), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1,10,100", help="copies of the sample, comma-separated (default 1,10,100)")
    parser.add_argument("--pdf-100", action="store_true", help="also build PDFs (and `all`) at 100x and more")
    parser.add_argument("--repeat", type=int, default=1, help="runs per long command (short ones run 3-5 times)")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md",
                        help="where to write the report (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    if not Path(NOTES_EXPORT).exists():
        parser.error(f"{NOTES_EXPORT} not found: run with the project's venv (.venv/bin/python bench/run.py)")

    started, load_start = dt.datetime.now(), os.getloadavg()[0]
    results = {copies: bench_size(copies, args) for copies in sizes}
    found = targets(results)
    text = report(results, found, args, started, (load_start, os.getloadavg()[0]))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    print(text.split("## Method")[0].rstrip())
    print(f"\n(written to {args.results})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
