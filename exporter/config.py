"""Settings: defaults < pyproject.toml `[tool.notes-export]` < notes-export.toml < front matter < flags.

Files are looked for in the current folder and in each source's folder (the source's
folder wins). Front matter in a notes file overrides them for that file; command-line
flags override everything. Every value remembers where it came from, for
`notes-export check --verbose`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import NotesError
from .model import Location
from .readers.source import decode, split_front_matter


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError("expected true or false")


def _columns(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 4:
        raise ValueError("expected a whole number from 1 to 4")
    return int(text)


def _paper(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("a4", "letter"):
        raise ValueError("expected a4 or letter")
    return text


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text (in quotes in a .toml file)")
    text = value.strip()
    if not text:
        raise ValueError("expected some text")
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[Any], Any]
    default: Any
    help: str


SETTINGS = {setting.name: setting for setting in (
    Setting("title", _text, None, "document title (default: from the file name)"),
    Setting("deck-name", _text, None, "root deck name (default: the title)"),
    Setting("order-prefix", _boolean, True, "number subdecks so Anki lists them in document order"),
    Setting("paper", _paper, "a4", "PDF paper size: a4 or letter"),
    Setting("portrait", _boolean, False, "portrait PDF pages"),
    Setting("columns", _columns, 3, "PDF columns per page, 1 to 4"),
    Setting("strict", _boolean, False, "treat warnings as errors"),
    Setting("fetch-images", _boolean, False, "download remote images (the only network access)"),
)}
CONFIG_FILE = "notes-export.toml"


@dataclass(frozen=True)
class Value:
    value: Any
    origin: str  # "default", a file path, "front matter of …" or "command line"


Resolved = dict[str, Value]


def defaults() -> Resolved:
    return {name: Value(setting.default, "default") for name, setting in SETTINGS.items()}


def resolve(source: Path, flags: dict[str, Any], source_text: str | None = None) -> Resolved:
    """The settings in effect for `source`, each with its origin."""
    resolved = defaults()
    folders = list(dict.fromkeys([Path.cwd().resolve(), source.resolve().parent]))
    for folder in folders:
        for path, table in _config_files(folder):
            _apply(resolved, table, str(path))
    if source_text is not None:
        front, _ = split_front_matter(source, source_text.split("\n"))
        known = {key: value for key, value in front.items() if key in SETTINGS}
        _apply(resolved, known, f"front matter of {source}")
    _apply(resolved, {key: value for key, value in flags.items() if value is not None}, "command line")
    return resolved


def front_matter_text(source: Path, data: bytes) -> str | None:
    """The text to read front matter from: the file's head, or a notebook's first cell."""
    notebook = source.suffix.lower() == ".ipynb"
    try:
        text = decode(source, data if notebook else data[:64 * 1024])
    except NotesError:
        return None  # the reader reports bad text with its line; settings stay as configured
    if notebook:
        from .readers.notebook import first_cell_text

        return first_cell_text(text)
    return text


def _config_files(folder: Path):
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        table = _load(pyproject).get("tool", {}).get("notes-export")
        if table is not None:
            yield pyproject, _table(pyproject, table)
    own = folder / CONFIG_FILE
    if own.is_file():
        yield own, _table(own, _load(own))


def _load(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        raise NotesError(Location(path, int(line[1]) if line else 1), f"not valid TOML: {error}",
                         "fix the file's syntax") from None
    except OSError as error:
        raise NotesError(path, f"cannot read: {error.strerror or error}", "check its permissions") from None


def _table(path: Path, table: Any) -> dict:
    if not isinstance(table, dict):
        raise NotesError(path, "[tool.notes-export] must be a table of settings", "write `key = value` lines under it")
    return table


def parse_flag(name: str, value: Any) -> Any:
    """A setting given on the command line, checked as the files' are (ValueError says why)."""
    return SETTINGS[name].parse(value)


def _apply(resolved: Resolved, table: dict, origin: str) -> None:
    for key, raw in table.items():
        name = key.replace("_", "-").lower()
        setting = SETTINGS.get(name)
        if setting is None:
            raise NotesError(Path(origin.removeprefix("front matter of ")), f"unknown setting {key!r}",
                             f"use one of: {', '.join(SETTINGS)}")
        try:
            resolved[name] = Value(setting.parse(raw), origin)
        except (TypeError, ValueError) as error:
            raise NotesError(Path(origin.removeprefix("front matter of ")),
                             f"bad value for {name}: {raw!r}", str(error)) from None
