"""The plain model every reader produces and every writer consumes.

Nothing here knows about Anki or PDF: a Document is topics of cards, each card
a question with its Markdown answer, where it came from, and a stable identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file; `line` is 1-based (a cell number for notebooks)."""

    file: Path
    line: int
    unit: str = "line"  # "line" for text sources, "cell" for notebooks

    def __str__(self) -> str:
        where = str(self.line) if self.unit == "line" else f"{self.unit} {self.line}"
        return f"{self.file}:{where}"


class Severity(str, Enum):
    NOTE = "note"  # worth knowing, never a failure (not even with --strict)
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a source, printed as `file:line: message — hint`."""

    location: Location
    message: str
    hint: str = ""
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class CardKind(str, Enum):
    QUESTION = "question"  # a question heading with its answer
    NOTES = "notes"  # content under a section or topic heading, prompted by its title


@dataclass
class Image:
    """An image an answer refers to, as the renderer resolved it."""

    src: str  # as written in the notes
    alt: str
    location: Location
    path: Path | None = None  # the local file, when it exists inside the source folder
    media_name: str | None = None  # content-hash file name the rendered HTML uses for it

    @property
    def remote(self) -> bool:
        return self.src.startswith(("http://", "https://", "//"))


@dataclass
class Card:
    identity: str  # stable: survives editing the answer, moving and renumbering
    topic: str
    question: str  # the heading text without its number or explicit id
    answer: str  # Markdown, exactly as beneath the heading (code cells made fences)
    location: Location
    index: int = 0  # position in the document, 0-based
    kind: CardKind = CardKind.QUESTION
    number: str | None = None  # as written, e.g. "12" or "35a"
    sections: tuple[str, ...] = ()  # enclosing section headings, outermost first
    parent: str | None = None  # the parent question's text, for lettered sub-questions
    explicit_id: str | None = None  # `{#id}` written at the end of the heading
    answer_lines: tuple[int, ...] = ()  # the source line (or cell) of each answer line
    # Filled once by exporter.render, shared by both writers:
    question_html: str = ""
    answer_html: str = ""
    images: list[Image] = field(default_factory=list)

    @property
    def section(self) -> str | None:
        return self.sections[-1] if self.sections else None

    @property
    def context(self) -> tuple[str, ...]:
        """Where the card sits: topic, sections, then the parent question."""
        parts = (self.topic, *self.sections)
        return (*parts, self.parent) if self.parent else parts


@dataclass
class Topic:
    title: str
    location: Location
    cards: list[Card] = field(default_factory=list)
    index: int = 0  # position among the document's topics, 0-based


@dataclass
class Document:
    title: str
    path: Path
    topics: list[Topic] = field(default_factory=list)
    preamble: str = ""  # Markdown before the first heading; not a card
    settings: dict[str, str] = field(default_factory=dict)  # front matter
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Local files the outputs depend on besides the source (images, found or not).
    dependencies: set[Path] = field(default_factory=set)

    @property
    def cards(self) -> list[Card]:
        return [card for topic in self.topics for card in topic.cards]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.NOTE]

    @property
    def stem(self) -> str:
        return self.path.stem
