"""Jupyter notebooks give the same cards as the text export of the same notes."""

import json
import re

import nbformat
import pytest

from exporter.errors import NotesError
from exporter.pipeline import load
from exporter.readers.markdown import read_markdown

from conftest import SAMPLE

TAG = re.compile(r"<[^>]+>")


def notebook_from_sample() -> nbformat.NotebookNode:
    """Cut the sample where its code cells are: prose into markdown cells, code into code cells."""
    source = read_markdown(SAMPLE)
    cells, prose, code = [], [], None
    for line in source.lines:
        if code is None and re.match(r"^```\w+$", line):
            cells.append(nbformat.v4.new_markdown_cell("\n".join(prose).strip("\n")))
            prose, code = [], []
        elif code is not None and line == "```":
            cells.append(nbformat.v4.new_code_cell("\n".join(code)))
            code = None
        elif code is not None:
            code.append(line)
        else:
            prose.append(line)
    cells.append(nbformat.v4.new_markdown_cell("\n".join(prose).strip("\n")))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    return notebook


def visible(card):
    return " ".join(TAG.sub("", card.answer_html).split())


def test_notebook_gives_the_same_cards_as_the_text_export(tmp_path, sample):
    path = tmp_path / "BDS_M6_Exam_Notes.ipynb"
    nbformat.write(notebook_from_sample(), str(path))
    document = load(path)
    assert document.title == sample.title
    assert [t.title for t in document.topics] == [t.title for t in sample.topics]
    fields = lambda c: (c.identity, c.kind, c.number, c.question, c.topic, c.sections, c.parent)
    assert [fields(c) for c in document.cards] == [fields(c) for c in sample.cards]
    assert [visible(c) for c in document.cards] == [visible(c) for c in sample.cards]
    html = "".join(c.answer_html for c in document.cards)
    assert html.count('<div class="highlight">') == 9
    assert 'class="language-dockerfile"' in html and 'class="language-python"' in html
    [warning] = document.warnings
    assert warning.location.unit == "cell" and str(warning.location).endswith(":cell 1")


def test_code_cells_use_the_notebook_language(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# R\n## 1. How do I sum?"),
        nbformat.v4.new_code_cell("sum(c(1, 2))"),
    ])
    notebook.metadata["language_info"] = {"name": "r"}
    path = tmp_path / "r.ipynb"
    nbformat.write(notebook, str(path))
    assert 'class="language-r"' in load(path).cards[0].answer_html


@pytest.mark.parametrize("content", ["{not json", json.dumps({"cells": "nope"}), "[]"])
def test_broken_notebook_is_one_clear_error(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(NotesError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:")
    assert "not a valid notebook" in str(caught.value) and "\n" not in str(caught.value)


def test_front_matter_in_the_first_cell_sets_the_notebook_settings(tmp_path):
    from exporter import build

    notebook = nbformat.v4.new_notebook()
    front = "---\ndeck-name: Course::NB\ncolumns: 2\n---\n"
    notebook.cells = [nbformat.v4.new_markdown_cell(front + "# T\n## What?\nThis.")]
    notebook.metadata = {"kernelspec": "py", "language_info": "not a mapping"}  # written by some other tool
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    report = build.check(path, {})
    assert report.ok, report.errors
    assert report.settings["deck-name"].value == "Course::NB" and report.settings["columns"].value == 2
    assert report.settings["columns"].origin == f"front matter of {path}"
