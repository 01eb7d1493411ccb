"""URI templates (RFC 6570, level 4) as CSVW uses them for aboutUrl, propertyUrl and valueUrl.

A template is parsed once into literal parts and expressions; expansion takes a mapping from
variable name to a value that is None (undefined), a string, or a list of strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

_OPERATORS = "+#./;?&"
_VARSPEC = re.compile(r"^((?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*)(\*|:[1-9][0-9]{0,3})?$")
_UNRESERVED = "-._~"
_RESERVED = ":/?#[]@!$&'()*+,;="

Value = str | list[str] | None


class TemplateError(ValueError):
    """A template that does not follow RFC 6570."""


@dataclass(frozen=True)
class VarSpec:
    name: str
    explode: bool
    prefix: int | None


@dataclass(frozen=True)
class Expression:
    operator: str
    variables: tuple[VarSpec, ...]


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Expression, ...]

    @property
    def variable_names(self) -> list[str]:
        return [v.name for p in self.parts if isinstance(p, Expression) for v in p.variables]

    def expand(self, values: dict[str, Value]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(_expand_expression(part, values))
        return "".join(out)


def parse(source: str) -> Template:
    parts: list[str | Expression] = []
    pos = 0
    while pos < len(source):
        start = source.find("{", pos)
        if start < 0:
            parts.append(source[pos:])
            break
        if start > pos:
            parts.append(source[pos:start])
        end = source.find("}", start)
        if end < 0:
            raise TemplateError(f"unclosed expression in URI template {source!r}")
        body = source[start + 1 : end]
        operator = ""
        if body[:1] in _OPERATORS:
            operator, body = body[0], body[1:]
        specs: list[VarSpec] = []
        for raw in body.split(","):
            m = _VARSPEC.match(raw)
            if not m:
                raise TemplateError(f"bad variable {raw!r} in URI template {source!r}")
            mod = m.group(2) or ""
            specs.append(VarSpec(m.group(1), mod == "*", int(mod[1:]) if mod.startswith(":") else None))
        parts.append(Expression(operator, tuple(specs)))
        pos = end + 1
    if any(isinstance(p, str) and "}" in p for p in parts):
        raise TemplateError(f"unmatched '}}' in URI template {source!r}")
    return Template(source, tuple(parts))


def _encode(text: str, allow_reserved: bool) -> str:
    if allow_reserved:
        # Keep reserved characters and existing percent-escapes.
        out = []
        for piece in re.split(r"(%[0-9A-Fa-f]{2})", text):
            if re.fullmatch(r"%[0-9A-Fa-f]{2}", piece):
                out.append(piece)
            else:
                out.append(quote(piece, safe=_UNRESERVED + _RESERVED))
        return "".join(out)
    return quote(text, safe=_UNRESERVED)


def _expand_expression(expr: Expression, values: dict[str, Value]) -> str:
    op = expr.operator
    first = {"": "", "+": "", "#": "#", ".": ".", "/": "/", ";": ";", "?": "?", "&": "&"}[op]
    sep = {"": ",", "+": ",", "#": ",", ".": ".", "/": "/", ";": ";", "?": "&", "&": "&"}[op]
    named = op != "" and op in ";?&"
    ifemp = "=" if op != "" and op in "?&" else ""
    allow = op != "" and op in "+#"
    pieces: list[str] = []
    for var in expr.variables:
        value = values.get(var.name)
        if value is None:
            continue
        if isinstance(value, str):
            text = value[: var.prefix] if var.prefix is not None else value
            enc = _encode(text, allow)
            if named:
                pieces.append(var.name + (("=" + enc) if text else ifemp))
            else:
                pieces.append(enc)
            continue
        items = [v for v in value if v is not None]
        if not items:
            continue
        if var.explode:
            if named:
                pieces.append(sep.join(var.name + (("=" + _encode(v, allow)) if v else ifemp) for v in items))
            else:
                pieces.append(sep.join(_encode(v, allow) for v in items))
        else:
            joined = ",".join(_encode(v, allow) for v in items)
            pieces.append((var.name + "=" + joined) if named else joined)
    if not pieces:
        return ""
    return first + sep.join(pieces)
