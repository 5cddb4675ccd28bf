"""The Anki deck, verified by importing it into a fresh collection with the real `anki` package."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path

import genanki
import pytest
from hypothesis import given, settings, strategies as st

from exporter import anki as deckwriter, render
from exporter.anki import write_deck
from exporter.errors import NotesError
from exporter.model import Card, CardKind, Document, Location, Topic
from exporter.pipeline import load
from exporter.style import stylesheet

from anki_helpers import (card_state, collection, deck_id, deck_names, fresh_collection,  # noqa: F401
                          import_package, new_queue, notes, notes_by_guid, review_history, study)

SAMPLE = Path(__file__).resolve().parent.parent / "source" / "BDS_M6_Exam_Notes.md"
ROOT = "BDS M6 Exam Notes"
TOPICS = ["Databases", "MLOps", "MLFlow", "SSH", "Docker", "Code Refactoring", "API"]
SUBDECKS = [f"{ROOT}::{i:02d} {topic}" for i, topic in enumerate(TOPICS, 1)]
LETTERED = ["31a", "31b", "32a", "35a", "36a", "37a"]
SAMPLE_NOTES = 51  # 47 questions + 4 notes cards (SQL, NoSQL, API intro, Fast API)


# --- helpers ---------------------------------------------------------------------------------

def package_notes(path: Path) -> dict[str, tuple[int, str]]:
    """guid -> (mod, flds) as written in the package."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("collection.anki2")
    db = sqlite3.connect(":memory:")
    db.deserialize(data)
    rows = {guid: (mod, flds) for guid, mod, flds in db.execute("SELECT guid, mod, flds FROM notes")}
    db.close()
    return rows


