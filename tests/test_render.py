"""Rendering answers: lists, code, tables, images, sanitizing."""

import re
from html.parser import HTMLParser

from exporter.lists import normalise_lists
from exporter.pipeline import load

from conftest import SAMPLE, write_notes

BULLET = re.compile(r"^\s*[-*+]\s")


class ListDepths(HTMLParser):
    """Records the nesting depth of every <li>, and its text."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.items: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.depth += 1
        elif tag == "li":
            self.items.append((self.depth, ""))

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.depth -= 1

    def handle_data(self, data):
        if self.items and not self.items[-1][1].strip():
            self.items[-1] = (self.items[-1][0], data.strip())


def li_depths(html):
    parser = ListDepths()
    parser.feed(html)
    return parser.items


def test_every_bullet_of_the_sample_arrives_as_its_own_li(sample):
    source_bullets = [line for line in SAMPLE.read_text(encoding="utf-8").split("\n") if BULLET.match(line)]
    assert len(source_bullets) == 593
    items = [item for card in sample.cards for item in li_depths(card.answer_html)]
    assert len(items) == 593
    texts = [text for _, text in items]
    for line in source_bullets:
        assert BULLET.sub("", line).strip()[:30] in " ".join(texts)


def test_loose_indentation_nests_by_relative_depth(sample):
    card = next(c for c in sample.cards if c.number == "19")
    depths = dict((text[:20], depth) for depth, text in li_depths(card.answer_html))
    assert depths["MLFlow is a platform"] == 1
    assert depths["Tracking experiments"] == 2
    assert depths["Experiment Tracking:"] == 1
    assert depths["Helps track ML exper"] == 2
    assert depths["Metrics: values comp"] == 3
    assert depths["Model Packaging:"] == 1
    assert depths["Simple format for pa"] == 2


def test_list_right_after_a_paragraph_line():
    html_source = normalise_lists("Advantages:\n- one\n - two\n")
    assert html_source == "Advantages:\n\n- one\n    - two"


def test_list_ends_at_unindented_text_after_blank_line():
    assert normalise_lists("- a\n\nAfter.") == "- a\n\nAfter."


def test_very_deep_nesting_is_capped_without_recursion_error(tmp_path):
    bullets = "\n".join(" " * i + "- level" for i in range(3000))
    document = load(write_notes(tmp_path, f"# T\n## What?\n{bullets}\n"))
    assert document.cards[0].answer_html.count("<li>") == 3000


def test_code_is_highlighted_with_classes_and_language(sample):
    card = next(c for c in sample.cards if c.number == "25")
    assert '<div class="highlight"><pre>' in card.answer_html
    assert 'class="language-dockerfile"' in card.answer_html
    assert '<span class="k">FROM</span>' in card.answer_html


def test_tables_quotes_and_inline_markup(sample):
    relational = next(c for c in sample.cards if c.question == "What is a relational database")
    assert "<table>" in relational.answer_html and "<th>first_name</th>" in relational.answer_html
    polars = next(c for c in sample.cards if c.question == "What is Polars used for?")
    assert "<blockquote>" in polars.answer_html


def test_remote_images_stay_references(sample):
    images = [image for card in sample.cards for image in card.images]
    assert len(images) == 9 and all(image.remote and image.path is None for image in images)
    assert images[0].alt == "picture" and images[0].location.line == 323


def test_local_image_gets_a_content_hash_name(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cell.png").write_bytes(b"\x89PNG fake")
    document = load(write_notes(tmp_path, "# T\n## What is a cell?\nLook:\n\n![a cell](img/cell.png)\n"))
    [image] = document.cards[0].images
    assert image.path == (tmp_path / "img" / "cell.png").resolve()
    assert image.media_name.startswith("notes-") and image.media_name.endswith(".png")
    assert f'src="{image.media_name}"' in document.cards[0].answer_html
    assert image.alt == "a cell" and image.location.line == 5


def test_missing_outside_and_absolute_images_are_warnings(tmp_path):
    (tmp_path / "outside.png").write_bytes(b"x")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "link.png").symlink_to(tmp_path / "outside.png")
    text = ("# T\n## What?\n![a](missing.png)\n\n![b](../outside.png)\n\n![c](/etc/hostname)\n\n"
            "![d](file:///etc/passwd)\n\n![e](link.png)\n")
    document = load(write_notes(folder, text))
    messages = [(d.location.line, d.message.split(":")[0]) for d in document.warnings]
    assert messages == [
        (3, "image not found"),
        (5, "image lies outside the notes' folder and is not included"),
        (7, "image is not a relative path"),
        (9, "image is not a relative path"),
        (11, "image lies outside the notes' folder and is not included"),
    ]
    html = document.cards[0].answer_html
    assert "file:" not in html and "/etc/" not in html and "outside" not in html
    assert document.cards[0].images == []


def test_raw_html_is_sanitized(tmp_path):
    text = ('# T\n## What?\n<script>alert(1)</script>\n<style>p{}</style>\n<iframe src="x"></iframe>\n'
            '<link rel="attachment" href="file:///etc/passwd">\n'
            '<p onclick="evil()">text <a href="javascript:alert(1)">x</a> <img src="file:///etc/passwd"></p>\n')
    html = load(write_notes(tmp_path, text)).cards[0].answer_html
    for bad in ("<script", "alert", "<style", "<iframe", "<link", "onclick", "javascript:", "file:"):
        assert bad not in html
    assert "text" in html


def test_question_html_is_inline(sample):
    card = next(c for c in sample.cards if c.number == "32")
    assert card.question_html == "What do we call “code smell,” and what are the most common types?"


def test_numbered_list_keeps_its_first_number(tmp_path):
    notes = write_notes(tmp_path, "# T\n\n## 1. Which steps come later?\n\nEarlier steps elsewhere.\n\n"
                        "5. fifth step\n6. sixth step\n")
    answer = load(notes).cards[0].answer_html
    assert '<ol start="5">' in answer and answer.count("<li>") == 2


def test_file_links_are_dropped_however_they_are_spelled(tmp_path):
    notes = write_notes(tmp_path, '# T\n\n## What links?\n\n<a href="fil&#101;:///etc/passwd">a</a> '
                        '<a href="FILE:///etc/passwd">b</a> [c](file:///etc/passwd) [d](https://example.org)\n')
    answer = load(notes).cards[0].answer_html
    assert "passwd" not in answer and 'href="https://example.org"' in answer
