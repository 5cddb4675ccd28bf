"""List normalisation: loosely indented bullets made into lists Python-Markdown nests right.

Hand-written notes nest bullets by 1 to 4 spaces and start lists right after a paragraph
line. Python-Markdown wants a blank line before a list and exactly four spaces a level, so
it flattens such lists or swallows them into paragraphs. Here each bullet's depth comes
from its indentation relative to the bullets above it (deeper than the previous level opens
one new level, never more), and the list is re-written tight with four spaces a level.
"""

from __future__ import annotations

import re

from .fences import next_fence

BULLET = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(\S.*)$")
RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$")
MAX_DEPTH = 12  # deeper items join level 12: Python-Markdown recurses once per level


def indent_width(text: str) -> int:
    return len(text.expandtabs(4))


class _ListState:
    def __init__(self) -> None:
        self.indents: list[int] = []
        self.blank_seen = False

    @property
    def open(self) -> bool:
        return bool(self.indents)

    def depth_for(self, indent: int) -> int:
        while self.indents and self.indents[-1] > indent:
            self.indents.pop()
        if not self.indents:
            self.indents.append(indent)
        elif self.indents[-1] < indent and len(self.indents) < MAX_DEPTH:
            self.indents.append(indent)
        return len(self.indents) - 1


def normalise_lists(markdown: str) -> str:
    out: list[str] = []
    state = _ListState()
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is not None:
            out.append(line)
            fence = next_fence(line.lstrip(), fence)
            continue
        fence = next_fence(line.lstrip(), None)
        if fence is not None:  # a fence inside a list ends the list: Markdown fences cannot nest there
            if state.open:
                state = _end_list(out)
            out.append(line.lstrip())
            continue
        bullet = BULLET.match(line)
        if bullet and not RULE.match(line):
            if not state.open and out and out[-1].strip():
                out.append("")  # Python-Markdown needs a blank line before a list
            depth = state.depth_for(indent_width(bullet[1]))
            marker = "-" if bullet[2] in "-*+" else bullet[2]
            out.append(f"{'    ' * depth}{marker} {bullet[3]}")
            state.blank_seen = False
        elif not state.open:
            out.append(line)
        elif not line.strip():
            state.blank_seen = True
        elif state.blank_seen and indent_width(line[:len(line) - len(line.lstrip())]) == 0:
            state = _end_list(out)
            out.append(line)
        else:
            # Text inside a list continues the item above it, on a line of its own.
            out[-1] += "  "  # Markdown hard line break
            out.append(" " * (4 * len(state.indents)) + line.strip())
            state.blank_seen = False
    return "\n".join(out)


def _end_list(out: list[str]) -> _ListState:
    out.append("")
    return _ListState()
