"""A saved web page (.html, .htm, .xhtml): its article as text, its headings as the table of contents."""

from __future__ import annotations

import lxml.html
from lxml import etree

from core.documents.article import furniture_test, main_element
from core.documents.markup import MarkupReader
from core.documents.model import Document, DocumentError, TextBuilder


def read_webpage(raw: bytes, name: str, max_chars: int) -> Document:
    try:
        root = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"it is not a web page lxml can read ({exc})") from None
    title = " ".join((root.findtext(".//title") or "").split()) or name
    main = main_element(root)
    builder = TextBuilder(max_chars)
    MarkupReader(builder, skip=furniture_test(main)).read(main)
    return Document(builder.text(), title, "Web page", tuple(builder.headings))