def package_models(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        data = archive.read("collection.anki2")
    db = sqlite3.connect(":memory:")
    db.deserialize(data)
    (models,) = db.execute("SELECT models FROM col").fetchone()
    db.close()
    return json.loads(models)


def hand_card(identity: str, question: str, answer_html: str, *, index: int = 0, topic: str = "Topic",
              number: str | None = None, line: int = 1, path: Path = Path("notes.md"), **kw) -> Card:
    return Card(identity=identity, topic=topic, question=question, answer="", index=index, number=number,
                location=Location(path, line), question_html=question, answer_html=answer_html, **kw)


def hand_document(cards: list[Card], path: Path = Path("notes.md"), title: str = "Hand Notes") -> Document:
    topics: dict[str, Topic] = {}
    for card in cards:
        topic = topics.setdefault(card.topic, Topic(card.topic, Location(path, 1), index=len(topics)))
        topic.cards.append(card)
    return Document(title=title, path=path, topics=list(topics.values()))


def by_number(col) -> dict[str, object]:
    return {view.fields["Number"]: view for view in notes(col) if view.fields["Number"]}


def copy_sample(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(SAMPLE, folder / SAMPLE.name))


# --- the sample, built and imported once -----------------------------------------------------

@pytest.fixture(scope="module")
def sample_doc():
    return load(SAMPLE)


@pytest.fixture(scope="module")
def imported(sample_doc, tmp_path_factory):
    """(result, first import log, collection) for the sample."""
    tmp = tmp_path_factory.mktemp("sample")
    result = write_deck(sample_doc, tmp / "out")
    col = fresh_collection(tmp / "collection.anki2")
    log = import_package(col, result.path)
    yield result, log, col
    col.close()


def test_sample_imports_without_error(imported):
    result, log, col = imported
    assert result.path.name == "BDS_M6_Exam_Notes.apkg"
    assert (result.note_count, result.new, result.media_count) == (SAMPLE_NOTES, SAMPLE_NOTES, 0)
    assert (log.new, log.updated, log.duplicate, log.conflicting) == (SAMPLE_NOTES, 0, 0, 0)
    assert (log.first_field_match, log.missing_notetype, log.missing_deck, log.empty_first_field) == (0, 0, 0, 0)
    assert col.note_count() == SAMPLE_NOTES and col.card_count() == SAMPLE_NOTES


def test_sample_root_deck_with_topic_subdecks_in_document_order(imported):
    result, _, col = imported
    assert list(result.subdecks) == SUBDECKS
    # "Default" is the fresh collection's own deck (id 1), not one of ours: it stays empty
    assert deck_names(col) == [ROOT, *SUBDECKS, "Default"]
    assert col.decks.card_count(1, include_subdecks=False) == 0
    per_deck = Counter(deck for view in notes(col) for deck in view.decks)
    assert list(per_deck) == SUBDECKS and sum(per_deck.values()) == SAMPLE_NOTES


def test_sample_every_numbered_question_once(imported):
    _, _, col = imported
    numbers = Counter(view.fields["Number"] for view in notes(col) if view.fields["Number"])
    assert all(count == 1 for count in numbers.values()), numbers
    assert set(numbers) == {str(n) for n in range(1, 39)} | set(LETTERED)
    assert len({view.guid for view in notes(col)}) == SAMPLE_NOTES


def test_sample_new_queue_of_root_deck_in_document_order(imported, sample_doc):
    _, _, col = imported
    queue = new_queue(col, ROOT)
    shown = [fields["Number"] or fields["Question"] for fields in queue]
    assert shown[:4] == ["1", "8", "SQL", "What is a relational database"]
    assert shown == [card.number or card.question for card in sample_doc.cards]
    # the order is Anki's new-card position, kept on import: each card's due is its document index
    index = {genanki.guid_for(card.identity): card.index for card in sample_doc.cards}
    dues = {view.guid: [col.get_card(cid).due for cid in col.card_ids_of_note(view.id)] for view in notes(col)}
    assert dues == {guid: [position] for guid, position in index.items()}


def test_sample_dockerfile_highlighted_and_lists_nested(imported):
    _, _, col = imported
    numbered = by_number(col)
    dockerfile = numbered["25"].fields["Answer"]
    assert '<div class="highlight">' in dockerfile and 'class="language-dockerfile"' in dockerfile
    assert '<span class="k">FROM</span>' in dockerfile
    assert re.search(r"<li>Relational databases:<ul>\s*<li>", numbered["1"].fields["Answer"])


def test_sample_tags_and_notes_cards(imported):
    _, _, col = imported
    views = notes(col)
    tags = {view.fields["Number"] or view.fields["Question"]: view.tags for view in views}
    assert tags["1"] == ["Databases"]
    assert tags["2"] == ["Databases::SQL"]
    assert tags["11"] == ["Databases::Big_Data"]
    assert tags["31a"] == ["Code_Refactoring"]
    assert sorted(tags["Fast API"]) == ["API::Fast_API", "section-notes"]
    notes_cards = [view for view in views if "section-notes" in view.tags]
    assert sorted(view.fields["Question"] for view in notes_cards) == ["API", "Fast API", "NoSQL", "SQL"]
    assert all(view.fields["Kind"] == "notes" and not view.fields["Number"] for view in notes_cards)


def test_sample_cards_render_in_anki(imported):
    _, _, col = imported
    numbered = by_number(col)
    card = col.get_note(numbered["31a"].id).cards()[0]
    output = card.render_output()
    front, back = output.question_text, output.answer_text
    assert '<span class="ne-number">31a</span>' in front
    assert "Code Refactoring › How would you define Code Refactoring (CF)?" in front
    assert "How does CF influence the external behavior of the code?" in front
    assert 'id="answer"' in back and numbered["31a"].fields["Answer"] in back
    assert "BDS_M6_Exam_Notes.md" in back
    # a notes card: no number, the kind class for its badge, no context line repeating its title
    sql = next(view for view in notes(col) if view.fields["Question"] == "SQL")
    front = col.get_note(sql.id).cards()[0].render_output().question_text
    assert "ne-kind-notes" in front and "ne-number" not in front
    assert '<div class="ne-context">Databases</div>' in front


def test_sample_note_type_css_is_the_shared_stylesheet(imported, sample_doc):
    _, _, col = imported
    notetype = col.models.get(deckwriter.MODEL_ID)
    assert notetype["css"] == stylesheet("deck")
    assert ".nightMode .highlight" in notetype["css"] and ".night_mode .highlight" in notetype["css"]
    assert "@media (max-width" in notetype["css"]
    # the PDF is styled by the same content rules and the same code colours
    from exporter.pdf import chunk_html, geometry, plan_chunks
    from exporter.style import pygments_css, template_text

    page = chunk_html(sample_doc, geometry("a4", True, 3, SAMPLE), stylesheet("pdf"), plan_chunks(sample_doc)[0],
                      first=True)
    for shared in (template_text("content.css"), pygments_css()):
        assert shared in notetype["css"] and shared in page


def test_rebuild_without_changes_keeps_every_mod(imported, sample_doc):
    result, _, col = imported
    before = package_notes(result.path)
    again = write_deck(sample_doc, result.path.parent)
    assert (again.new, again.changed, again.unchanged, again.removed) == (0, 0, SAMPLE_NOTES, 0)
    assert package_notes(again.path) == before
    log = import_package(col, again.path)
    assert (log.new, log.updated, log.duplicate) == (0, 0, SAMPLE_NOTES)


# --- the note type is a compatibility contract -------------------------------------------------

FROZEN_MODEL_ID = 1_733_050_417
FROZEN_FIELDS = ["Question", "Answer", "Context", "Number", "Kind", "Source"]
FROZEN_TEMPLATES = ["Card"]


def test_note_type_schema_is_frozen(imported):
    """Changing any of this makes Anki create a "… +" note type and stop updating existing notes.

    If this fails, do not update the expectations: restore the schema.
    """
    result, _, col = imported
    assert deckwriter.MODEL_ID == FROZEN_MODEL_ID
    assert list(deckwriter.FIELDS) == FROZEN_FIELDS
    written = package_models(result.path)
    assert list(written) == [str(FROZEN_MODEL_ID)]
    model = written[str(FROZEN_MODEL_ID)]
    assert [f["name"] for f in model["flds"]] == FROZEN_FIELDS
    assert [t["name"] for t in model["tmpls"]] == FROZEN_TEMPLATES
    assert model["sortf"] == 0 and model["type"] == 0
    in_anki = col.models.get(FROZEN_MODEL_ID)
    assert [f["name"] for f in in_anki["flds"]] == FROZEN_FIELDS
    assert [t["name"] for t in in_anki["tmpls"]] == FROZEN_TEMPLATES
    assert [m.name for m in col.models.all_names_and_ids()].count(deckwriter.MODEL_NAME) == 1
    assert not any(m.name.startswith(deckwriter.MODEL_NAME + "+") for m in col.models.all_names_and_ids())


# --- updates ----------------------------------------------------------------------------------

EDITED_LINE = "- Edited in the source: a primary key is never NULL."
ADDED_QUESTION = "\n\n## 39. What did we add after the first import?\n\nA brand-new question.\n"


def test_edit_round_trip_keeps_history(tmp_path):
    source = copy_sample(tmp_path / "src")
    out = tmp_path / "out"
    first = write_deck(load(source), out)
    col = fresh_collection(tmp_path / "collection.anki2")
    import_package(col, first.path)
    studied = study(col, ROOT, 5)
    numbered = by_number(col)
    assert studied[:2] == [numbered["1"].id, numbered["8"].id] and numbered["2"].id in studied
    history = {nid: review_history(col, nid) for nid in studied}
    states = {nid: card_state(col, nid) for nid in studied}
    assert all(history.values())

    text = source.read_text(encoding="utf-8")
    anchor = "### 3. What is a foreign key in a relational database?"
    source.write_text(text.replace(anchor, f"{EDITED_LINE}\n\n{anchor}", 1) + ADDED_QUESTION, encoding="utf-8")
    second = write_deck(load(source), out)
    assert (second.new, second.changed, second.unchanged, second.removed) == (1, 1, SAMPLE_NOTES - 1, 0)
    assert second.stamp > first.stamp

    log = import_package(col, second.path)
    assert (log.new, log.updated, log.duplicate, log.conflicting) == (1, 1, SAMPLE_NOTES - 1, 0)
    assert log.ids("updated") == {numbered["2"].id}
    after = notes(col)
    assert len(after) == SAMPLE_NOTES + 1 and len({view.guid for view in after}) == SAMPLE_NOTES + 1
    shown = Counter((view.fields["Context"], view.fields["Number"], view.fields["Question"]) for view in after)
    assert max(shown.values()) == 1  # no card twice (35a and 36a share a question text, not a context)
    numbered_after = by_number(col)
    assert "never NULL" in numbered_after["2"].fields["Answer"]
    assert numbered_after["2"].id == numbered["2"].id
    assert numbered_after["39"].decks == [SUBDECKS[-1]]
    assert {nid: review_history(col, nid) for nid in studied} == history
    assert {nid: card_state(col, nid) for nid in studied} == states
    col.close()


def test_two_builds_in_one_second_still_deliver_the_change(tmp_path, monkeypatch):
    monkeypatch.setattr(deckwriter.time, "time", lambda: 1_800_000_000.25)
    cards = [hand_card(f"id{i}", f"Question {i}?", f"<p>answer {i}</p>", index=i, number=str(i + 1))
             for i in range(3)]
    document = hand_document(cards)
    first = write_deck(document, tmp_path / "out")
    col = fresh_collection(tmp_path / "collection.anki2")
    assert import_package(col, first.path).new == 3

    cards[1].answer_html = "<p>answer 1, corrected</p>"
    second = write_deck(document, tmp_path / "out")  # the clock has not moved
    assert (second.changed, second.unchanged, second.stamp) == (1, 2, first.stamp + 1)
    log = import_package(col, second.path)
    assert (log.updated, log.duplicate) == (1, 2)
    assert by_number(col)["2"].fields["Answer"] == "<p>answer 1, corrected</p>"

    monkeypatch.setattr(deckwriter.time, "time", lambda: 1_799_999_000.0)  # clock set back
    cards[2].answer_html = "<p>answer 2, corrected</p>"
    third = write_deck(document, tmp_path / "out")
    assert third.stamp == second.stamp + 1
    log = import_package(col, third.path)
    assert (log.updated, log.duplicate) == (1, 2)
    assert by_number(col)["3"].fields["Answer"] == "<p>answer 2, corrected</p>"
    col.close()


def test_unchanged_note_keeps_edits_made_in_anki(tmp_path):
    cards = [hand_card(f"id{i}", f"Question {i}?", f"<p>answer {i}</p>", index=i, number=str(i + 1))
             for i in range(2)]
    document = hand_document(cards)
    first = write_deck(document, tmp_path / "out")
    col = fresh_collection(tmp_path / "collection.anki2")
    import_package(col, first.path)
    note = col.get_note(by_number(col)["1"].id)
    note["Answer"] = "<p>my own wording</p>"
    col.update_note(note)
    cards[1].answer_html = "<p>answer 1, corrected</p>"
    log = import_package(col, write_deck(document, tmp_path / "out").path)
    assert (log.updated, log.duplicate) == (1, 1)
    assert by_number(col)["1"].fields["Answer"] == "<p>my own wording</p>"
    col.close()


NOTES_WITH_ID = """# Greek

## 1. What is alpha? {#alpha}

The first letter.

## 2. What is beta?

The second letter.
"""


def test_rewording_a_question_with_an_explicit_id_keeps_the_note(tmp_path):
    source = tmp_path / "src" / "letters.md"
    source.parent.mkdir()
    source.write_text(NOTES_WITH_ID, encoding="utf-8")
    first = write_deck(load(source), tmp_path / "out")
    col = fresh_collection(tmp_path / "collection.anki2")
    import_package(col, first.path)
    studied = study(col, first.deck_name, 2)
    alpha = by_number(col)["1"]
    assert alpha.id in studied
    history, state = review_history(col, alpha.id), card_state(col, alpha.id)

    source.write_text(NOTES_WITH_ID.replace("What is alpha?", "Which letter comes first?"), encoding="utf-8")
    second = write_deck(load(source), tmp_path / "out")
    assert (second.new, second.changed, second.unchanged) == (0, 1, 1)
    log = import_package(col, second.path)
    assert (log.new, log.updated, log.duplicate) == (0, 1, 1)
    reworded = by_number(col)["1"]
    assert reworded.id == alpha.id and reworded.fields["Question"] == "Which letter comes first?"
    assert review_history(col, alpha.id) == history and card_state(col, alpha.id) == state
    assert col.note_count() == 2
    col.close()


def test_removed_question_is_counted_and_stays_in_anki(tmp_path):
    cards = [hand_card(f"id{i}", f"Question {i}?", f"<p>answer {i}</p>", index=i) for i in range(3)]
    first = write_deck(hand_document(cards), tmp_path / "out")
    document = hand_document(cards[:2])
    second = write_deck(document, tmp_path / "out")
    assert (first.note_count, second.note_count, second.removed, second.unchanged) == (3, 2, 1, 2)
    assert [str(d) for d in document.notes] == [
        "notes.md:1: 1 note is no longer in the notes: Question 2? — Anki keeps them and their review history; "
        "delete them in Anki's browser if you no longer want them"]


MOVING = """# Intro

## 1. What comes first?

Intro.

# Alpha

## 2. What is alpha? {#alpha}

The first letter.

## 3. What is beta?

The second letter.
"""

# a topic added above renumbers the subdecks; the question with an id moves to the first topic
MOVED = """# Basics

## 0. Why start here?

Because.

# Intro

## 1. What comes first?

Intro.

## 2. What is alpha? {#alpha}

The first letter.

# Alpha

## 3. What is beta?

The second letter.
"""


def test_renamed_subdeck_and_moved_question_are_noted(tmp_path, collection):
    source = tmp_path / "src" / "moving.md"
    source.parent.mkdir()
    source.write_text(MOVING, encoding="utf-8")
    import_package(collection, write_deck(load(source), tmp_path / "out").path)
    source.write_text(MOVED, encoding="utf-8")
    document = load(source)
    second = write_deck(document, tmp_path / "out")
    assert [(d.location.line, d.message) for d in document.notes] == [
        (7, "subdeck 'moving::01 Intro' is now 'moving::02 Intro': Anki keeps the cards it has in the old deck "
            "and puts new ones in the new"),
        (13, "question 'What is alpha?' moved from 'moving::02 Alpha' to 'moving::02 Intro': "
             "Anki keeps its card in the old deck"),
        (17, "subdeck 'moving::02 Alpha' is now 'moving::03 Alpha': Anki keeps the cards it has in the old deck "
             "and puts new ones in the new"),
    ]
    assert not document.warnings  # notes never fail a build, not even with --strict

    # doing what the notes say keeps every topic in one deck
    for old, new in (("moving::02 Alpha", "moving::03 Alpha"), ("moving::01 Intro", "moving::02 Intro")):
        collection.decks.rename(deck_id(collection, old), new)
    import_package(collection, second.path)
    alpha = next(view for view in notes(collection) if view.fields["Question"] == "What is alpha?")
    collection.set_deck(collection.card_ids_of_note(alpha.id), deck_id(collection, "moving::02 Intro"))
    decks = {view.fields["Question"]: view.decks for view in notes(collection)}
    assert decks == {"Why start here?": ["moving::01 Basics"], "What comes first?": ["moving::02 Intro"],
                     "What is alpha?": ["moving::02 Intro"], "What is beta?": ["moving::03 Alpha"]}
    assert deck_names(collection) == ["Default", "moving", "moving::01 Basics", "moving::02 Intro", "moving::03 Alpha"]


# --- identity, decks, media, safety -------------------------------------------------------------

def test_two_cards_with_one_identity_raise_and_write_nothing(tmp_path):
    cards = [hand_card("same", "Question A?", "<p>a</p>", line=3),
             hand_card("same", "Question B?", "<p>b</p>", line=9, index=1)]
    with pytest.raises(NotesError) as caught:
        write_deck(hand_document(cards), tmp_path / "out")
    message = str(caught.value)
    assert "notes.md:9" in message and "notes.md:3" in message
    assert not (tmp_path / "out" / "notes.apkg").exists()


def test_order_prefix_off_and_deck_name(tmp_path, collection):
    cards = [hand_card("a", "A?", "<p>a</p>", topic="Zeta"), hand_card("b", "B?", "<p>b</p>", topic="Alpha beta", index=1)]
    result = write_deck(hand_document(cards), tmp_path / "out", order_prefix=False, deck_name="Uni::Course 1")
    assert result.subdecks == ("Uni::Course 1::Zeta", "Uni::Course 1::Alpha beta")
    import_package(collection, result.path)
    assert deck_names(collection) == ["Default", "Uni", "Uni::Course 1", "Uni::Course 1::Alpha beta",
                                      "Uni::Course 1::Zeta"]
    assert deckwriter.deck_id("Uni::Course 1::Zeta") != 1  # Anki's own Default deck


def test_deck_ids_are_fixed_by_name():
    # part of the contract with users' collections, like the note type: never change these
    assert deckwriter.deck_id(ROOT) == 3238512072602065
    assert deckwriter.deck_id(SUBDECKS[0]) == 2068470799571530


def test_genanki_default_deck_is_not_imported(tmp_path, collection):
    default = collection.decks.get(1)
    default["name"] = "Inbox"
    collection.decks.save(default)
    result = write_deck(hand_document([hand_card("a", "A?", "<p>a</p>")]), tmp_path / "out")
    import_package(collection, result.path)
    assert deck_names(collection) == ["Hand Notes", "Hand Notes::01 Topic", "Inbox"]


IMAGE_NOTES = """# Pictures

## 1. What does the diagram show?

![local](diagram.png) and ![remote](https://example.com/remote.png) and ![outside](../secret.png)
"""


def test_local_images_packed_remote_kept(tmp_path, collection):
    source = tmp_path / "src" / "pictures.md"
    source.parent.mkdir()
    source.write_text(IMAGE_NOTES, encoding="utf-8")
    png = b"\x89PNG\r\n\x1a\n" + b"fake image data"
    (source.parent / "diagram.png").write_bytes(png)
    (tmp_path / "secret.png").write_bytes(png + b"secret")
    document = load(source)
    assert any("outside" in d.message and str(d.location).endswith("pictures.md:5") for d in document.warnings)
    result = write_deck(document, tmp_path / "out")
    assert result.media_count == 1
    with zipfile.ZipFile(result.path) as archive:
        media = json.loads(archive.read("media"))
        assert len(media) == 1 and media["0"].startswith("notes-") and archive.read("0") == png
    import_package(collection, result.path)
    answer = notes(collection)[0].fields["Answer"]
    assert f'src="{media["0"]}"' in answer and 'src="https://example.com/remote.png"' in answer
    assert "secret" not in answer and "../" not in answer
    assert (Path(collection.media.dir()) / media["0"]).read_bytes() == png


HOSTILE = ('<p>ok</p><script>alert(1)</script><style>body{display:none}</style>'
           '<iframe src="https://evil.example"></iframe><img src="x.png" onerror="alert(2)">'
           '<a href="javascript:alert(3)">js</a><a href="file:///etc/passwd">file</a>'
           '<img src="file:///etc/passwd"><div onclick="alert(4)" style="position:fixed">x</div>')


def test_fields_cannot_carry_scripts(tmp_path, collection, sample_doc):
    card = hand_card("evil", 'Q<script>alert("q")</script>?', HOSTILE)
    result = write_deck(hand_document([card]), tmp_path / "out")
    import_package(collection, result.path)
    fields = notes(collection)[0].fields
    for value in fields.values():
        lowered = value.lower()
        for bad in ("<script", "<style", "<iframe", "onerror", "onclick", "javascript:", "file:", "position:fixed"):
            assert bad not in lowered, (bad, value)
    assert "<p>ok</p>" in fields["Answer"]
    # the renderer's output passes through unchanged: one policy, applied twice
    assert all(deckwriter.sanitize(c.answer_html) == c.answer_html for c in sample_doc.cards)


HOSTILE_PARTS = ['<script>alert(1)</script>', '<style>p{}</style>', '<iframe src="https://e.x"></iframe>',
                 '<img src="x.png" onerror="alert(2)">', '<a href="javascript:alert(3)">js</a>',
                 '<a href="java\tscript:alert(3)" rel="noopener noreferrer">js</a>', '<a href="file:///etc/passwd">f</a>',
                 '<img src="file:///etc/passwd">', '<div style="position:fixed">x</div>', '<!-- c -->',
                 '<a href="javascript&#58;alert(5)" rel="noopener noreferrer">e</a>', '<div onclick="alert(4)">x</div>']
SAFE_PARTS = ['<p>', '</p>', '<div class="highlight">', '</div>', '<span class="k">', '</span>', 'text &amp; more',
              '<a href="https://x.y/a:b" rel="noopener noreferrer">', '</a>', '<img alt="a" src="notes-1.png">',
              '<td style="text-align: left;">', '</td>', '<br>', '\n', '&lt;', '"', "'"]
BAD = ("<script", "<style", "<iframe", "onerror", "onclick", "javascript", "java\t", "file:", "position:fixed", "<!--")


def test_rendered_fields_take_the_cheap_check_not_nh3(sample_doc):
    """The deck's defensive pass proves the renderer's output clean without running nh3 again."""
    fields = [f for card in sample_doc.cards for f in (card.question_html, card.answer_html) if f]
    assert all(deckwriter._SANITIZED.fullmatch(f) and render.nesting(f) is not None for f in fields)
    for part in HOSTILE_PARTS:
        assert not deckwriter._SANITIZED.fullmatch(f"<p>ok</p>{part}"), part


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE_PARTS + SAFE_PARTS), min_size=1, max_size=8))
def test_sanitize_never_lets_markup_through(parts):
    cleaned = deckwriter.sanitize("".join(parts)).lower()
    assert not any(bad in cleaned for bad in BAD), cleaned


