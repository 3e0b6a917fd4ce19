"""Markdown read as the text it stands for: headings, paragraphs and list items as sentences, link text without
its address, no markup symbols, code blocks left out (they are not prose), headings as the table of contents.
"""

from __future__ import annotations

import lxml.html
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from core.documents.markup import MarkupReader, local_name
from core.documents.model import Cancelled, Document, Progress, TextBuilder

# The share of the time each of markdown-it's steps takes (measured on 5 MB: block 60%, inline 40%).
_STEP_SHARE = {"block": 0.6, "inline": 0.35}


def read_markdown(text: str, name: str, max_chars: int, progress: Progress | None = None) -> Document:
    # CommonMark with tables; raw HTML in the text is kept as HTML, and read as a web page's would be.
    parser = MarkdownIt("commonmark").enable("table")
    state = StateCore(text, parser, {})
    done = 0.0
    for rule in parser.core.ruler.getRules(""):  # markdown-it's own steps, one at a time, to say how far it is
        if progress is not None and not progress(done):
            raise Cancelled()
        rule(state)
        done += _STEP_SHARE.get(rule.__name__, 0.0)
    html = parser.renderer.render(state.tokens, parser.options, state.env)
    builder = TextBuilder(max_chars)
    if html.strip():
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        MarkupReader(builder, skip=lambda element: local_name(element) == "pre").read(root)
    title = builder.headings[0].title if builder.headings else name
    return Document(builder.text(), title, "Markdown", tuple(builder.headings))
