"""The real Anki in tests: import a package as Anki desktop does, study, look inside.

Import with `Collection.import_anki_package` and the collection's own import presets
(merge_notetypes=False, update_notes=IF_NEWER, ...), exactly what the desktop
"Import" dialog starts from. Use the `collection` fixture (import it into a test module:
`from anki_helpers import collection`) or `fresh_collection(path)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.scheduler_pb2 import CardAnswer, QueuedCards


@dataclass(frozen=True)
class ImportLog:
    """Counts of Anki's import log (notes): `duplicate` = GUID matched and left unchanged."""

    new: int
    updated: int
    duplicate: int
    conflicting: int
    first_field_match: int
    missing_notetype: int
    missing_deck: int
    empty_first_field: int
    raw: object  # the ImportResponse.Log

    @classmethod
    def of(cls, log) -> "ImportLog":
        return cls(new=len(log.new), updated=len(log.updated), duplicate=len(log.duplicate),
                   conflicting=len(log.conflicting), first_field_match=len(log.first_field_match),
                   missing_notetype=len(log.missing_notetype), missing_deck=len(log.missing_deck),
                   empty_first_field=len(log.empty_first_field), raw=log)

    def ids(self, kind: str) -> set[int]:
        return {note.id.nid for note in getattr(self.raw, kind)}


def fresh_collection(path: Path) -> Collection:
    return Collection(str(path))


@pytest.fixture
def collection(tmp_path) -> Iterator[Collection]:
    col = fresh_collection(tmp_path / "collection.anki2")
    try:
        yield col
    finally:
        col.close()


def import_package(col: Collection, package: Path) -> ImportLog:
    options = col._backend.get_import_anki_package_presets()
    response = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
    col.models._clear_cache()  # the Python cache shows the old note type otherwise
    return ImportLog.of(response.log)


def deck_names(col: Collection) -> list[str]:
    """All deck names, as Anki sorts them."""
    return [deck.name for deck in col.decks.all_names_and_ids()]


def deck_id(col: Collection, name: str) -> int:
    did = col.decks.id_for_name(name)
    assert did, f"no deck {name!r}; decks: {deck_names(col)}"
    return did


@dataclass(frozen=True)
class NoteView:
    id: int
    guid: str
    mod: int
    fields: dict[str, str]
    tags: list[str]
    notetype: str
    decks: list[str]  # the decks of its cards


def notes(col: Collection, search: str = "") -> list[NoteView]:
    views = []
    for nid in col.find_notes(search):
        note = col.get_note(nid)
        decks = [col.decks.name(card.did) for card in note.cards()]
        views.append(NoteView(id=nid, guid=note.guid, mod=note.mod, fields=dict(note.items()),
                              tags=list(note.tags), notetype=note.note_type()["name"], decks=decks))
    return views


def notes_by_guid(col: Collection) -> dict[str, NoteView]:
    return {view.guid: view for view in notes(col)}


def unlimited_new_cards(col: Collection, deck: str) -> None:
    """Lift the new-cards-per-day limit of the deck's options (default 20)."""
    config = col.decks.config_dict_for_deck_id(deck_id(col, deck))
    config["new"]["perDay"] = 9999
    col.decks.update_config(config)


def new_queue(col: Collection, deck: str, limit: int = 200) -> list[dict[str, str]]:
    """Fields of the new cards the scheduler would show next when studying `deck`, in order."""
    unlimited_new_cards(col, deck)
    col.decks.select(deck_id(col, deck))
    queued = col.sched.get_queued_cards(fetch_limit=limit).cards
    return [dict(col.get_note(col.get_card(qc.card.id).nid).items()) for qc in queued if qc.queue == QueuedCards.NEW]


def study(col: Collection, deck: str, count: int, rating=CardAnswer.GOOD) -> list[int]:
    """Answer the next `count` cards of `deck`; returns the note ids studied, in order."""
    col.decks.select(deck_id(col, deck))
    studied = []
    for _ in range(count):
        queued = col.sched.get_queued_cards(fetch_limit=1).cards
        if not queued:
            break
        qc = queued[0]
        card = col.get_card(qc.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=qc.states, rating=rating))
        studied.append(card.nid)
    return studied


def review_history(col: Collection, note_id: int) -> list[tuple]:
    """The review log rows of a note's cards: (card id, ease, type), oldest first."""
    return col.db.all(
        "SELECT r.cid, r.ease, r.type FROM revlog r JOIN cards c ON c.id = r.cid WHERE c.nid = ? ORDER BY r.id",
        note_id)


def card_state(col: Collection, note_id: int) -> list[tuple]:
    """Scheduling state of a note's cards: (card id, deck, type, queue, due, ivl, reps)."""
    return col.db.all("SELECT id, did, type, queue, due, ivl, reps FROM cards WHERE nid = ? ORDER BY ord",
                      note_id)
