"""Synthetic corpora in the sample's own format: N copies of the sample, each copy's topics and
questions made distinct, so a 100x corpus is about 5,000 distinct cards."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "source" / "BDS_M6_Exam_Notes.md"
HEADING = re.compile(r"^(#{1,6}) (.*)$")
CELL = re.compile(r"^In \[")


def corpus_text(copies: int, sample: str | None = None) -> str:
    sample = sample if sample is not None else SAMPLE.read_text(encoding="utf-8")
    parts = []
    for copy in range(1, copies + 1):
        lines, in_cell = [], False
        for line in sample.split("\n"):
            in_cell = (in_cell or bool(CELL.match(line))) and not line.startswith("## ")
            match = None if in_cell else HEADING.match(line)
            if match and len(match[1]) == 1:
                line = f"# {match[2]} {copy}" if copies > 1 else line
            elif match and copies > 1:
                line = f"{match[1]} {match[2]} (v{copy})"
            lines.append(line)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write_corpus(folder: Path, copies: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"notes_x{copies}.md"
    text = corpus_text(copies)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_corpus(Path(sys.argv[2] if len(sys.argv) > 2 else ROOT / "bench" / "corpora"), int(sys.argv[1])))
