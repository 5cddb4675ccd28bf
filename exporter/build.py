"""Building outputs from sources: what the CLI verbs call.

An output whose inputs have not changed since it was written is skipped (exporter.state)
before anything heavy is imported. Otherwise the source is parsed and rendered once
(cards rendered before come from a cache), and when both outputs are wanted the PDF is
laid out in a forked process while the deck is written, so `all` takes about as long as
the slower of the two.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Callable

from . import config, state
from .errors import NotesError, unexpected
from .model import CardKind, Diagnostic, Document
from .readers import SUFFIXES
from .readers.source import read_bytes

TARGETS = ("deck", "pdf")
SUFFIX = {"deck": ".apkg", "pdf": ".pdf"}


@dataclass
class Options:
    out: Path = Path("build")
    strict: bool = False
    order_prefix: bool = True
    paper: str = "a4"
    landscape: bool = True
    columns: int = 3
    jobs: int | None = None  # worker processes for rendering; None: one per core
    fetch_images: bool = False  # the only network access, opt-in (exporter.download)
    title: str | None = None  # None: front matter `title:`, else the file name
    deck_name: str | None = None  # None: the title
    progress: Callable[[str], None] | None = None  # told what a long build is doing

    @classmethod
    def from_settings(cls, settings: config.Resolved, out: Path, jobs: int | None = None,
                      progress: Callable[[str], None] | None = None) -> "Options":
        value = {name: item.value for name, item in settings.items()}
        return cls(out=out, strict=value["strict"], order_prefix=value["order-prefix"], paper=value["paper"],
                   landscape=not value["portrait"], columns=value["columns"], jobs=jobs, progress=progress,
                   fetch_images=value["fetch-images"], title=value["title"], deck_name=value["deck-name"])

    def settings_for(self, target: str) -> dict:
        """The options that change `target`'s bytes: part of its up-to-date fingerprint."""
        common = {"target": target, "fetch_images": self.fetch_images, "title": self.title}
        if target == "deck":
            return {**common, "order_prefix": self.order_prefix, "deck_name": self.deck_name}
        return {**common, "paper": self.paper, "landscape": self.landscape, "columns": self.columns}


@dataclass
class Report:
    """What happened to one source."""

    source: Path
    document: Document | None = None
    outputs: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # up to date, not rebuilt
    settings: config.Resolved = field(default_factory=dict)  # what was in effect, with origins
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.document.warnings if self.document else []

    @property
    def notes(self) -> list[Diagnostic]:
        return self.document.notes if self.document else []

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
    unique: dict[Path, Path] = {}  # one file named twice (`a.md`, `./a.md`, its absolute path) is one source
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def split_clashing(sources: list[Path], out: Path, targets: tuple[str, ...]) -> tuple[list[Path], list[NotesError]]:
    """Sources whose outputs would overwrite each other's (`a/notes.md` and `b/notes.md`, or
    `notes.md` beside `notes.ipynb`) are not built: one error for each such group."""
    by_stem: dict[str, list[Path]] = {}
    for source in sources:
        by_stem.setdefault(source.stem.casefold(), []).append(source)

    def outputs(source: Path) -> str:
        return " and ".join(str(out / f"{source.stem}{SUFFIX[target]}") for target in targets)

    errors = [NotesError(group[1], f"{' and '.join(map(str, group))} would both write {outputs(group[0])}",
                         "rename one, build them one at a time with different -o folders, or use --merge")
              for group in by_stem.values() if len(group) > 1]
    return [source for source in sources if len(by_stem[source.stem.casefold()]) == 1], errors


def output_path(source: Path, target: str, options: Options) -> Path:
    return options.out / f"{source.stem}{SUFFIX[target]}"


def settings(source: Path, flags: dict, source_bytes: bytes) -> config.Resolved:
    return config.resolve(source, flags, config.front_matter_text(source, source_bytes))


def check(source: Path, flags: dict, out: Path | None = None, jobs: int | None = None) -> Report:
    """Parse and render only: counts, diagnostics and settings, nothing written."""
    try:
        source_bytes = read_bytes(source)
        resolved = settings(source, flags, source_bytes)
    except NotesError as error:
        return Report(source, errors=[error.diagnostic])
    options = Options.from_settings(resolved, out or Path("build"), jobs)
    return _load(source, options, resolved, cache_file=None)


def _load(source: Path, options: Options, resolved: config.Resolved, cache_file: Path | None) -> Report:
    from .pipeline import load

    started = time.perf_counter()
    report = Report(source, settings=resolved)
    try:
        report.document = load(source, cache_file, options.jobs, title=options.title)
    except NotesError as error:
        report.errors.append(error.diagnostic)
    except Exception as error:  # noqa: BLE001 (one line for the user, not a traceback)
        report.errors.append(unexpected(source, "reading", error).diagnostic)
    else:
        report.errors.extend(_failures(report.document, options))
    report.seconds = time.perf_counter() - started
    return report


def build(source: Path, targets: tuple[str, ...], flags: dict, out: Path, jobs: int | None = None,
          progress: Callable[[str], None] | None = None) -> Report:
    """Build `targets` for one source, skipping outputs that are up to date."""
    def load(options: Options, resolved: config.Resolved) -> Report:
        return _load(source, options, resolved, state.render_cache_file(options.out, source.stem))

    return _build(source, [source], targets, flags, out, jobs, load, progress)


