"""Baseline: the minimal Python-Markdown + genanki script issue 5 compares `notes-export deck` with.

One Markdown instance reused with reset() (tables, fenced_code, codehilite); the notes are
split into questions at heading lines outside code (fences, and `In [..]:` cells up to the
next `## ` heading, as in the sample); one note per heading with an answer; one deck.

    python bench/baseline_deck.py NOTES.md OUT.apkg
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def questions(text: str) -> list[tuple[int, str, str]]:
    """(level, heading, Markdown body) for every heading outside code, in order."""
    found: list[tuple[int, str, list[str]]] = []
    fence, in_cell = None, False
    for line in text.split("\n"):
        match = FENCE.match(line)
        if fence:
            fence = None if match and match[1][0] == fence[0] else fence
        elif match:
            fence = match[1]
        else:
            in_cell = (in_cell or line.startswith("In [")) and not line.startswith("## ")
            heading = None if in_cell else HEADING.match(line)
            if heading:
                found.append((len(heading[1]), heading[2], []))
                continue
        if found:
            found[-1][2].append(line)
    return [(level, title, "\n".join(body).strip()) for level, title, body in found]


def new_markdown():
    import markdown

    return markdown.Markdown(extensions=["tables", "fenced_code", "codehilite"])


def render(md, text: str) -> str:
    md.reset()
    return md.convert(text)


def main(source: Path, target: Path) -> None:
    import genanki

    md = new_markdown()
    model = genanki.Model(1_607_392_319, "Baseline Q/A", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card", "qfmt": "{{Front}}",
                                      "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'}])
    deck = genanki.Deck(2_059_400_110, source.stem)
    for _, title, body in questions(source.read_text(encoding="utf-8")):
        if body:
            deck.add_note(genanki.Note(model=model, fields=[render(md, title), render(md, body)]))
    target.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(target)
    print(f"{len(deck.notes)} notes -> {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
