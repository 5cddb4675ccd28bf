"""The `notes-export` command: parse arguments, call the library, print, exit.

Exit codes: 0 success (warnings allowed), 1 bad input, 2 usage.
Settings come from pyproject.toml / notes-export.toml / front matter (exporter.config);
a flag given on the command line overrides them, so flags default to None here.
"""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path

import click

from . import build as builder
from .errors import NotesError, unexpected
from .model import CardKind
from .progress import Progress

DEFAULT_SOURCE = Path("source")
TARGETS = {"all": ("deck", "pdf"), "deck": ("deck",), "pdf": ("pdf",)}


def _sources(paths: tuple[Path, ...]) -> list[Path]:
    try:
        return builder.discover(list(_source_roots(paths)))
    except NotesError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _source_roots(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    if paths:
        return paths
    if not DEFAULT_SOURCE.is_dir():
        raise click.UsageError(f"no SOURCES given and no {DEFAULT_SOURCE}/ folder here — "
                               "name a notes file or run in the folder that holds source/")
    return (DEFAULT_SOURCE,)


# --- options ------------------------------------------------------------------------

def _options(*decorators):
    def apply(command):
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return apply


sources_argument = click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
out_option = click.option(
    "-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
    help="Folder for the outputs (<out>/<stem>.apkg, <out>/<stem>.pdf).")
strict_option = click.option("--strict/--no-strict", default=None,
                             help="Treat warnings as errors (--no-strict overrides a settings file).")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Print more detail.")
fetch_option = click.option("--fetch-images/--no-fetch-images", default=None,
                            help="Download remote images into the build (default: never touch the network).")
title_option = click.option("--title", help="Document title (default: front matter, else the file name).")
deck_options = _options(
    click.option("--deck-name", help="Root deck name (default: the title)."),
    click.option("--order-prefix/--no-order-prefix", default=None,
                 help="Number subdecks (01 Databases) so Anki lists them in document order [default: on]."))
pdf_options = _options(
    click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), help="Paper size [default: a4]."),
    click.option("--portrait/--landscape", default=None, help="Page orientation [default: landscape]."),
    click.option("--columns", type=click.IntRange(1, 4), help="Columns per page [default: 3]."))
merge_option = click.option("--merge", is_flag=True,
                            help="One deck (a subdeck per file) and one PDF from all SOURCES.")
build_options = _options(sources_argument, out_option, strict_option, quiet_option, verbose_option,
                         fetch_option, title_option, merge_option)

FLAG_SETTINGS = {"title": "title", "deck_name": "deck-name", "order_prefix": "order-prefix", "paper": "paper",
                 "portrait": "portrait", "columns": "columns", "strict": "strict", "fetch_images": "fetch-images"}


def _flags(params: dict) -> dict:
    """The settings given on the command line (None: not given, so config files decide)."""
    from .config import parse_flag

    flags = {setting: params[name] for name, setting in FLAG_SETTINGS.items()
             if name in params and params[name] is not None}
    for setting, value in flags.items():
        try:
            parse_flag(setting, value)
        except ValueError as error:  # a wrong flag is wrong usage: exit 2, like Click's own checks
            raise click.BadParameter(str(error), param_hint=f"--{setting}") from None
    return flags


# --- commands -----------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("notes-export"), prog_name="notes-export")
def cli():
    """Turn study notes into an Anki deck and a printable PDF cheat sheet.

    SOURCES are notes files (.md, .markdown, .txt, .ipynb) or folders of them; the
    default is source/. Questions are headings; answers are the Markdown beneath them.
    Settings can also live in pyproject.toml ([tool.notes-export]) or notes-export.toml.
    """


@cli.command()
@sources_argument
@strict_option
@verbose_option
@title_option
@deck_options
@pdf_options
def check(sources, verbose, **params):
    """Parse only: print counts and problems for each source (-v: and the settings in effect)."""
    flags = _flags(params)
    failed = False
    for source in _sources(sources):
        report = builder.check(source, flags)
        failed |= not report.ok
        _print_check(report, verbose)
    sys.exit(1 if failed else 0)


