"""Telegram's HTML parse mode as the real server applies it, so a bad escape fails in tests as it would live."""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
    "a": "text_link", "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<&]")


class HtmlError(ValueError):
    """The text would be refused with "Bad Request: can't parse entities"."""


def utf16_len(text: str) -> int:
    """Telegram counts offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Plain text and entities of an HTML-formatted message; raises HtmlError where Telegram would."""
    plain: list[str] = []
    entities: list[dict] = []
    open_tags: list[tuple[str, int, dict]] = []
    position = 0
    offset = 0
    for match in _TOKEN.finditer(source):
        text = source[position : match.start()]
        plain.append(text)
        offset += utf16_len(text)
        position = match.end()
        closing, tag, attrs, entity = match.group(1), match.group(2), match.group(3), match.group(4)
        if tag is None and entity is None:
            raise HtmlError(f"Bad Request: can't parse entities: unsupported start tag at byte offset {match.start()}")
        if entity is not None:
            char = html.unescape(match.group(0))
            plain.append(char)
            offset += utf16_len(char)
            continue
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            raise HtmlError(f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        if closing:
            if not open_tags or open_tags[-1][0] != tag:
                raise HtmlError(f"Bad Request: can't parse entities: unexpected end tag \"{tag}\"")
            name, start, attributes = open_tags.pop()
            if offset > start:
                entities.append({"type": ALLOWED_TAGS[name], "offset": start, "length": offset - start, **attributes})
        else:
            extra: dict = {}
            if tag == "a":
                href = re.search(r'href\s*=\s*"([^"]*)"', attrs)
                if not href:
                    raise HtmlError("Bad Request: can't parse entities: <a> without href")
                extra["url"] = html.unescape(href.group(1))
            open_tags.append((tag, offset, extra))
    if open_tags:
        raise HtmlError("Bad Request: can't parse entities: can't find end tag corresponding to "
                        f"\"{open_tags[-1][0]}\"")
    plain.append(source[position:])
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities
