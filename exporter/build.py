"""Building outputs from sources: what the CLI verbs call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NotesError
from .model import Diagnostic, Document
from .pipeline import load
from .readers import SUFFIXES

TARGETS = ("deck", "pdf")


@dataclass
class Options:
    out: Path = Path("build")
    strict: bool = False
    order_prefix: bool = True
    paper: str = "a4"
    landscape: bool = True
    columns: int = 3


@dataclass
class Report:
    """What happened to one source."""

    source: Path
    document: Document | None = None
    outputs: list[Path] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.document.warnings if self.document else []

    @property
    def ok(self) -> bool:
        return not self.errors


def discover(paths: list[Path]) -> list[Path]:
    """Expand folders to the notes files in them (sorted); files are taken as named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()
                           and not p.name.startswith("."))
            if not files:
                raise NotesError(path, f"no notes files ({', '.join(SUFFIXES)}) in this folder",
                                 "add one, or name the files to export")
            found.extend(files)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def check(source: Path, options: Options) -> Report:
    """Parse and render only: counts and diagnostics, nothing written."""
    started = time.perf_counter()
    report = Report(source)
    try:
        report.document = load(source)
    except NotesError as error:
        report.errors.append(error.diagnostic)
    else:
        report.errors.extend(_failures(report.document, options))
    report.seconds = time.perf_counter() - started
    return report


def build(source: Path, targets: tuple[str, ...], options: Options) -> Report:
    started = time.perf_counter()
    report = check(source, options)
    if not report.ok:
        return report
    document = report.document
    assert document is not None
    try:
        for target in targets:
            report.outputs.append(WRITERS[target](document, options))
    except NotesError as error:
        report.errors.append(error.diagnostic)
    report.seconds = time.perf_counter() - started
    return report


def _failures(document: Document, options: Options) -> list[Diagnostic]:
    failures = list(document.errors)
    if not document.cards and not failures:
        failures.append(NotesError(document.path, "no questions found",
                                   "write topics as `# Topic` and questions as `## 1. Question?` headings").diagnostic)
    if options.strict:
        failures.extend(document.warnings)
    return failures


def _write_deck(document: Document, options: Options) -> Path:
    from .anki import write_deck

    return write_deck(document, options.out, order_prefix=options.order_prefix).path


def _write_pdf(document: Document, options: Options) -> Path:
    from .pdf import write_pdf

    return write_pdf(document, options.out, paper=options.paper, landscape=options.landscape,
                     columns=options.columns).path


WRITERS = {"deck": _write_deck, "pdf": _write_pdf}
