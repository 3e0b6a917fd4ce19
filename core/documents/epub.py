"""EPUB 2 and 3 books: the chapters in spine order, and the navigation document (EPUB 3) or the NCX (EPUB 2) as
the table of contents, each entry placed where its target is in the text.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from urllib.parse import unquote, urldefrag

import lxml.html
from lxml import etree

from core.documents.markup import MarkupReader, local_name
from core.documents.model import Cancelled, Document, DocumentError, Heading, Progress, TextBuilder

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one file inside the book, unpacked (a zip bomb is refused)
_XML = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
_OPS_TYPE = "{http://www.idpf.org/2007/ops}type"
# Font obfuscation (IDPF's and Adobe's) hides only fonts: the text of such a book is readable.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}


def read_epub(path: Path, max_chars: int, progress: Progress | None = None) -> Document:
    try:
        with zipfile.ZipFile(path) as book:
            return _Book(book, max_chars).read(path.stem, progress)
    except zipfile.BadZipFile:
        raise DocumentError("it is not an EPUB book (not a zip archive)") from None
    except (KeyError, etree.XMLSyntaxError) as exc:
        raise DocumentError(f"the book is damaged ({exc})") from None


class _Book:
    def __init__(self, book: zipfile.ZipFile, max_chars: int) -> None:
        self._zip = book
        self._builder = TextBuilder(max_chars)
        self._targets: dict[tuple[str, str], int] = {}  # (file, id or "") -> offset

    def _member(self, name: str) -> bytes:
        info = self._zip.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise DocumentError(f"{name} inside the book is larger than {MAX_MEMBER_BYTES // 2**20} MB unpacked")
        with self._zip.open(info) as member:
            return member.read(MAX_MEMBER_BYTES + 1)

    def _xml(self, name: str):
        root = etree.fromstring(self._member(name), _XML)
        if root is None:
            raise DocumentError(f"{name} inside the book is not XML")
        return root

    def _refuse_drm(self) -> None:
        names = set(self._zip.namelist())
        scheme = "Readium LCP" if "META-INF/license.lcpl" in names else \
            "Adobe ADEPT" if "META-INF/rights.xml" in names else None
        if scheme is None and "META-INF/encryption.xml" in names:
            methods = {e.get("Algorithm") for e in self._xml("META-INF/encryption.xml").iter()
                       if local_name(e) == "encryptionmethod"}
            if methods - _FONT_OBFUSCATION:
                scheme = "encrypted chapters"
        if scheme:
            raise DocumentError(f"it is protected by DRM ({scheme}); Aloud can read only DRM-free books")

    def read(self, fallback_title: str, progress: Progress | None) -> Document:
        self._refuse_drm()
        container = self._xml("META-INF/container.xml")
        rootfile = next((e.get("full-path") for e in container.iter() if local_name(e) == "rootfile"), None)
        if not rootfile:
            raise DocumentError("the book names no package document (META-INF/container.xml)")
        package = self._xml(rootfile)
        base = posixpath.dirname(rootfile)
        title = " ".join("".join(next((e.itertext() for e in package.iter() if local_name(e) == "title"),
                                      [])).split()) or fallback_title
        manifest = {item.get("id"): item for item in package.iter() if local_name(item) == "item"}
        spine = next((e for e in package.iter() if local_name(e) == "spine"), None)
        if spine is None:
            raise DocumentError("the book has no spine (its reading order)")
        nav = next((i for i in manifest.values() if "nav" in (i.get("properties") or "").split()), None)
        for done, ref in enumerate(spine):
            if progress is not None and not progress(done / max(1, len(spine))):
                raise Cancelled()
            item = manifest.get(ref.get("idref"))
            if item is None or ref.get("linear") == "no" or item is nav:
                continue
            self._chapter(posixpath.normpath(posixpath.join(base, unquote(item.get("href", "")))))
        headings = ()
        if nav is not None:
            headings = self._nav_toc(posixpath.normpath(posixpath.join(base, unquote(nav.get("href", "")))))
        elif spine.get("toc") in manifest:
            ncx = manifest[spine.get("toc")]
            headings = self._ncx_toc(posixpath.normpath(posixpath.join(base, unquote(ncx.get("href", "")))))
        return Document(self._builder.text(), title, "EPUB", headings or tuple(self._builder.headings))

    def _chapter(self, name: str) -> None:
        self._targets[(name, "")] = self._builder.next_offset
        try:
            root = lxml.html.document_fromstring(self._member(name))
        except (KeyError, etree.ParserError, ValueError):
            return  # a missing or empty chapter: the rest of the book is still read
        body = next((e for e in root.iter() if local_name(e) == "body"), root)
        MarkupReader(self._builder, on_id=lambda id_, offset: self._targets.setdefault((name, id_), offset),
                     ).read(body)

    def _place(self, document: str, href: str) -> int | None:
        target, fragment = urldefrag(unquote(href))
        name = posixpath.normpath(posixpath.join(posixpath.dirname(document), target)) if target else document
        return self._targets.get((name, fragment)) if fragment and (name, fragment) in self._targets else \
            self._targets.get((name, ""))

    def _nav_toc(self, name: str) -> tuple[Heading, ...]:
        root = lxml.html.document_fromstring(self._member(name))
        navs = [e for e in root.iter() if local_name(e) == "nav"]
        toc = next((n for n in navs if "toc" in (n.get(_OPS_TYPE) or n.get("epub:type") or "").split()),
                   navs[0] if navs else None)
        if toc is None:
            return ()
        headings = []

        def walk(element, level: int) -> None:
            for child in element:
                if local_name(child) == "li":
                    link = next((e for e in child if local_name(e) in ("a", "span")), None)
                    if link is not None:
                        offset = self._place(name, link.get("href", ""))
                        label = " ".join("".join(link.itertext()).split())
                        if offset is not None and label:
                            headings.append(Heading(label, offset, level))
                    for sub in child:
                        if local_name(sub) == "ol":
                            walk(sub, level + 1)
                elif local_name(child) == "ol":
                    walk(child, level)

        walk(toc, 1)
        return tuple(headings)

    def _ncx_toc(self, name: str) -> tuple[Heading, ...]:
        root = self._xml(name)
        headings = []

        def walk(element, level: int) -> None:
            for point in element:
                if local_name(point) != "navPoint".lower():
                    continue
                label = next((e for e in point if local_name(e) == "navlabel"), None)
                content = next((e for e in point if local_name(e) == "content"), None)
                text = " ".join("".join(label.itertext()).split()) if label is not None else ""
                offset = self._place(name, content.get("src", "")) if content is not None else None
                if offset is not None and text:
                    headings.append(Heading(text, offset, level))
                walk(point, level + 1)

        nav_map = next((e for e in root.iter() if local_name(e) == "navmap"), None)
        if nav_map is not None:
            walk(nav_map, 1)
        return tuple(headings)