def test_failed_write_leaves_previous_package(tmp_path, monkeypatch):
    document = hand_document([hand_card("a", "A?", "<p>a</p>")])
    result = write_deck(document, tmp_path / "out")
    before = result.path.read_bytes()
    document.cards[0].answer_html = "<p>changed</p>"

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(NotesError):
        write_deck(document, tmp_path / "out")
    monkeypatch.undo()
    assert result.path.read_bytes() == before
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.apkg"]


def test_unreadable_previous_package_is_a_warning(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.apkg").write_bytes(b"not a zip")
    result = write_deck(hand_document([hand_card("a", "A?", "<p>a</p>")]), out)
    assert not result.previous_read and result.new == 1
    assert len(result.warnings) == 1 and "previous package" in result.warnings[0].message
    assert zipfile.is_zipfile(result.path)


WEIRD = ["C++ / C#", "Big  Data", "A::B", '"Quoted" topic', "Ünïcode ☃", "  padded  ", "tab\there", "中文\u3000空格"]


def test_odd_titles_make_safe_tags_and_flat_subdecks(tmp_path, collection):
    cards = [hand_card(f"w{i}", f"Q{i}?", "<p>a</p>", topic=title, index=i, sections=(f"{title} sec",))
             for i, title in enumerate(WEIRD)]
    result = write_deck(hand_document(cards), tmp_path / "out")
    assert result.subdecks[2] == "Hand Notes::03 A:B"  # a topic's "::" must not nest decks
    import_package(collection, result.path)
    assert deck_names(collection) == ["Default", "Hand Notes", *result.subdecks]
    by_question = {view.fields["Question"]: view.tags for view in notes(collection)}
    for card in cards:
        assert by_question[card.question] == deckwriter.note_tags(card)  # Anki keeps them as written
    assert by_question["Q1?"] == ["Big_Data::Big_Data_sec"]
    assert by_question["Q7?"] == ["中文_空格::中文_空格_sec"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=4), st.sampled_from(list(CardKind)))
