"""Structure rules, on the real sample and on small notes."""



from exporter.model import CardKind
from exporter.pipeline import load
from exporter.readers import read

from conftest import write_notes


def questions(document):
    return [card for card in document.cards if card.kind is CardKind.QUESTION]


def test_sample_topics_in_order(sample):
    assert [topic.title for topic in sample.topics] == [
        "Databases", "MLOps", "MLFlow", "SSH", "Docker", "Code Refactoring", "API"]


def test_sample_title_from_file_stem(sample):
    assert sample.title == "BDS M6 Exam Notes"


def test_sample_has_each_numbered_question_once(sample):
    numbers = [card.number for card in questions(sample) if card.number and card.number.isdigit()]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 39)]


def test_sample_lettered_sub_questions_keep_their_parent(sample):
    lettered = {card.number: card for card in questions(sample) if card.number and not card.number.isdigit()}
    assert sorted(lettered) == ["31a", "31b", "32a", "35a", "36a", "37a"]
    assert lettered["35a"].question == lettered["36a"].question
    assert lettered["35a"].identity != lettered["36a"].identity
    assert lettered["35a"].parent == "What types of API do we know based on their availability?"
    assert lettered["36a"].parent == "What are the types based on their protocol?"
    assert lettered["36a"].context == ("API", "What are the types based on their protocol?")


def test_sample_unnumbered_questions(sample):
    unnumbered = [card.question for card in questions(sample) if card.number is None]
    assert unnumbered == [
        "What is a relational database",
        "Can you give me some examples of NoSQL syntax (statements) and their applications?",
        "What is Polars used for?",
    ]
    assert len(questions(sample)) == 47


def test_sample_section_content_becomes_notes_cards(sample):
    notes = [(card.topic, card.question) for card in sample.cards if card.kind is CardKind.NOTES]
    assert notes == [("Databases", "SQL"), ("Databases", "NoSQL"), ("API", "API"), ("API", "Fast API")]
    fast_api = next(card for card in sample.cards if card.question == "Fast API")
    assert "Send request and hope for response 200" in fast_api.answer


def test_sample_sections_tag_their_questions(sample):
    by_number = {card.number: card for card in sample.cards if card.number}
    assert by_number["2"].sections == ("SQL",)
    assert by_number["7"].sections == ("NoSQL",)
    assert by_number["11"].sections == ("Big Data",)
    assert by_number["1"].sections == ()
    assert by_number["14"].sections == ()


def test_sample_unanswered_question_is_reported_not_carded(sample):
    polars = "Can you provide an example of a use case where Polars might be preferred?"
    assert polars not in [card.question for card in sample.cards]
    [warning] = sample.warnings
    assert warning.location.line == 300
    assert polars in warning.message


def test_sample_code_comments_are_never_headings(sample):
    titles = {topic.title for topic in sample.topics}
    seen = titles | {s for card in sample.cards for s in card.sections} | {c.question for c in sample.cards}
    for comment in ("Set the base image", "Basic syntax", "Example of URL", "Run the application"):
        assert comment not in seen
    dockerfile = next(card for card in sample.cards if card.number == "25")
    assert "# Set the base image" in dockerfile.answer


def test_sample_preamble_is_not_a_card(sample):
    assert "colab-badge" in sample.preamble
    assert all("colab-badge" not in card.answer for card in sample.cards)


def test_card_keeps_source_line_and_document_order(sample):
    first = sample.cards[0]
    assert (first.number, first.location.line, first.index) == ("1", 5, 0)
    assert [card.index for card in sample.cards] == list(range(len(sample.cards)))


