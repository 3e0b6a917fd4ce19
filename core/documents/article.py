"""The article of a saved web page, without its menus, footers, cookie banners and sidebars.

readability-lxml was tried first and left out whole sections of the test page's article (Wikipedia's "Values",
"Pledge" and "Community", ../shared/books), which is lost text; this keeps everything in the page's main
element and leaves out only what says it is page furniture, by its element, role, or class and id words.
"""

from __future__ import annotations

import re

from core.documents.markup import local_name, is_hidden

# Elements that are page furniture wherever they are, and the roles that say so.
FURNITURE = frozenset(("nav", "aside", "form", "dialog", "menu"))
FURNITURE_ROLES = frozenset(("navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar",
                             "dialog", "alertdialog", "toolbar"))
# Words in a class or id that mark furniture: "site-nav", "cookie_banner", "mw-editsection", "sidebar-left".
FURNITURE_WORDS = frozenset((
    "nav", "navbar", "navbox", "navigation", "menu", "menubar", "footer", "sidebar", "breadcrumb", "breadcrumbs",
    "cookie", "cookies", "consent", "gdpr", "banner", "share", "sharing", "social", "related", "advert", "ads",
    "advertisement", "sponsor", "promo", "newsletter", "subscribe", "editsection", "noprint", "toc", "catlinks",
    "printfooter", "comments", "popup", "modal", "skip", "jump", "sitesub", "contentsub", "backlink",
))
_WORDS = re.compile(r"[\s_-]+")


def furniture_test(main):
    """What to leave out of `main`: furniture, and the page's own header and footer when `main` is the whole body
    (inside a <main> or an <article>, a header holds the article's title)."""
    tags = FURNITURE | ({"header", "footer"} if local_name(main) == "body" else set())

    def is_furniture(element) -> bool:
        if local_name(element) in tags or is_hidden(element):
            return True
        if (element.get("role") or "").lower() in FURNITURE_ROLES:
            return True
        words = " ".join((element.get("class") or "", element.get("id") or "")).lower()
        return bool(words.strip()) and not FURNITURE_WORDS.isdisjoint(_WORDS.split(words))

    return is_furniture


def main_element(root):
    """The page's main content: its <main> (or role=main), else its largest <article>, else its body."""
    for element in root.iter():
        if local_name(element) == "main" or (element.get("role") or "").lower() == "main":
            return element
    articles = [e for e in root.iter() if local_name(e) == "article"]
    if articles:
        return max(articles, key=lambda e: len(e.text_content()))
    body = next((e for e in root.iter() if local_name(e) == "body"), None)
    return body if body is not None else root
