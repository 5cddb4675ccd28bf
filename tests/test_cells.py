"""The notebook text export's code cells: extent and language."""

import re

import pytest

from exporter.readers.cells import fence_code_cells, guess_language
from exporter.readers.markdown import read_markdown

from conftest import SAMPLE

FENCE = re.compile(r"^```(\w+)$")


def sample_cells():
    source = read_markdown(SAMPLE)
    cells, current = [], None
    for line, origin in zip(source.lines, source.origins):
        if current is None and FENCE.match(line):
            current = {"language": FENCE.match(line)[1], "start": origin, "lines": []}
        elif current is not None and line == "```":
            cells.append(current)
            current = None
        elif current is not None:
            current["lines"].append(line)
    return cells


def test_sample_has_nine_cells_with_languages():
    assert [cell["language"] for cell in sample_cells()] == [
        "dockerfile", "bash", "bash", "bash", "dockerfile", "bash", "http", "json", "python"]


def test_each_cell_has_its_whole_extent_and_nothing_more():
    raw = SAMPLE.read_text(encoding="utf-8").split("\n")
    for cell in sample_cells():
        start = cell["start"]  # the `In [None]:` line
        assert raw[start - 1] == "In [None]:"
        expected = raw[start:start + len(cell["lines"])]
        assert cell["lines"] == expected
        after = raw[start + len(cell["lines"]):]
        following = next(line for line in after if line.strip())
        # The next non-blank line after a cell is prose, a heading or another cell.
        assert not following.startswith(("#  ", "FROM", "RUN", "docker", "print", "}"))
    dockerfile = sample_cells()[0]["lines"]
    assert dockerfile[0] == "# Set the base image" and dockerfile[-1] == 'CMD ["flask", "run", "--host=0.0.0.0"]'
    python = sample_cells()[-1]["lines"]
    assert python[-1] == "print(response.json())" and len(python) == 20


def test_cell_ends_at_heading_marker_and_prose():
    lines = ["In [1]:", "x = 1", "", "y = 2", "In [ ]:", "ls -la", "", "This is a sentence about it.",
             "In [None]:", "# comment", "## 2. Next?"]
    out, origins, count = fence_code_cells(lines, list(range(1, len(lines) + 1)))
    assert count == 3
    assert out == ["```python", "x = 1", "", "y = 2", "```", "",
                   "```bash", "ls -la", "```", "", "This is a sentence about it.",
                   "```text", "# comment", "```", "", "## 2. Next?"]
    assert origins[out.index("ls -la")] == 6


def test_marker_inside_a_fence_is_left_alone():
    lines = ["```", "In [1]:", "x", "```"]
    out, _, count = fence_code_cells(lines, [1, 2, 3, 4])
    assert count == 0 and out == lines


def test_code_containing_backticks_gets_a_longer_fence():
    out, _, _ = fence_code_cells(["In [1]:", "s = '```'"], [1, 2])
    assert out[0].startswith("````") and out[-2] == "````"


@pytest.mark.parametrize("code, language", [
    ("FROM python:3.9\nRUN pip install x", "dockerfile"),
    ("# URL\nGET https://example.com/a", "http"),
    ('{"a": 1}', "json"),
    ("import os\nprint(os.getcwd())", "python"),
    ("docker run -d app", "bash"),
    ("ls", "bash"),
    ("¿qué?", "text"),
])
def test_guess_language(code, language):
    assert guess_language(code) == language
