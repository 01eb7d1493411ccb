"""JSON parsed with the position of every key, so problems point at `file:line:column`."""

from __future__ import annotations

import json
import re
from typing import Any


class JsonError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_json(text: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """Parse JSON, also returning the offset where each object key (by key path) is written."""
    positions: dict[tuple[str, ...], int] = {}
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")

    def skip(i: int) -> int:
        found = ws.match(text, i)
        return found.end() if found else i

    def value(i: int, path: tuple[str, ...]) -> tuple[Any, int]:
        i = skip(i)
        if i >= len(text):
            raise JsonError("unexpected end of the file", i)
        ch = text[i]
        if ch == "{":
            out: dict[str, Any] = {}
            i = skip(i + 1)
            if text.startswith("}", i):
                return out, i + 1
            while True:
                i = skip(i)
                if not text.startswith('"', i):
                    raise JsonError("expected a quoted key", i)
                key, end = decoder.raw_decode(text, i)
                positions[path + (key,)] = i
                i = skip(end)
                if not text.startswith(":", i):
                    raise JsonError("expected ':' after a key", i)
                out[key], i = value(i + 1, path + (key,))
                i = skip(i)
                if text.startswith(",", i):
                    i += 1
                    continue
                if text.startswith("}", i):
                    return out, i + 1
                raise JsonError("expected ',' or '}'", i)
        if ch == "[":
            items: list[Any] = []
            i = skip(i + 1)
            if text.startswith("]", i):
                return items, i + 1
            while True:
                item, i = value(i, path + (str(len(items)),))
                items.append(item)
                i = skip(i)
                if text.startswith(",", i):
                    i += 1
                    continue
                if text.startswith("]", i):
                    return items, i + 1
                raise JsonError("expected ',' or ']'", i)
        try:
            return decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise JsonError(exc.msg, exc.pos) from None

    try:
        data, end = value(0, ())
    except RecursionError:
        raise JsonError("nested too deeply", 0) from None
    if skip(end) != len(text):
        raise JsonError("extra text after the JSON value", skip(end))
    return data, positions


def line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
