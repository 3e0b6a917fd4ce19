"""Documents in their formats, read from real files written by others (../shared/books): the text a listener
should hear, in order, without markup or page furniture, and the table of contents pointing into it."""

import io
import re
import zipfile
from pathlib import Path

import lxml.html
import pytest

from core.cli import main
from core.document_commands import chapter_range
from core.documents import Document, DocumentError, open_document
from core.documents.epub import MAX_MEMBER_BYTES
from core.wav import read_wav
from tests.core.flaky_server import FlakyToneServer

BOOKS = Path(__file__).resolve().parents[3] / "shared" / "books"


def squash(text):
    return " ".join(text.split())


def test_an_epub3_book_reads_in_spine_order_with_its_navigation_document_as_contents():
    book = open_document(BOOKS / "alice-epub3.epub")
    assert book.title == "Alice's Adventures in Wonderland" and book.kind == "EPUB"
    titles = [h.title for h in book.headings]
    assert titles[1:] == ["Down The Rabbit-Hole", "The Pool Of Tears", "A Caucus-Race And A Long Tale",
                          "The Rabbit Sends In A Little Bill", "Advice From A Caterpillar", "Pig And Pepper",
                          "A Mad Tea-Party", "The Queen's Croquet Ground", "Who Stole The Tarts?", "Alice's Evidence"]
    for heading in book.headings[1:]:  # each entry is where its chapter's heading is read
        assert book.text[heading.offset:].startswith(heading.title)
    assert book.text.count("Down The Rabbit-Hole") == 1, "the navigation document (not in the reading) was read"
    assert "Alice was beginning to get very tired of sitting by her sister on the bank" in book.text
    assert "Illo" not in book.text, "images' alt text is not read"
    assert "<" not in book.text and "\t" not in book.text
    # Paragraphs are kept apart; within one, its lines are joined.
    start = book.text.index("\n\nAlice was beginning") + 2
    assert book.text[start:book.text.index("\n", start)].endswith('and what is the use of a book," thought Alice, '
                                                                  '"without pictures or conversations?"')


def test_an_epub2_book_uses_its_ncx_with_nested_entries_and_joins_a_drop_cap():
    book = open_document(BOOKS / "sherlock-epub2.epub")
    assert book.title == "The Adventures of Sherlock Holmes"
    stories = [h for h in book.headings if h.level == 1 and re.match(r"^[IVX]+\. ", h.title)]
    assert len(stories) == 12 and stories[0].title == "I. A SCANDAL IN BOHEMIA"
    assert any(h.level == 2 for h in book.headings)
    assert [h.offset for h in book.headings] == sorted(h.offset for h in book.headings)
    assert "To Sherlock Holmes she is always the woman." in book.text  # "T" in a drop-cap span, "o" after it


def test_a_saved_web_page_reads_its_article_without_the_page_around_it():
    page = open_document(BOOKS / "wikipedia-mozilla.html")
    text = page.text
    for furniture in ("Navigation menu", "Personal tools", "[edit]", "Jump to", "Main page", "Privacy policy",
                      "Contents\n", "^"):
        assert furniture not in text, furniture
    assert not re.search(r"\[\d+\]", text), "footnote reference markers are not read"
    headings = [h.title for h in page.headings]
    for section in ("History", "Values", "Pledge", "Software", "Community", "References", "External links"):
        assert section in headings
    # Every paragraph of readability's own extraction of the article (the reference) is read.
    reference = lxml.html.fromstring((BOOKS / "reference" / "wikipedia-mozilla.readability-expected.html")
                                     .read_text(encoding="utf-8"))
    for sup in list(reference.iter("sup")):
        sup.drop_tree()
    paragraphs = [squash(p.text_content()) for p in reference.iter("p") if len(squash(p.text_content())) > 40]
    found = [p for p in paragraphs if p in squash(text)]
    assert len(paragraphs) > 30 and len(found) == len(paragraphs), set(paragraphs) - set(found)


def test_markdown_is_read_as_text_not_symbols():
    doc = open_document(BOOKS / "readability-README.md")
    assert [h.title for h in doc.headings][:3] == ["Readability.js", "Installation", "Basic usage"]
    assert doc.headings[1].level == 2
    for symbol in ("#", "```", "](", "**", "npm install"):  # headings, fences, links, bold, a code block
        assert symbol not in doc.text, symbol
    assert "call the parse() method" in doc.text  # inline code is read as its words
    assert not doc.editable