def test_tags_are_always_valid_anki_tags(parts, kind):
    card = hand_card("x", "Q?", "", topic=parts[0], sections=tuple(parts[1:]), kind=kind)
    tags = deckwriter.note_tags(card)
    for tag in tags:
        assert tag and not re.search(r'[\s"]', tag)
        assert all(tag.split("::")), tag
    assert (deckwriter.NOTES_TAG in tags) == (kind is CardKind.NOTES)


def test_changed_stylesheet_updates_the_note_type_in_place(tmp_path, collection, monkeypatch):
    def model_mod(path):
        return package_models(path)[str(FROZEN_MODEL_ID)]["mod"]

    document = hand_document([hand_card("a", "A?", "<p>a</p>")])
    first_mod = model_mod(write_deck(document, tmp_path / "out").path)
    import_package(collection, tmp_path / "out" / "notes.apkg")
    assert model_mod(write_deck(document, tmp_path / "out").path) == first_mod  # unchanged: kept

    css = stylesheet("deck") + "\n/* next release */\n"
    monkeypatch.setattr(deckwriter, "stylesheet", lambda target: css)
    second = write_deck(document, tmp_path / "out")
    assert (second.changed, second.unchanged) == (0, 1)
    assert model_mod(second.path) > first_mod
    log = import_package(collection, second.path)
    assert (log.new, log.updated, log.duplicate) == (0, 0, 1)
    assert collection.models.get(FROZEN_MODEL_ID)["css"] == css
    assert [m.name for m in collection.models.all_names_and_ids()].count(deckwriter.MODEL_NAME) == 1
    assert not any(m.name.startswith(deckwriter.MODEL_NAME + "+") for m in collection.models.all_names_and_ids())