def test_heading_kinds(tmp_path):
    notes = write_notes(tmp_path, "\n".join([
        "# Topic",
        "## Overview", "intro text",
        "### 3) Numbered with paren", "a",
        "### Explain the thing", "b",
        "### Is this a question", "c",
        "### Ends with a mark?", "d",
        "### b. lettered", "e",
        "## Plain Section", "",
        "### Whatever", "f",
    ]))
    document = read(notes)
    summary = [(c.kind.value, c.number, c.question, c.sections) for c in document.cards]
    assert summary == [
        ("notes", None, "Overview", ("Overview",)),
        ("question", "3", "Numbered with paren", ("Overview",)),
        ("question", None, "Explain the thing", ("Overview",)),
        ("question", None, "Is this a question", ("Overview",)),
        ("question", None, "Ends with a mark?", ("Overview",)),
        ("question", "b", "lettered", ("Overview",)),
        ("notes", None, "Whatever", ("Plain Section", "Whatever")),
    ]
    lettered = document.cards[5]
    assert lettered.parent == "Ends with a mark?"


def test_section_scope_ends_at_a_heading_of_its_level(tmp_path):
    document = read(write_notes(tmp_path, "# T\n## Part\n### 1. In part?\nx\n## 2. Outside?\ny\n"))
    assert [c.sections for c in document.cards] == [("Part",), ()]


def test_headings_before_first_topic_get_a_topic_named_after_the_document(tmp_path):
    document = read(write_notes(tmp_path, "Intro text.\n\n## What is X?\nAn x.\n", name="my-notes.md"))
    assert [t.title for t in document.topics] == ["my notes"]
    assert document.preamble == "Intro text."


def test_front_matter_title(tmp_path):
    document = read(write_notes(tmp_path, "---\ntitle: \"Biology 101\"\n---\n# Cells\n## What is a cell?\nA unit.\n"))
    assert document.title == "Biology 101"
    assert document.cards[0].location.line == 5


def test_bom_and_crlf_are_accepted(tmp_path):
    text = "# Topic\r\n\r\n## 1. What is it?\r\n\r\n- a\r\n - b\r\n"
    path = tmp_path / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    document = load(path)
    [card] = document.cards
    assert card.question == "What is it?" and card.number == "1"
    assert "\r" not in card.answer
    assert card.answer_html.count("<li>") == 2


def test_identity_survives_answer_edit_renumbering_and_moving(tmp_path):
    before = read(write_notes(tmp_path, "# T\n## 1. What is A?\nold\n## 2. What is B?\nb\n"))
    after = read(write_notes(tmp_path, "# T\n## Intro\ntext\n## 7. What is B?\nb\n## 9. What  is a?\nnew answer\n"))
    ids_before = {c.question.lower(): c.identity for c in before.cards}
    ids_after = {c.question.lower(): c.identity for c in after.cards if c.kind is CardKind.QUESTION}
    assert ids_before["what is b?"] == ids_after["what is b?"]
    assert ids_before["what is a?"] == ids_after["what  is a?"]


def test_explicit_id_overrides_identity(tmp_path):
    first = read(write_notes(tmp_path, "# T\n## 1. What is A? {#alpha}\nx\n"))
    reworded = read(write_notes(tmp_path, "# T\n## 1. Describe A in detail {#alpha}\nx\n"))
    assert first.cards[0].identity == reworded.cards[0].identity
    assert first.cards[0].question == "What is A?"
    assert first.cards[0].explicit_id == "alpha"


def test_same_question_twice_is_an_error_naming_both_places(tmp_path):
    document = read(write_notes(tmp_path, "# T\n## 1. What is A?\nx\n## 2. What is A?\ny\n"))
    [error] = document.errors
    assert error.location.line == 4
    assert "notes.md:2" in error.message and "explicit id" in error.hint
    assert len(document.cards) == 1


def test_duplicate_explicit_ids_are_an_error(tmp_path):
    document = read(write_notes(tmp_path, "# T\n## What is A? {#x}\nx\n# U\n## What is B? {#x}\ny\n"))
    assert len(document.errors) == 1


def test_sub_question_without_parent_is_still_a_card(tmp_path):
    document = read(write_notes(tmp_path, "# T\n## a. What is it?\nx\n"))
    assert [(c.number, c.parent) for c in document.cards] == [("a", None)]
