"""OpenDocument text read as a listener wants it: headings with their outline numbers as the contents,
paragraphs, lists and tables row by row, fields as shown, spaces as spaces; the generated table of contents,
footnotes, comments, pictures and code left out. One ODT is written here; the real one is OASIS's."""

import zipfile
from pathlib import Path

import pytest

from core.documents import DocumentError, open_document

BOOKS = Path(__file__).resolve().parents[3] / "shared" / "books"
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')
STYLES = f"""<office:document-styles {NS}><office:styles>
<style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph"/>
<text:outline-style style:name="Outline">
 <text:outline-level-style text:level="1" style:num-format="1"/>
 <text:outline-level-style text:level="2" style:num-format="1" text:display-levels="2"/>
</text:outline-style>
<text:list-style style:name="Appendix">
 <text:list-level-style-number text:level="1" style:num-prefix="Appendix " style:num-format="A"/>
</text:list-style>
</office:styles><office:master-styles><style:master-page style:name="Standard"><style:footer>
<text:p>Page <text:page-number>1</text:page-number></text:p></style:footer></style:master-page>
</office:master-styles></office:document-styles>"""
BODY = """
<text:sequence-decls><text:sequence-decl text:name="Table"/></text:sequence-decls>
<text:user-field-decls><text:user-field-decl office:string-value="1.4" text:name="Version"/></text:user-field-decls>
<text:table-of-content><text:index-body><text:p>1 Getting started<text:tab/>1</text:p></text:index-body>
</text:table-of-content>
<text:h text:outline-level="1">Getting started</text:h>
<text:p>This is version <text:user-field-get text:name="Version">1.4</text:user-field-get> of the
guide.<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>
<text:p>A footnote not read here.</text:p></text:note-body></text:note> It has two<text:s text:c="3"/>spaces
<text:span>and a span</text:span><text:tab/>and a tab.<office:annotation><text:p>A comment.</text:p>
</office:annotation></text:p>
<text:p><draw:frame><svg:title>A picture</svg:title><draw:text-box><text:p>Caption in a box</text:p>
</draw:text-box></draw:frame>After the picture.</text:p>
<text:h text:outline-level="2">Lists and tables</text:h>
<text:list><text:list-item><text:p>First item.</text:p></text:list-item>
<text:list-item><text:p>Second item.</text:p><text:list><text:list-item><text:p>Nested item.</text:p>
</text:list-item></text:list></text:list-item></text:list>
<table:table><table:table-header-rows><table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell>
<table:table-cell><text:p>Value</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell><text:p>width</text:p></table:table-cell><table:table-cell><text:p>12</text:p>
</table:table-cell><table:covered-table-cell/></table:table-row></table:table>
<text:p text:style-name="Preformatted_20_Text">print("code is not read")</text:p>
<text:h text:outline-level="2">More</text:h>
<text:section><text:p>Inside a section.</text:p></text:section>
<text:h text:outline-level="1">Second chapter</text:h>
<text:list text:style-name="Appendix"><text:list-item><text:h text:outline-level="1">Schemas</text:h>
</text:list-item></text:list>
"""


def write_odt(path: Path, body: str = BODY, manifest_extra: str = "", kind: str = "text") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
                   f'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">{manifest_extra}'
                   "</manifest:file-entry></manifest:manifest>")
        z.writestr("styles.xml", STYLES)
        z.writestr("meta.xml", f"<office:document-meta {NS}><office:meta><dc:title>The Guide</dc:title>"
                               "</office:meta></office:document-meta>")
        z.writestr("content.xml", f"<office:document-content {NS}><office:body><office:{kind}>{body}"
                                  f"</office:{kind}></office:body></office:document-content>")
    return path


def test_an_odt_reads_its_text_in_order_with_numbered_headings_and_nothing_else(tmp_path):
    document = open_document(write_odt(tmp_path / "guide.odt"))
    assert document.title == "The Guide" and document.kind == "OpenDocument text" and not document.editable
    assert document.text.split("\n\n") == [
        "1 Getting started",
        "This is version 1.4 of the guide. It has two spaces and a span and a tab.",
        "After the picture.",
        "1.1 Lists and tables",
        "First item.", "Second item.", "Nested item.",
        "Name, Value", "width, 12",
        "1.2 More",
        "Inside a section.",
        "2 Second chapter",
        "Appendix A Schemas",
    ]
    assert [(h.title, h.level) for h in document.headings] == [
        ("1 Getting started", 1), ("1.1 Lists and tables", 2), ("1.2 More", 2), ("2 Second chapter", 1),
        ("Appendix A Schemas", 1)]
    for heading in document.headings:
        assert document.text[heading.offset:].startswith(heading.title)


def test_the_oasis_odt_has_the_headings_libreoffice_prints_and_its_fields_shown():
    document = open_document(BOOKS / "odf-1.4-part2-packages.odt")
    printed = open_document(BOOKS / "reference" / "odf-1.4-part2-packages.libreoffice.pdf")
    assert [(h.title, h.level) for h in document.headings] == [(h.title, h.level) for h in printed.headings]
    assert len(document.headings) == 86 and document.headings[-3].title == "Appendix B OpenDocument Metadata " \
                                                                            "Manifest Ontology"
    text = document.text
    # User fields inside sentences show their values; <text:s/> is a space; the generated contents is not read.
    assert "support the values Blowfish CFB and urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#blowfish." in text
    assert "Version 1.3. 27 April 2021. OASIS Standard." in text
    assert "Introduction\t" not in text and text.count("Packages, Package Consumers and Package Producers") == 1
    # Footers live in styles.xml (one on a page style nothing uses) and are not read.
    assert "Standards Track Work Product" not in text


def test_bad_odts_are_refused_with_one_line(tmp_path):
    broken = tmp_path / "broken.odt"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("content.xml", "<office:document-content><unclosed>")
    not_zip = tmp_path / "no.odt"
    not_zip.write_bytes(b"plain words")
    for path, message in [
            (write_odt(tmp_path / "locked.odt", manifest_extra="<manifest:encryption-data/>"),
             "protected by a password"),
            (write_odt(tmp_path / "sheet.odt", body="", kind="spreadsheet"), "no text body: a spreadsheet or slides"),
            (broken, "damaged"), (not_zip, "not a zip archive")]:
        with pytest.raises(DocumentError, match=message):
            open_document(path)
