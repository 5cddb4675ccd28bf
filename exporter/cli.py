"""The `notes-export` command: parse arguments, call the library, print, exit.

Exit codes: 0 success (warnings allowed), 1 bad input, 2 usage.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import click

from . import build as builder
from .errors import NotesError
from .model import CardKind

DEFAULT_SOURCE = Path("source")


def _sources(paths: tuple[Path, ...]) -> list[Path]:
    if not paths:
        if not DEFAULT_SOURCE.is_dir():
            raise click.UsageError(f"no SOURCES given and no {DEFAULT_SOURCE}/ folder here — "
                                   "name a notes file or run in the folder that holds source/")
        paths = (DEFAULT_SOURCE,)
    try:
        return builder.discover(list(paths))
    except NotesError as error:
        _fail(error)


def _fail(error: NotesError):
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


sources_argument = click.argument(
    "sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
out_option = click.option(
    "-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"),
    show_default=True, help="Folder for the outputs (<out>/<stem>.apkg, <out>/<stem>.pdf).")
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
fetch_option = click.option("--fetch-images", is_flag=True,
                            help="Download remote images into the build (default: never touch the network).")


def deck_options(command):
    return click.option("--order-prefix/--no-order-prefix", default=True, show_default=True,
                        help="Number subdecks (01 Databases) so Anki lists them in document order.")(command)


def pdf_options(command):
    command = click.option("--columns", type=click.IntRange(1, 4), default=3, show_default=True,
                           help="Columns per page.")(command)
    command = click.option("--portrait", is_flag=True, help="Portrait pages (default: landscape).")(command)
    return click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4",
                        show_default=True, help="Paper size.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("notes-export"), prog_name="notes-export")
def cli():
    """Turn study notes into an Anki deck and a printable PDF cheat sheet.

    SOURCES are notes files (.md, .markdown, .txt, .ipynb) or folders of them; the
    default is source/. Questions are headings; answers are the Markdown beneath them.
    """


@cli.command()
@sources_argument
@strict_option
def check(sources, strict):
    """Parse only: print counts and problems for each source."""
    options = builder.Options(strict=strict)
    failed = False
    for source in _sources(sources):
        report = builder.check(source, options)
        failed |= not report.ok
        _print_check(report)
    sys.exit(1 if failed else 0)


def _print_check(report: builder.Report) -> None:
    document = report.document
    if document is not None:
        cards = document.cards
        notes = sum(card.kind is CardKind.NOTES for card in cards)
        code = sum(card.answer_html.count('<div class="highlight">') for card in cards)
        images = sum(len(card.images) for card in cards)
        click.echo(f"{report.source}: {len(document.topics)} topics, {len(cards)} cards "
                   f"({len(cards) - notes} questions, {notes} notes), "
                   f"{code} code blocks, {images} images")
        for diagnostic in document.warnings:
            click.echo(f"  warning: {diagnostic}")
    for diagnostic in report.errors:
        if document is None or diagnostic not in document.warnings:
            click.echo(f"error: {diagnostic}", err=True)


def _run(sources, targets, options: builder.Options, quiet: bool) -> None:
    failed = False
    for source in _sources(sources):
        report = builder.build(source, targets, options)
        failed |= not report.ok
        _print_build(report, quiet)
    sys.exit(1 if failed else 0)


def _print_build(report: builder.Report, quiet: bool) -> None:
    for diagnostic in report.warnings:
        if diagnostic not in report.errors:
            click.echo(f"warning: {diagnostic}", err=True)
    for diagnostic in report.errors:
        click.echo(f"error: {diagnostic}", err=True)
    if report.ok and not quiet:
        built = ", ".join(str(path) for path in report.outputs)
        skipped = ", ".join(str(path) for path in report.skipped)
        parts = [built and f"→ {built}", skipped and f"up to date: {skipped}"]
        click.echo(f"{report.source} {'; '.join(p for p in parts if p)} ({report.seconds:.2f} s)")


@cli.command(name="all")
@sources_argument
@out_option
@strict_option
@quiet_option
@fetch_option
@deck_options
@pdf_options
def all_(sources, out, strict, quiet, fetch_images, order_prefix, paper, portrait, columns):
    """Build the deck and the PDF of each source."""
    options = builder.Options(out=out, strict=strict, order_prefix=order_prefix, paper=paper.lower(),
                              landscape=not portrait, columns=columns, fetch_images=fetch_images)
    _run(sources, ("deck", "pdf"), options, quiet)


@cli.command()
@sources_argument
@out_option
@strict_option
@quiet_option
@fetch_option
@deck_options
def deck(sources, out, strict, quiet, fetch_images, order_prefix):
    """Build the Anki deck (.apkg) of each source."""
    options = builder.Options(out=out, strict=strict, order_prefix=order_prefix, fetch_images=fetch_images)
    _run(sources, ("deck",), options, quiet)


@cli.command()
@sources_argument
@out_option
@strict_option
@quiet_option
@fetch_option
@pdf_options
def pdf(sources, out, strict, quiet, fetch_images, paper, portrait, columns):
    """Build the printable PDF cheat sheet of each source."""
    options = builder.Options(out=out, strict=strict, paper=paper.lower(), landscape=not portrait,
                              columns=columns, fetch_images=fetch_images)
    _run(sources, ("pdf",), options, quiet)


def main() -> None:
    try:
        cli(prog_name="notes-export")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
