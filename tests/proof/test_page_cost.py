"""Found by the HTTP load benchmark (benchmarks/http_load.py): every page's navigation counts
the reader's inbox, and the training part of it computed the training standing of every
cleared person in the body to pick out the reader's own row (about 4 s a page with 10,000
people). It now computes that one row; these pin that it is the same row and that it no
longer reads the others."""

from __future__ import annotations

from baomi.training import selectors
from baomi.training.selectors import standing_of, standings
from tests.factories import make_person, make_unit


def _people(n: int):
    unit = make_unit("规划科", "planning")
    return [make_person(f"p{i:03d}", unit=unit, clearance="IMPORTANT" if i % 2 else "GENERAL") for i in range(n)]


def test_one_persons_standing_is_their_row_of_the_whole_list(db):
    people = _people(6)
    everyone = {row.person.pk: row for row in standings(None, 2026)}
    for person in people:
        mine = standing_of(person, 2026)
        theirs = everyone[person.pk]
        assert (mine.person.pk, mine.required, mine.hours, mine.annual_passed, mine.overdue) == (
            theirs.person.pk, theirs.required, theirs.hours, theirs.annual_passed, theirs.overdue)


def test_ones_standing_does_not_build_everyones(db, monkeypatch):
    people = _people(30)
    built: list[int] = []
    original = selectors.overdue_items

    def counting(row):
        built.append(row.person.pk)
        return original(row)

    monkeypatch.setattr(selectors, "overdue_items", counting)
    standing_of(people[7], 2026)
    assert built == [people[7].pk]
