from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "source" / "BDS_M6_Exam_Notes.md"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample():
    """The real user's notes, parsed and rendered once for the whole run (do not mutate)."""
    from exporter.pipeline import load

    return load(SAMPLE)


def write_notes(folder: Path, text: str, name: str = "notes.md") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