def build_merged(sources: list[Path], targets: tuple[str, ...], flags: dict, out: Path,
                 jobs: int | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """One deck (a subdeck per file) and one PDF from several sources."""
    from .merge import merge, merged_path

    def load(options: Options, resolved: config.Resolved) -> Report:
        started = time.perf_counter()
        file_options = Options(**{**vars(options), "title": None})  # each file keeps its own title
        parts = [_load(source, file_options, resolved, state.render_cache_file(options.out, source.stem))
                 for source in sources]
        report = Report(target, settings=resolved, errors=[e for part in parts for e in part.errors])
        if report.ok:
            report.document = merge([part.document for part in parts], title, target)
            report.errors.extend(_failures(report.document, options))
        report.seconds = time.perf_counter() - started
        return report

    title, target = merged_path(sources, flags.get("title"))
    return _build(target, sources, targets, {**flags, "title": title}, out, jobs, load, progress)


def _build(name: Path, sources: list[Path], targets: tuple[str, ...], flags: dict, out: Path,
           jobs: int | None, load, progress: Callable[[str], None] | None = None) -> Report:
    started = time.perf_counter()
    try:
        contents = [read_bytes(source) for source in sources]
        resolved = settings(name, flags, contents[0] if len(sources) == 1 else b"")
    except NotesError as error:
        return Report(name, errors=[error.diagnostic])
    options = Options.from_settings(resolved, out, jobs, progress)
    everything = b"".join(str(source).encode() + b"\0" + content for source, content in zip(sources, contents))
    prints = {target: state.fingerprint(everything, options.settings_for(target)) for target in targets}
    stale = tuple(target for target in targets if not state.up_to_date(
        options.out, name.stem, target, output_path(name, target, options), prints[target]))
    if not stale:
        return Report(name, skipped=[output_path(name, t, options) for t in targets], settings=resolved,
                      seconds=time.perf_counter() - started)
    report = load(options, resolved)
    report.skipped = [output_path(name, t, options) for t in targets if t not in stale]
    if report.ok:
        assert report.document is not None
        try:
            if options.fetch_images:
                from .download import fetch_images

                fetch_images(report.document, state.state_dir(options.out) / "images")
            report.outputs = _write(report.document, stale, options)
        except NotesError as error:
            report.errors.append(error.diagnostic)
        _remember(report, stale, prints, options)
    report.seconds = time.perf_counter() - started
    return report


def _remember(report: Report, targets: tuple[str, ...], prints: dict, options: Options) -> None:
    document = report.document
    assert document is not None
    images = sorted(document.dependencies)
    for target in targets:
        path = output_path(report.source, target, options)
        if path in report.outputs:
            state.remember(options.out, report.source.stem, target, path, prints[target], images)


def _failures(document: Document, options: Options) -> list[Diagnostic]:
    failures = list(document.errors)
    if not failures and not any(card.kind is CardKind.QUESTION for card in document.cards):
        failures.append(NotesError(document.path, "no questions found",
                                   "write topics as `# Topic` and questions as `## 1. Question?` headings").diagnostic)
    if options.strict:
        failures.extend(document.warnings)
    return failures


def _write(document: Document, targets: tuple[str, ...], options: Options) -> list[Path]:
    """Write each target; with two, the PDF is laid out in a forked process meanwhile."""
    if len(targets) < 2 or "fork" not in get_all_start_methods():
        return [_run_writer(target, document, options) for target in targets]
    background, foreground = targets[-1], targets[:-1]
    context = get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_write_in_child, args=(sender, background, document, options))
    worker.start()
    sender.close()
    try:
        paths = [_run_writer(target, document, options) for target in foreground]
    finally:
        outcome = _receive(receiver, worker, document.path)
    if isinstance(outcome, NotesError):
        raise outcome
    return [*paths, outcome]


def _run_writer(target: str, document: Document, options: Options) -> Path:
    try:
        return WRITERS[target](document, options)
    except NotesError:
        raise
    except RecursionError:
        raise NotesError(document.path, f"the notes nest too deeply for the {target} writer",
                         "flatten deeply nested lists, quotes or HTML") from None
    except Exception as error:  # noqa: BLE001 (one line for the user, not a traceback)
        raise unexpected(document.path, f"{target} writer", error) from None


def _write_in_child(sender, target: str, document: Document, options: Options) -> None:
    try:
        outcome = _run_writer(target, document, options)
    except NotesError as error:
        outcome = error
    except BaseException as error:  # a crash in the child must still reach the user as one line
        outcome = unexpected(document.path, f"{target} writer", error)
    sender.send(outcome)
    sender.close()


def _receive(receiver, worker, source: Path):
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = NotesError(source, "the PDF process ended without a result",
                             "run `notes-export pdf` alone to see the problem")
    worker.join()
    return outcome


def _write_deck(document: Document, options: Options) -> Path:
    from .anki import write_deck

    return write_deck(document, options.out, order_prefix=options.order_prefix, deck_name=options.deck_name).path


def _write_pdf(document: Document, options: Options) -> Path:
    from .pdf import write_pdf

    return write_pdf(document, options.out, paper=options.paper, landscape=options.landscape,
                     columns=options.columns, cache_dir=state.state_dir(options.out), progress=options.progress).path


WRITERS = {"deck": _write_deck, "pdf": _write_pdf}
