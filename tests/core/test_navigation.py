"""core.navigation: the sentence and paragraph around a position, from its neighbourhood, agree with splitting
the whole document, and cost the same in a page as in a book."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import navigation
from core.chunking import Boundary, split_text
from tests.core.test_chunking_size import ALPHABET, BOOK_SENTENCES, CountingText


def whole_sentence_starts(text):
    return [s.start for s in split_text(text)]


def whole_paragraph_starts(text):
    starts, new_paragraph = [], True
    for segment in split_text(text):
        if new_paragraph:
            starts.append(segment.start)
        new_paragraph = segment.boundary == Boundary.PARAGRAPH
    return starts


def check_against_whole_split(text):
    sentences, paragraphs = whole_sentence_starts(text), whole_paragraph_starts(text)
    for position in range(len(text) + 1):
        assert navigation.sentence_start(text, position) == max((p for p in sentences if p <= position), default=0)
        assert navigation.next_sentence_start(text, position) == next((p for p in sentences if p > position), None)
        assert navigation.previous_sentence_start(text, position) == max(
            (p for p in sentences if p < position), default=0)
        assert navigation.next_paragraph_start(text, position) == next((p for p in paragraphs if p > position), None)
        assert navigation.previous_paragraph_start(text, position) == max(
            (p for p in paragraphs if p < position), default=0), position


TOKENS = ALPHABET + ["\n\n", " \n \n", "Chapter one\n", "A much longer line that is not a heading at all\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join), st.integers(5, 60))
def test_answers_from_the_neighbourhood_are_the_whole_splits(text, neighbourhood):
    """A tiny neighbourhood, so that most answers restart at a paragraph start or resynchronise."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(navigation, "NEIGHBOURHOOD", neighbourhood)
        check_against_whole_split(text)


# A book whose paragraphs are blank-line separated, and one whose lines are all it has (poetry, or text
# hard-wrapped with no blank lines): every answer there comes from resynchronising.
PARAGRAPHED = BOOK_SENTENCES * (2_000_000 // len(BOOK_SENTENCES))
WRAPPED = BOOK_SENTENCES.replace("\n\n", "\n").replace(". ", ".\n", 1) * (2_000_000 // len(BOOK_SENTENCES))


@pytest.mark.parametrize("book", [PARAGRAPHED, WRAPPED], ids=["paragraphs", "lines-only"])
def test_in_a_book_each_answer_reads_a_neighbourhood_and_agrees_with_the_whole_split(book):
    sentences, paragraphs = whole_sentence_starts(book), whole_paragraph_starts(book)
    counted = CountingText(book)
    most = 0
    for position in range(0, len(book), len(book) // 37):
        CountingText.read = 0
        assert navigation.sentence_start(counted, position) == max(p for p in sentences if p <= position)
        assert navigation.next_sentence_start(counted, position) == next((p for p in sentences if p > position), None)
        assert navigation.previous_sentence_start(counted, position) == max(
            (p for p in sentences if p < position), default=0)
        assert navigation.next_paragraph_start(counted, position) == next(
            (p for p in paragraphs if p > position), None)
        assert navigation.previous_paragraph_start(counted, position) == max(
            (p for p in paragraphs if p < position), default=0)
        most = max(most, CountingText.read)
    # The five answers together read a few neighbourhoods' worth of characters, not the 2 MB book.
    assert most < 12 * navigation.NEIGHBOURHOOD, most


def test_a_restart_inside_a_title_before_a_closing_quote_is_not_taken_for_a_sentence_end():
    """Found by the property test above: a neighbourhood starting at the dot of `Dr."` judged it a full stop."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(navigation, "NEIGHBOURHOOD", 5)
        assert navigation.sentence_start('Dr."\tDr.', 7) == 0
