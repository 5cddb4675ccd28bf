"""Headings to the model: topics, sections, questions and their answers.

Rules (README "Source format"):
- a `#` heading is a topic;
- a deeper heading is a question when its text is numbered (`12. …`), lettered (`a. …`, a
  sub-question of the nearest question above), ends with `?` or starts with a prompt word;
- any other deeper heading is a section: it tags the questions beneath it (until a heading
  of its level or shallower), and content directly under it becomes a "notes" card;
- content before the first heading is preamble; headings before the first topic belong to
  a topic named after the document.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from ..model import Card, CardKind, Diagnostic, Document, Location, Severity, Topic
from ..fences import next_fence
from .source import SourceText

HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z0-9][\w.:-]*)\}\s*$")
NUMBERED = re.compile(r"^(\d+)[.)]\s+(\S.*)$")
LETTERED = re.compile(r"^([a-z])[.)]\s+(\S.*)$")
PROMPT_WORDS = frozenset(
    "what how why when where which who can could do does is are should give describe "
    "explain define discuss compare list name".split())


@dataclass
class Heading:
    level: int
    text: str  # without explicit id
    explicit_id: str | None
    index: int  # line index in the SourceText
    body: list[int]  # indexes of the lines beneath it, up to the next heading


def parse_heading(line: str) -> tuple[int, str, str | None] | None:
    match = HEADING.match(line)
    if not match or not match[2].strip():
        return None
    text = match[2].strip()
    explicit = EXPLICIT_ID.search(text)
    if explicit:
        text = text[:explicit.start()].strip()
    return len(match[1]), text, explicit[1] if explicit else None


def split_headings(source: SourceText) -> tuple[list[int], list[Heading], int | None]:
    """Return the preamble's line indexes, every heading with its body (code fences skipped),
    and the index of a fence left open at the end, if any."""
    preamble: list[int] = []
    headings: list[Heading] = []
    fence: str | None = None
    fence_start: int | None = None
    for index, line in enumerate(source.lines):
        parsed = None if fence else parse_heading(line)
        was_open = fence is not None
        fence = next_fence(line, fence)
        if fence is not None and not was_open:
            fence_start = index
        if parsed:
            level, text, explicit_id = parsed
            headings.append(Heading(level, text, explicit_id, index, []))
        elif headings:
            headings[-1].body.append(index)
        else:
            preamble.append(index)
    return preamble, headings, fence_start if fence is not None else None


def classify(text: str) -> tuple[str, str | None, str]:
    """("numbered"|"lettered"|"question"|"section", number, text without number)."""
    if match := NUMBERED.match(text):
        return "numbered", match[1], match[2]
    if match := LETTERED.match(text):
        return "lettered", match[1], match[2]
    first_word = re.match(r"[A-Za-z]+", text)
    if text.rstrip().endswith("?") or (first_word and first_word[0].lower() in PROMPT_WORDS):
        return "question", None, text
    return "section", None, text


def identity_of(*parts: str) -> str:
    """A stable id from the parts that name a card, blind to case, spacing and Unicode form."""
    normal = "\x1f".join(" ".join(unicodedata.normalize("NFKC", p).casefold().split()) for p in parts)
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:20]


class OutlineBuilder:
    """Walks the headings once, keeping the current topic, sections and parent question."""

    def __init__(self, source: SourceText, title: str):
        self.source = source
        self.document = Document(title=title, path=source.path, settings=dict(source.settings))
        self.topic: Topic | None = None
        self.sections: list[tuple[int, str]] = []
        self.parent: Card | None = None  # the last numbered or unlettered question
        self.seen: dict[str, Card] = {}

    def build(self) -> Document:
        preamble, headings, open_fence = split_headings(self.source)
        if open_fence is not None:
            fence = self.source.lines[open_fence].strip()
            self.document.diagnostics.append(Diagnostic(
                self.source.location(open_fence),
                f"code fence {fence[:3]!s} is never closed, so everything after it is code",
                f"close it with a line {fence[:3]} after the code", Severity.ERROR))
        self.document.preamble = "\n".join(self.source.lines[i] for i in preamble).strip()
        for heading in headings:
            self.add(heading)
        for index, card in enumerate(self.document.cards):
            card.index = index
        return self.document

    def add(self, heading: Heading) -> None:
        location = self.source.location(heading.index)
        if heading.level == 1:
            self.open_topic(heading.text, location)
            self.add_notes(heading, heading.text)
            return
        if self.topic is None:
            self.open_topic(self.document.title, location)
        while self.sections and self.sections[-1][0] >= heading.level:
            self.sections.pop()
        kind, number, text = classify(heading.text)
        if kind == "section":
            self.sections.append((heading.level, text))
            self.add_notes(heading, text)
            return
        parent = None
        if kind == "lettered" and self.parent is not None:
            parent = self.parent
            number = f"{parent.number or ''}{number}"
        card = self.make_card(heading, text, number, parent)
        if kind != "lettered":
            self.parent = card
        if not card.answer.strip():
            self.warn(location, f"question has no answer: {heading.text!r}",
                      "write the answer beneath the heading, or delete the heading")
            return
        self.append(card)

    def open_topic(self, title: str, location: Location) -> None:
        self.topic = Topic(title=title, location=location, index=len(self.document.topics))
        self.document.topics.append(self.topic)
        self.sections = []
        self.parent = None

    def make_card(self, heading: Heading, text: str, number: str | None, parent: Card | None) -> Card:
        assert self.topic is not None
        title = self.document.title
        if heading.explicit_id:
            identity = identity_of(title, "#" + heading.explicit_id)
        else:
            identity = identity_of(title, self.topic.title, parent.question if parent else "", text)
        body = _trim(heading.body, self.source.lines)
        return Card(
            identity=identity,
            topic=self.topic.title,
            question=text,
            answer="\n".join(self.source.lines[i] for i in body),
            answer_lines=tuple(self.source.origins[i] for i in body),
            location=self.source.location(heading.index),
            number=number,
            sections=tuple(name for _, name in self.sections),
            parent=parent.question if parent else None,
            explicit_id=heading.explicit_id,
        )

    def add_notes(self, heading: Heading, title: str) -> None:
        """Content directly under a topic or section heading becomes a card prompted by its title."""
        if not any(self.source.lines[i].strip() for i in heading.body):
            return
        card = self.make_card(heading, title, None, None)
        card.kind = CardKind.NOTES
        if not heading.explicit_id:
            card.identity = identity_of(self.document.title, self.topic.title, "\x1enotes", *card.sections)
        self.append(card)

    def append(self, card: Card) -> None:
        first = self.seen.get(card.identity)
        if first is not None:
            self.document.diagnostics.append(Diagnostic(
                card.location,
                f"question {card.question!r} appears twice in topic {card.topic!r} (first at {first.location})",
                "reword one of them, or give one an explicit id like {#" + _slug(card.question) + "-2}",
                Severity.ERROR))
            return
        self.seen[card.identity] = card
        assert self.topic is not None
        self.topic.cards.append(card)

    def warn(self, location: Location, message: str, hint: str) -> None:
        self.document.diagnostics.append(Diagnostic(location, message, hint))


def _trim(indexes: list[int], lines: list[str]) -> list[int]:
    start, end = 0, len(indexes)
    while start < end and not lines[indexes[start]].strip():
        start += 1
    while end > start and not lines[indexes[end - 1]].strip():
        end -= 1
    return indexes[start:end]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:30] or "id"
