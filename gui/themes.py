"""Colour themes: follow the system, light, dark, and a high-contrast theme (WCAG AAA for text).

Each theme is a QPalette on the Fusion style, so it looks the same on every platform; tests check that
every text/background pair meets WCAG AA (4.5:1), and the high-contrast theme AAA (7:1).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

_ROLES = QPalette.ColorRole

# (window, window text, base, text, button, button text, highlight, highlighted text, disabled text, link)
_SCHEMES = {
    "light": ("#f4f4f4", "#111111", "#ffffff", "#111111", "#e8e8e8", "#111111", "#1a5fb4", "#ffffff", "#5e5e5e",
              "#0b4f9e"),
    "dark": ("#202124", "#eeeeee", "#121212", "#eeeeee", "#303134", "#eeeeee", "#8ab4f8", "#0b0b0b", "#a0a0a0",
             "#8ab4f8"),
    "high-contrast": ("#000000", "#ffffff", "#000000", "#ffffff", "#000000", "#ffffff", "#ffff00", "#000000",
                      "#c0c0c0", "#00ffff"),
}

_original: tuple[QPalette, str] | None = None


def palette_for(name: str) -> QPalette:
    window, window_text, base, text, button, button_text, highlight, highlighted, disabled, link = (
        QColor(c) for c in _SCHEMES[name]
    )
    palette = QPalette()
    for role, color in (
        (_ROLES.Window, window), (_ROLES.WindowText, window_text), (_ROLES.Base, base),
        (_ROLES.AlternateBase, button), (_ROLES.Text, text), (_ROLES.Button, button),
        (_ROLES.ButtonText, button_text), (_ROLES.Highlight, highlight), (_ROLES.HighlightedText, highlighted),
        (_ROLES.ToolTipBase, base), (_ROLES.ToolTipText, text), (_ROLES.PlaceholderText, disabled),
        (_ROLES.Link, link), (_ROLES.BrightText, highlight),
    ):
        palette.setColor(role, color)
    for role in (_ROLES.WindowText, _ROLES.Text, _ROLES.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app: QApplication, name: str) -> None:
    global _original
    if _original is None:
        _original = (QPalette(app.palette()), app.style().name())
    if name == "system":
        app.setPalette(_original[0])
        app.setStyle(QStyleFactory.create(_original[1]) or app.style())
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(palette_for(name))  # Fusion draws focus frames in the highlight colour: yellow in high contrast


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
