"""The side-by-side diff an edit is shown with: line by line, and in a changed line the
words that differ."""

from __future__ import annotations

from signoff.server.console.diff import Piece, side_by_side


def test_a_changed_line_marks_only_the_words_that_differ() -> None:
    [row] = side_by_side("Refund $120 to the card.", "Refund $100 to the card.")
    assert row.kind == "changed"
    assert row.before == [
        Piece("Refund ", False),
        Piece("$120", True),
        Piece(" to the card.", False),
    ]
    assert row.after == [
        Piece("Refund ", False),
        Piece("$100", True),
        Piece(" to the card.", False),
    ]


def test_lines_kept_added_and_removed_sit_side_by_side() -> None:
    rows = side_by_side("Hello\nRefund $120.\nBye", "Hello\nBye\nThanks")
    assert [(r.kind, r.before_no, r.after_no) for r in rows] == [
        ("same", 1, 1),
        ("removed", 2, None),
        ("same", 3, 2),
        ("added", None, 3),
    ]
