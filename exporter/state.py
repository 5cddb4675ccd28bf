"""What the last build wrote, so an unchanged source is not built again.

For each output, `<out>/.notes-export/<stem>.<target>.json` records a fingerprint of
everything that went into it (the source's bytes, the options that matter for that
output, the tool's version and its templates), the local images it used, and the size and
modification time of the file written. An output is up to date when all of these still
match. Nothing here imports the heavy libraries: a no-op rebuild stays fast.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path

STATE_DIR = ".notes-export"


def state_dir(out: Path) -> Path:
    return out / STATE_DIR


def render_cache_file(out: Path, stem: str) -> Path:
    return state_dir(out) / f"{stem}.cards.json"


@cache
def tool_fingerprint() -> str:
    """The version, the templates and the code itself: an edited checkout (same version
    number) must not pass off outputs of its old code as up to date."""
    digest = hashlib.blake2b(version("notes-export").encode(), digest_size=16)
    package = Path(str(resources.files("exporter")))
    files = sorted(path for pattern in ("templates/*", "**/*.py") for path in package.glob(pattern))
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(source_bytes: bytes, settings: dict) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(tool_fingerprint().encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    digest.update(source_bytes)
    return digest.hexdigest()


def _stat(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def _record_file(out: Path, stem: str, target: str) -> Path:
    return state_dir(out) / f"{stem}.{target}.json"


def up_to_date(out: Path, stem: str, target: str, output: Path, print_: str) -> bool:
    try:
        record = json.loads(_record_file(out, stem, target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("fingerprint") != print_:
        return False
    if record.get("output") != _stat(output):
        return False
    images = record.get("images", {})
    return isinstance(images, dict) and all(_stat(Path(path)) == stat for path, stat in images.items())


def remember(out: Path, stem: str, target: str, output: Path, print_: str, images: list[Path]) -> None:
    from .output import write_bytes

    record = {"fingerprint": print_, "output": _stat(output),
              "images": {str(path): _stat(path) for path in sorted(set(images))}}
    try:
        write_bytes(_record_file(out, stem, target), json.dumps(record, indent=1).encode())
    except Exception:  # losing the record only costs a rebuild next time
        pass
