"""`--merge`: several sources as one document, one topic per file.

Each file becomes a topic (so a subdeck per file, a PDF section per file); its own topics
become the first level of sections beneath it. Cards keep the identities they have when
built alone, so switching to `--merge` updates the same notes in Anki.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from .model import Card, Diagnostic, Document, Severity, Topic
from .readers.source import title_from_stem

GENERIC_FOLDERS = {"source", "sources", "src", "notes", "docs"}


def merged_path(sources: list[Path], title: str | None) -> tuple[str, Path]:
    """The merged document's title and the (virtual) path its outputs are named after.

    It sits in the sources' common folder, so local images of every file lie inside it.
    The title defaults to that folder's name (its parent's, for a generic name like source/).
    """
    folder = Path(_common_folder(sources))
    if title is None:
        named = folder.parent if folder.name.lower() in GENERIC_FOLDERS and folder.parent.name else folder
        title = title_from_stem(named.name) or "Notes"
    stem = re.sub(r"[^\w.-]+", "_", title).strip("_.") or "notes"
    if folder.is_relative_to(Path.cwd()):
        folder = folder.relative_to(Path.cwd())
    return title, folder / f"{stem}.md"


def _common_folder(sources: list[Path]) -> str:
    return os.path.commonpath([str(source.resolve().parent) for source in sources])


def merge(documents: list[Document], title: str, path: Path) -> Document:
    merged = Document(title=title, path=path)
    first: dict[str, Card] = {}
    for document in documents:
        topic = Topic(title=document.title, location=document.topics[0].location, index=len(merged.topics))
        for inner in document.topics:
            for card in inner.cards:
                if card.identity in first:  # two files with one title asking one question: one note
                    merged.diagnostics.append(Diagnostic(
                        card.location, f"question {card.question!r} is also at {first[card.identity].location}, "
                        "in a file of the same title: both would be one Anki note",
                        "give the files different titles (front matter `title:`), or one question an explicit id",
                        Severity.ERROR))
                    continue
                first[card.identity] = card
                topic.cards.append(replace(card, topic=document.title, sections=(inner.title, *card.sections)))
        merged.topics.append(topic)
        merged.diagnostics.extend(document.diagnostics)
        merged.dependencies.update(document.dependencies)
    for index, card in enumerate(merged.cards):
        card.index = index
    return merged