def _print_check(report: builder.Report, verbose: bool) -> None:
    document = report.document
    if document is not None:
        cards = document.cards
        notes = sum(card.kind is CardKind.NOTES for card in cards)
        code = sum(card.answer_html.count('<div class="highlight">') for card in cards)
        images = sum(len(card.images) for card in cards)
        click.echo(f"{report.source}: {_count(len(document.topics), 'topic')}, {_count(len(cards), 'card')} "
                   f"({_count(len(cards) - notes, 'question')}, {_count(notes, 'note')}), "
                   f"{_count(code, 'code block')}, {_count(images, 'image')}")
        for diagnostic in document.warnings:
            click.echo(f"  warning: {diagnostic}")
    if verbose and report.settings:
        click.echo("  settings in effect:")
        for name, item in report.settings.items():
            value = item.value
            if value is None and document is not None:  # title and deck name follow the document's title
                value = document.title
                origin = f"{item.origin}: the file name" if name == "title" else f"{item.origin}: the title"
            else:
                origin = item.origin
            click.echo(f"    {name} = {value!r}  ({origin})")
    for diagnostic in report.errors:
        if document is None or diagnostic not in document.warnings:
            click.echo(f"error: {diagnostic}", err=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _build_command(name: str, help_text: str, extra=()):
    @cli.command(name=name, help=help_text)
    @build_options
    @_options(*extra)
    def command(sources, out, quiet, verbose, merge, **params):
        failed = build_all(_sources(sources), TARGETS[name], _flags(params), out, quiet, verbose, merge)
        sys.exit(1 if failed else 0)
    return command


def build_all(sources: list[Path], targets, flags: dict, out: Path, quiet: bool, verbose: bool,
              merge: bool = False) -> bool:
    """Build each source (or all of them as one, with `merge`); print one line each. True if any failed."""
    if merge:
        progress = Progress(enabled=not quiet)
        progress.step(f"building {len(sources)} sources as one")
        report = builder.build_merged(sources, targets, flags, out, progress=progress.detail)
        progress.done()
        _print_build(report, quiet, verbose)
        return not report.ok
    failed = False
    sources, clashes = builder.split_clashing(sources, out, targets)
    for error in clashes:
        click.echo(f"error: {error}", err=True)
        failed = True
    progress = Progress(enabled=not quiet, total=len(sources))
    for source in sources:
        progress.step(f"building {source.name}")
        report = builder.build(source, targets, flags, out, progress=progress.detail)
        progress.clear()
        failed |= not report.ok
        _print_build(report, quiet, verbose)
    progress.done()
    return failed


def _print_build(report: builder.Report, quiet: bool, verbose: bool, prefix: str = "") -> None:
    for diagnostic in report.warnings:
        if diagnostic not in report.errors:
            click.echo(f"{prefix}warning: {diagnostic}", err=True)
    for diagnostic in report.errors:
        click.echo(f"{prefix}error: {diagnostic}", err=True)
    for diagnostic in report.notes:  # what the build did that needs a step in Anki
        click.echo(f"{prefix}note: {diagnostic}", err=True)
    if not report.ok or quiet:
        return
    built = ", ".join(str(path) for path in report.outputs)
    skipped = ", ".join(str(path) for path in report.skipped)
    parts = [built and f"→ {built}", skipped and f"up to date: {skipped}"]
    click.echo(f"{prefix}{report.source} {'; '.join(p for p in parts if p)} ({report.seconds:.2f} s)")
    if verbose and report.document is not None:
        document = report.document
        click.echo(f"{prefix}  {len(document.topics)} topics, {len(document.cards)} cards, "
                   f"{len(document.warnings)} warnings")
        for path in report.outputs:
            click.echo(f"{prefix}  {path}: {path.stat().st_size:,} bytes")


all_command = _build_command("all", "Build the deck and the PDF of each source.", (deck_options, pdf_options))
deck_command = _build_command("deck", "Build the Anki deck (.apkg) of each source.", (deck_options,))
pdf_command = _build_command("pdf", "Build the printable PDF cheat sheet of each source.", (pdf_options,))


@cli.command()
@build_options
@deck_options
@pdf_options
@click.option("--only", type=click.Choice(["all", "deck", "pdf"]), default="all", show_default=True,
              help="Which outputs to keep up to date.")
def watch(sources, out, quiet, verbose, merge, only, **params):
    """Rebuild on every save (Ctrl-C to stop); only changed sources are rebuilt."""
    from watchfiles import watch as watch_changes

    roots = _source_roots(sources)
    flags, targets = _flags(params), TARGETS[only]
    build_all(_sources(sources), targets, flags, out, quiet, verbose, merge)
    click.echo(f"watching {', '.join(str(root) for root in roots)} — Ctrl-C to stop", err=True)
    said: dict[Path, list[str]] = {}  # each source's problems as last printed: not repeated
    try:
        for _ in watch_changes(*_watched_folders(roots), recursive=False, debounce=200, raise_interrupt=True,
                               watch_filter=_watch_filter(roots, out)):
            prefix = time.strftime("%H:%M:%S ")
            try:
                _rebuild(roots, targets, flags, out, quiet, verbose, merge, prefix, said)
            except Exception as error:  # noqa: BLE001 (the watcher outlives any one failed rebuild)
                click.echo(f"{prefix}error: {unexpected(roots[0], 'rebuilding', error)}", err=True)
    except KeyboardInterrupt:
        pass
    click.echo("stopped watching", err=True)


def _rebuild(roots, targets, flags, out, quiet, verbose, merge, prefix, said) -> None:
    try:
        current = builder.discover(list(roots))
    except NotesError as error:
        click.echo(f"{prefix}error: {error}", err=True)
        return
    if not merge:
        current, clashes = builder.split_clashing(current, out, targets)
        for error in clashes:
            click.echo(f"{prefix}error: {error}", err=True)
    reports = ([builder.build_merged(current, targets, flags, out)] if merge else
               [builder.build(source, targets, flags, out) for source in current])
    for report in reports:
        problems = [str(d) for d in report.errors]
        if report.outputs or problems != said.get(report.source):
            _print_build(report, quiet=quiet, verbose=verbose, prefix=prefix)
        said[report.source] = problems


def _watched_folders(roots) -> list[Path]:
    """Folders, not files: an editor that saves by renaming a new file over the old one
    replaces the file a watch would follow. The current folder holds the settings files."""
    folders = [root if root.is_dir() else root.parent for root in roots]
    return list(dict.fromkeys(folder.resolve() for folder in [*folders, Path.cwd()]))


def _watch_filter(roots, out: Path):
    from .config import CONFIG_FILE
    from .readers import SUFFIXES

    files = {root.resolve() for root in roots if not root.is_dir()}
    folders = {root.resolve() for root in roots if root.is_dir()}
    settings = {"pyproject.toml", CONFIG_FILE}
    out = out.resolve()

    def relevant(_change, name: str) -> bool:
        path = Path(name).resolve()
        if path.is_relative_to(out):
            return False
        return (path in files or path.name in settings
                or (path.parent in folders and path.suffix.lower() in SUFFIXES))

    return relevant


def main() -> None:
    try:
        cli(prog_name="notes-export")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
