"""Rendering answers: lists, code, tables, images, sanitizing."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

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


def _stock_and_quick():
    """The renderer's Markdown, and the same with Python-Markdown's own inline pass back in."""
    from markdown.treeprocessors import InlineProcessor

    from exporter.render import new_markdown

    quick, stock = new_markdown(), new_markdown()
    stock.treeprocessors.register(InlineProcessor(stock), "inline", 20)
    assert quick.treeprocessors["inline"].trigger is not None  # the shortcut is on

    def render(md, text):
        md.reset()
        return md.convert(normalise_lists(text))

    return lambda text: (render(stock, text), render(quick, text))


def test_quick_inline_pass_renders_the_sample_like_python_markdown(sample):
    both = _stock_and_quick()
    for card in sample.cards:
        stock, quick = both(card.answer)
        assert quick == stock, card.question


INLINE_PIECES = ["plain words", "*em*", "**strong**", "_u_", "__uu__", "`code`", "\\*", "[link](http://x.org)",
                 "[ref][r]", "![img](a.png)", "<b>b</b>", "<http://auto.link>", "<me@mail.org>", "&amp;", "&copy;",
                 "  \n", "\n", "\n\n", "- item", "    - nested", "1. one", "> quote", "| a | b |", "|---|---|",
                 "```\ncode\n```", "a*b", "snake_case_name", "[r]: http://ref.org", "<", "&", "*", "_", "`"]


@given(st.lists(st.sampled_from(INLINE_PIECES), max_size=12).map(" ".join))
@settings(max_examples=300, deadline=None)
def test_quick_inline_pass_renders_any_text_like_python_markdown(text):
    stock, quick = _QUICK_CHECK(text)
    assert quick == stock


_QUICK_CHECK = _stock_and_quick()


def test_angle_brackets_that_are_not_html_stay_text(tmp_path):
    notes = write_notes(tmp_path, "# T\n\n## What is List<String> in Java?\n\n"
                        "A Map<K, V> maps keys; run `docker run <image>` or docker run <image_name>.\n\n"
                        "<b>bold</b> stays markup, <script>alert(1)</script> does not.\n")
    card = load(notes).cards[0]
    assert card.question_html == "What is List&lt;String&gt; in Java?"
    assert "Map&lt;K, V&gt; maps" in card.answer_html
    assert "<code>docker run &lt;image&gt;</code>" in card.answer_html
    assert "docker run &lt;image_name&gt;." in card.answer_html
    assert "<b>bold</b>" in card.answer_html and "<script" not in card.answer_html and "alert" not in card.answer_html


def test_math_keeps_its_backslashes_for_mathjax(tmp_path):
    notes = write_notes(tmp_path, "# T\n\n## What is \\(e^{i\\pi}\\)?\n\n"
                        "Euler: \\(e^{i\\pi} + 1 = 0\\), and a display\n\\[\\sum_{k=1}^n a_k * b_k\\]\n")
    card = load(notes).cards[0]
    assert card.question_html == "What is \\(e^{i\\pi}\\)?"
    assert "\\(e^{i\\pi} + 1 = 0\\)" in card.answer_html
    assert "\\[\\sum_{k=1}^n a_k * b_k\\]" in card.answer_html  # no <em> from the * or _


def test_image_warning_names_the_line_that_links_it(tmp_path):
    notes = write_notes(tmp_path, "# T\n\n## What is ![x](x.png)?\n\nFor example:\n\n"
                        "an example line\n\n![diagram](x.png)\n")
    lines = sorted(d.location.line for d in load(notes).warnings if "not found" in d.message)
    assert lines == [3, 9]  # the heading, then the answer line with the link (not "example")


def test_hash_comment_above_json_is_a_comment(sample):
    card = next(c for c in sample.cards if c.number == "37a")
    comment = re.search(r'<span class="([^"]+)"># Example of request body</span>', card.answer_html)
    assert comment and comment[1] == "c1"  # one comment token, not error and keyword runs
    assert re.search(r'<span class="nt">(&quot;|")name(&quot;|")</span>', card.answer_html)
