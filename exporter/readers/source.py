"""Reading a source file's text: UTF-8 (BOM and CRLF accepted), front matter, line origins."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NotesError
from ..model import Location

FRONT_MATTER_FENCE = "---"
FRONT_MATTER_LINE = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$")
FRONT_MATTER_MAX_LINES = 100


@dataclass
class SourceText:
    """A source's lines, each with the line (or notebook cell) it came from."""

    path: Path
    lines: list[str]
    origins: list[int]
    unit: str = "line"
    settings: dict[str, str] = field(default_factory=dict)

    def location(self, index: int) -> Location:
        origin = self.origins[index] if index < len(self.origins) else (self.origins[-1] if self.origins else 1)
        return Location(self.path, origin, self.unit)


def read_bytes(path: Path) -> bytes:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # such a name reaches Python as surrogates: no deck or PDF can carry it
        raise NotesError(path, "the file name is not valid UTF-8", "rename the file") from None
    if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO or a device would block or never end
        raise NotesError(path, "is not a regular file", "name a .md, .txt or .ipynb file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotesError(path, "file not found", "check the path, or run from the folder that holds source/") from None
    except IsADirectoryError:
        raise NotesError(path, "is a folder, not a notes file", "name a .md, .txt or .ipynb file") from None
    except OSError as exc:
        raise NotesError(path, f"cannot read file: {exc.strerror or exc}", "check its permissions") from None


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text with BOM removed and line endings made `\\n`; bad bytes name their line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotesError(path, "is UTF-16 text, not UTF-8",
                         "save it as UTF-8 (e.g. `iconv -f utf-16 -t utf-8`, or your editor's Save As)")
    if b"\x00" in data[:8192]:
        raise NotesError(path, "looks like a binary file, not notes text",
                         "export the notes as Markdown (.md) or a notebook (.ipynb)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NotesError(Location(path, line), f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
                         "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None
    return clean_text(text)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Lines end in `\n`; control characters (which break Anki's field separator) are dropped."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def split_front_matter(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    """Parse a leading `---` block of `key: value` lines; return the settings and lines used."""
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        return {}, 0
    for end in range(1, min(len(lines), FRONT_MATTER_MAX_LINES)):
        if lines[end].strip() == FRONT_MATTER_FENCE:
            break
    else:
        return {}, 0  # a lone `---` is a horizontal rule, not front matter
    settings: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = FRONT_MATTER_LINE.match(line)
        if not match:
            raise NotesError(Location(path, number), f"front matter line is not `key: value`: {line.strip()[:60]!r}",
                             "write one `key: value` per line between the two `---` lines")
        settings[match[1].lower()] = _unquote(match[2])
    return settings, end + 1


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def title_from_stem(stem: str) -> str:
    return re.sub(r"[_-]+", " ", stem).strip() or stem
