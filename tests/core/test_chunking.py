from hypothesis import given, settings
from hypothesis import strategies as st

from core.chunking import Boundary, speakable, split_text


def texts(text, limit=2000):
    return [s.text for s in split_text(text, limit)]


def check_invariants(text, segments, limit):
    previous_end = 0
    for segment in segments:
        assert segment.text == text[segment.start:segment.end]
        assert 0 < len(segment.text) <= limit
        assert segment.text.strip()
        assert segment.start >= previous_end
        assert not text[previous_end:segment.start].strip(), "only whitespace may be left out"
        previous_end = segment.end
    assert not text[previous_end:].strip()


def test_sentences_are_split_with_their_trailing_space():
    assert texts("One. Two! Three? Four") == ["One. ", "Two! ", "Three? ", "Four"]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    assert texts("Dr. Smith met Mrs. Jones at 3.30 p.m. today. Pi is 3.14. J. R. R. Tolkien wrote.") == [
        "Dr. Smith met Mrs. Jones at 3.30 p.m. today. ", "Pi is 3.14. ", "J. R. R. Tolkien wrote.",
    ]
    assert texts("Use tools, e.g. hammers, i.e. heavy ones. The U.S. Army is big.") == [
        "Use tools, e.g. hammers, i.e. heavy ones. ", "The U.S. Army is big.",
    ]
    assert texts("Apples, pears, etc. are fruit. Buy them etc. Then go.") == [
        "Apples, pears, etc. are fruit. ", "Buy them etc. ", "Then go.",
    ]


def test_ellipses_and_quotes():
    assert texts("Wait... what? Then… Nothing.") == ["Wait... what? ", "Then… ", "Nothing."]
    assert texts('He said "Stop!" She left.') == ['He said "Stop!" ', "She left."]
    assert texts("«Oui.» Non.") == ["«Oui.» ", "Non."]
    assert texts("He whispered (quietly.) Then stood.") == ["He whispered (quietly.) ", "Then stood."]


def test_cjk_and_other_scripts():
    assert texts("今日は晴れです。明日は雨！本当？") == ["今日は晴れです。", "明日は雨！", "本当？"]
    assert texts("यह पहला है। यह दूसरा है।") == ["यह पहला है। ", "यह दूसरा है।"]
    assert texts("هل أنت بخير؟ نعم.") == ["هل أنت بخير؟ ", "نعم."]


def test_paragraphs_and_short_lines_are_boundaries():
    segments = split_text("Title\nFirst line of text goes on and on, longer than a heading\nwraps here.\n\nNext para.")
    assert [s.text for s in segments] == [
        "Title\n", "First line of text goes on and on, longer than a heading\nwraps here.\n\n", "Next para.",
    ]
    assert [s.boundary for s in segments] == [Boundary.LINE, Boundary.PARAGRAPH, Boundary.PARAGRAPH]


def test_empty_whitespace_and_control_characters():
    assert split_text("") == []
    assert split_text(" \n\t \u3000 ") == []
    segments = split_text("\x00\x00 Hi.\x07 There.")
    check_invariants("\x00\x00 Hi.\x07 There.", segments, 2000)


def test_long_sentences_split_at_clauses_then_words_then_hard():
    clauses = "alpha beta, gamma delta, epsilon zeta."
    assert texts(clauses, 16) == ["alpha beta, ", "gamma delta, ", "epsilon zeta."]
    assert texts("one two three four five six", 10) == ["one two ", "three ", "four five ", "six"]
    assert texts("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_hard_split_keeps_combining_marks_with_their_letter():
    text = "e\u0301" * 10  # é as e + combining acute
    for piece in texts(text, 5):
        assert not piece.startswith("\u0301")


def test_speakable_keeps_length_and_removes_controls():
    raw = "a\x00b\x1bc\n\td\ud800"
    clean = speakable(raw)
    assert len(clean) == len(raw)
    assert clean == "a b c\n\td "
    clean.encode("utf-8")  # no lone surrogates left


ALPHABET = list("ab Zz.!?,;:…\n\t\"'”)(。！？、，\x00\x07é\u0301👍\u200d-—") + ["Dr.", "e.g.", "3.14", "...", "\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=200).map("".join), st.integers(1, 60))
def test_segments_cover_the_text_exactly_within_the_limit(text, limit):
    check_invariants(text, split_text(text, limit), limit)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(1, 2000))
def test_any_unicode_text_is_covered(text, limit):
    check_invariants(text, split_text(text, limit), limit)
