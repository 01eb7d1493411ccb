"""A small HTML tree for tests that check pages by structure (the standard library's parser only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        def matches(e: Element) -> bool:
            if tag is not None and e.tag != tag:
                return False
            for name, value in attrs.items():
                name = name.replace("_", "-")
                if value is True:
                    if name not in e.attrs:
                        return False
                elif e.attrs.get(name) != value:
                    return False
            return True
        return [e for e in self.walk() if e is not self and matches(e)]

    def find(self, tag: str | None = None, **attrs: str | bool) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> in <{self.tag} {self.attrs}>"
        return found[0]

    @property
    def text(self) -> str:
        """The text a reader sees, spaces collapsed (visually hidden text included)."""
        parts: list[str] = []

        def collect(e: Element) -> None:
            for child in e.children:
                parts.append(child) if isinstance(child, str) else collect(child)
        collect(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def visible_text(self) -> str:
        """The text without visually hidden and aria-hidden parts."""
        def skip(e: Element) -> bool:
            return "govuk-visually-hidden" in e.attrs.get("class", "").split() or e.attrs.get("aria-hidden") == "true"
        parts: list[str] = []

        def collect(e: Element) -> None:
            for child in e.children:
                if isinstance(child, str):
                    parts.append(child)
                elif not skip(child):
                    collect(child)
        collect(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def links(self) -> list[tuple[str, str]]:
        return [(a.attrs.get("href", ""), a.visible_text()) for a in self.find_all("a")]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(path: Path) -> Element:
    builder = _Builder()
    builder.feed(path.read_text("utf-8"))
    return builder.root