@pytest.mark.parametrize("raw, text, kind", [
    ("Café, 5 €, “quoted”.".encode("cp1252"), "Café, 5 €, “quoted”.", "Text (Windows-1252)"),
    (b"\x81 and \x8d", "\x81 and \x8d", "Text (Windows-1252)"),  # undefined in Windows-1252: Latin-1
    ("Grüße".encode("utf-16"), "Grüße", "Text"),
    ("\ufeffGrüße".encode("utf-8"), "Grüße", "Text"),
])
def test_plain_text_encodings_are_found(raw, text, kind, tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes(raw)
    doc = open_document(path)
    assert doc.text == text and doc.kind == kind and doc.editable


def test_damaged_and_hostile_books_are_refused_with_one_line(tmp_path):
    not_zip = tmp_path / "a.epub"
    not_zip.write_bytes(b"this is no book")
    with pytest.raises(DocumentError, match="not a zip archive"):
        open_document(not_zip)
    not_word = tmp_path / "a.docx"
    not_word.write_bytes(b"this is no document")
    with pytest.raises(DocumentError, match="not a Word document"):
        open_document(not_word)
    empty = tmp_path / "b.epub"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    with pytest.raises(DocumentError, match="damaged"):
        open_document(empty)
    bomb = tmp_path / "c.epub"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", b"\0" * (MAX_MEMBER_BYTES + 1))  # 64 MB of zeros: 64 KB packed
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(DocumentError, match="larger than 64 MB unpacked"):
        open_document(bomb)


def test_drm_books_and_formats_aloud_does_not_read_are_named_not_read_as_text(tmp_path):
    def drm_book(name, member, content):
        path = tmp_path / name
        with zipfile.ZipFile(BOOKS / "alice-epub3.epub") as source, zipfile.ZipFile(path, "w") as z:
            for info in source.infolist():
                z.writestr(info, source.read(info))
            z.writestr(member, content)
        return path

    encrypted = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                 'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod '
                 'Algorithm="{}"/><enc:CipherData><enc:CipherReference URI="OEBPS/chapter_001.xhtml"/>'
                 "</enc:CipherData></enc:EncryptedData></encryption>")
    for name, member, content, scheme in [
            ("adept.epub", "META-INF/rights.xml", "<rights/>", "Adobe ADEPT"),
            ("lcp.epub", "META-INF/license.lcpl", "{}", "Readium LCP"),
            ("aes.epub", "META-INF/encryption.xml", encrypted.format("http://www.w3.org/2001/04/xmlenc#aes256-cbc"),
             "encrypted chapters")]:
        with pytest.raises(DocumentError, match=re.escape(f"protected by DRM ({scheme}); Aloud can read only")):
            open_document(drm_book(name, member, content))
    # Obfuscated fonts are not DRM: the book reads.
    fonts = drm_book("fonts.epub", "META-INF/encryption.xml", encrypted.format("http://www.idpf.org/2008/embedding"))
    assert open_document(fonts).text == open_document(BOOKS / "alice-epub3.epub").text
    rtf = tmp_path / "letter.rtf"
    rtf.write_text(r"{\rtf1\ansi Dear friend,\par}")
    with pytest.raises(DocumentError, match=r"^Aloud does not read RTF documents; save it as \.docx or \.odt$"):
        open_document(rtf)
    assert main(["text", str(rtf)]) == 2


def book_of(chapters, paragraph, tmp_path):
    """An EPUB 2 of `chapters` chapters, each a heading and the paragraph 40 times."""
    path = tmp_path / "big.epub"
    items = "".join(f'<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>' for n in range(chapters))
    refs = "".join(f'<itemref idref="c{n}"/>' for n in range(chapters))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path="p.opf"/></rootfiles>'
                                             "</container>")
        z.writestr("p.opf", f'<package><metadata><title xmlns="http://purl.org/dc/elements/1.1/">Big</title>'
                            f"</metadata><manifest>{items}</manifest><spine>{refs}</spine></package>")
        for n in range(chapters):
            z.writestr(f"c{n}.xhtml", f"<html><body><h1>Chapter {n + 1}</h1>" + f"<p>{paragraph}</p>" * 40
                       + "</body></html>")
    return path


def test_a_five_megabyte_book_opens_whole(tmp_path):
    paragraph = "It was a dark and stormy night, and the rain fell in torrents, except at occasional intervals."
    book = open_document(book_of(1300, paragraph, tmp_path))
    assert len(book.text) > 5_000_000
    assert len(book.headings) == 1300 and book.headings[-1].title == "Chapter 1300"
    assert book.text[book.headings[-1].offset:].startswith("Chapter 1300\n\nIt was a dark")


