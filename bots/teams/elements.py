"""The few Adaptive Card elements every Signoff card is made of: our words as markdown
``TextBlock``s, other people's words as ``RichTextBlock`` text runs (never markdown)."""

from __future__ import annotations

from typing import Any

__all__ = ["Element", "plain", "run", "text"]

Element = dict[str, Any]


def text(text: str, **props: Any) -> Element:
    """Our own words; markdown and the DATE/TIME functions work here."""
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def plain(*inlines: str | Element, **props: Any) -> Element:
    """Words from the AI or from people, shown exactly as written (text runs are not
    markdown)."""
    runs = [run(i) if isinstance(i, str) else i for i in inlines]
    return {"type": "RichTextBlock", "inlines": runs, **props}


def run(text: str, **props: Any) -> Element:
    return {"type": "TextRun", "text": text, **props}
