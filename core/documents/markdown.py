"""Markdown read as the text it stands for: headings, paragraphs and list items as sentences, link text without
its address, no markup symbols, code blocks left out (they are not prose), headings as the table of contents.
"""

from __future__ import annotations

import lxml.html
from markdown_it import MarkdownIt

from core.documents.markup import MarkupReader, local_name
from core.documents.model import Document, TextBuilder


def read_markdown(text: str, name: str, max_chars: int) -> Document:
    # CommonMark with tables; raw HTML in the text is kept as HTML, and read as a web page's would be.
    html = MarkdownIt("commonmark").enable("table").render(text)
    builder = TextBuilder(max_chars)
    if html.strip():
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        MarkupReader(builder, skip=lambda element: local_name(element) == "pre").read(root)
    title = builder.headings[0].title if builder.headings else name
    return Document(builder.text(), title, "Markdown", tuple(builder.headings))