def test_contents_and_text_on_the_command_line(capsys):
    assert main(["contents", str(BOOKS / "alice-epub3.epub")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Alice's Adventures in Wonderland (EPUB, 52,066 characters)"
    assert lines[2].startswith(" 2. Down The Rabbit-Hole  (")
    assert main(["text", str(BOOKS / "readability-README.md")]) == 0
    assert capsys.readouterr().out.startswith("Readability.js\n\nA standalone version")
    assert main(["contents", str(BOOKS / "missing.epub")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_speak_reads_one_chapter_of_a_book(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    book = open_document(BOOKS / "alice-epub3.epub")
    start, end = book.part(0)  # chapter 1 in `contents`: the title page, up to "Down The Rabbit-Hole"
    with FlakyToneServer() as server:
        code = main(["speak", "--file", str(BOOKS / "alice-epub3.epub"), "--chapter", "1", "--url", server.url,
                     "--no-play", "--out", str(tmp_path / "c.wav")], stdin=io.StringIO())
    assert code == 0, capsys.readouterr()
    heard = "".join(t for t, _, _ in server.flushes)
    assert squash(heard) == squash(book.text[start:end]) and "Rabbit-Hole" not in heard
    assert main(["speak", "--file", str(BOOKS / "alice-epub3.epub"), "--chapter", "40", "--no-play"]) == 2
    assert "there is no chapter 40: Alice's Adventures in Wonderland has 11" in capsys.readouterr().err


def test_from_a_chapter_to_the_end_and_one_chapter_alone():
    book = open_document(BOOKS / "sherlock-epub2.epub")
    number = next(n for n, h in enumerate(book.headings, 1) if h.title == "II. THE RED-HEADED LEAGUE")
    start, end = chapter_range(book, number, None)
    assert book.text[start:end].startswith("II.\n\nTHE RED-HEADED LEAGUE") and "A CASE OF IDENTITY" not in \
        book.text[start:end]
    assert chapter_range(book, None, number) == (start, None)
    with pytest.raises(ValueError, match="has no chapters"):
        chapter_range(Document("plain", "a note", "Text"), 1, None)


def test_a_word_document_reads_its_body_in_order_with_headings_as_contents_and_no_toc_or_code():
    doc = open_document(BOOKS / "sarif-v2.1.0-committee-specification.docx")
    assert doc.title == "Static Analysis Results Interchange Format (SARIF) Version 2.1.0" and not doc.editable
    assert [(h.title, h.level) for h in doc.headings[:3]] == [("Introduction", 1), ("IPR Policy", 2),
                                                             ("Terminology", 2)]
    assert len(doc.headings) > 500 and [h.offset for h in doc.headings] == sorted(h.offset for h in doc.headings)
    for heading in doc.headings:
        assert doc.text[heading.offset:].startswith(heading.title)
    text = doc.text
    assert text.count("Normative References") <= 2, "Word's own table of contents is not read"
    assert "decimal digit = '0'" not in text, "code is not read"
    assert not re.search(r"Page \d+ of \d+", text), "page footers are not read"
    assert "\nrun.addresses, addresses, array\n" in text  # a table, row by row


@pytest.mark.parametrize("name", ["alice-epub3.epub", "sherlock-epub2.epub", "odf-1.4-part1-introduction.pdf",
                                  "wikipedia-mozilla.html", "sarif-v2.1.0-committee-specification.docx",
                                  "odf-1.4-part2-packages.odt", "readability-README.md"])
def test_speak_reads_a_chapter_of_each_format_through_the_offline_voice(name, make_server, tmp_path, capsys):
    book = open_document(BOOKS / name)
    # The shortest chapter with words in it, so that the voice has a little to say.
    number = min((n for n in range(1, len(book.headings) + 1)
                  if len(squash(book.text[slice(*chapter_range(book, n, None))])) > 40),
                 key=lambda n: len(book.text[slice(*chapter_range(book, n, None))]))
    start, end = chapter_range(book, number, None)
    server = make_server(chars_per_minute=None, flushes_per_minute=None)
    out = tmp_path / "chapter.wav"
    code = main(["speak", "--file", str(BOOKS / name), "--chapter", str(number), "--url", server.url, "--no-play",
                 "--out", str(out), "--quiet"], stdin=io.StringIO())
    assert code == 0, capsys.readouterr().err
    _, rate, bits, frames = read_wav(out)
    seconds = len(frames) / (rate * bits // 8)  # the offline voice is mono
    chars = len(squash(book.text[start:end]))
    assert chars / 40 < seconds < chars / 4, (name, number, chars, seconds)
