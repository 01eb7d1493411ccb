"""CSVW datatypes: the built-in types, their lexical spaces, formats and constraints.

`parse_cell_value` turns one (already normalised, non-null) string into a `Literal` or an error
message; it is the reference path that the vectorised converter is tested against.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CSVW = "http://www.w3.org/ns/csvw#"

# name -> (IRI, parent name)
BUILTINS: dict[str, tuple[str, str | None]] = {
    "anyAtomicType": (XSD + "anyAtomicType", None),
    "string": (XSD + "string", "anyAtomicType"),
    "normalizedString": (XSD + "normalizedString", "string"),
    "token": (XSD + "token", "normalizedString"),
    "language": (XSD + "language", "token"),
    "Name": (XSD + "Name", "token"),
    "NCName": (XSD + "NCName", "Name"),
    "NMTOKEN": (XSD + "NMTOKEN", "token"),
    "xml": (RDF + "XMLLiteral", "string"),
    "html": (RDF + "HTML", "string"),
    "json": (CSVW + "JSON", "string"),
    "anyURI": (XSD + "anyURI", "anyAtomicType"),
    "base64Binary": (XSD + "base64Binary", "anyAtomicType"),
    "binary": (XSD + "base64Binary", "anyAtomicType"),
    "hexBinary": (XSD + "hexBinary", "anyAtomicType"),
    "QName": (XSD + "QName", "anyAtomicType"),
    "boolean": (XSD + "boolean", "anyAtomicType"),
    "decimal": (XSD + "decimal", "anyAtomicType"),
    "integer": (XSD + "integer", "decimal"),
    "long": (XSD + "long", "integer"),
    "int": (XSD + "int", "long"),
    "short": (XSD + "short", "int"),
    "byte": (XSD + "byte", "short"),
    "nonNegativeInteger": (XSD + "nonNegativeInteger", "integer"),
    "positiveInteger": (XSD + "positiveInteger", "nonNegativeInteger"),
    "unsignedLong": (XSD + "unsignedLong", "nonNegativeInteger"),
    "unsignedInt": (XSD + "unsignedInt", "unsignedLong"),
    "unsignedShort": (XSD + "unsignedShort", "unsignedInt"),
    "unsignedByte": (XSD + "unsignedByte", "unsignedShort"),
    "nonPositiveInteger": (XSD + "nonPositiveInteger", "integer"),
    "negativeInteger": (XSD + "negativeInteger", "nonPositiveInteger"),
    "double": (XSD + "double", "anyAtomicType"),
    "number": (XSD + "double", "anyAtomicType"),
    "float": (XSD + "float", "anyAtomicType"),
    "date": (XSD + "date", "anyAtomicType"),
    "dateTime": (XSD + "dateTime", "anyAtomicType"),
    "datetime": (XSD + "dateTime", "anyAtomicType"),
    "dateTimeStamp": (XSD + "dateTimeStamp", "dateTime"),
    "time": (XSD + "time", "anyAtomicType"),
    "gYear": (XSD + "gYear", "anyAtomicType"),
    "gYearMonth": (XSD + "gYearMonth", "anyAtomicType"),
    "gMonth": (XSD + "gMonth", "anyAtomicType"),
    "gMonthDay": (XSD + "gMonthDay", "anyAtomicType"),
    "gDay": (XSD + "gDay", "anyAtomicType"),
    "duration": (XSD + "duration", "anyAtomicType"),
    "dayTimeDuration": (XSD + "dayTimeDuration", "duration"),
    "yearMonthDuration": (XSD + "yearMonthDuration", "duration"),
}
IRI_TO_NAME = {iri: name for name, (iri, _) in reversed(list(BUILTINS.items()))}

INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
}
NUMERIC = set(INTEGER_RANGES) | {"decimal", "double", "number", "float"}
DATETIME = {"date", "dateTime", "datetime", "dateTimeStamp", "time", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay"}
DURATION = {"duration", "dayTimeDuration", "yearMonthDuration"}
STRINGLIKE = {"string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN", "xml", "html", "json", "anyAtomicType"}
BINARY = {"base64Binary", "binary", "hexBinary"}
NO_TRIM = {"string", "json", "xml", "html", "anyAtomicType"}


def is_a(name: str, ancestor: str) -> bool:
    current: str | None = name
    while current is not None:
        if current == ancestor:
            return True
        current = BUILTINS.get(current, ("", None))[1]
    return False


@dataclass(frozen=True)
class Literal:
    """An RDF literal: datatype None means a plain string (with `lang` when tagged)."""

    lexical: str
    datatype: str | None = None
    lang: str | None = None
    native: Any = field(default=None, compare=False, hash=False)


@dataclass
class NumberFormat:
    pattern: str | None = None
    decimal_char: str = "."
    group_char: str | None = None
    regex: re.Pattern[str] | None = None


@dataclass
class Datatype:
    """A resolved datatype description (the `datatype` annotation of a column)."""

    base: str = "string"
    iri: str = XSD + "string"
    format: Any = None  # str, NumberFormat, or a compiled matcher, after `prepare`
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_inclusive: Any = None
    max_inclusive: Any = None
    min_exclusive: Any = None
    max_exclusive: Any = None
    raw: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- lexical spaces

_TZ = r"(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
LEXICAL: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}$"),
    "dateTime": re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T{_TIME}{_TZ}$"),
    "dateTimeStamp": re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T{_TIME}(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$"),
    "time": re.compile(rf"^{_TIME}{_TZ}$"),
    "gYear": re.compile(rf"^{_YEAR}{_TZ}$"),
    "gYearMonth": re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2]){_TZ}$"),
    "gMonth": re.compile(rf"^--(0[1-9]|1[0-2]){_TZ}$"),
    "gMonthDay": re.compile(rf"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}$"),
    "gDay": re.compile(rf"^---(0[1-9]|[12]\d|3[01]){_TZ}$"),
    "duration": re.compile(r"^-?P(?=.)(\d+Y)?(\d+M)?(\d+D)?(T(?=.)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"),
    "dayTimeDuration": re.compile(r"^-?P(?=.)(\d+D)?(T(?=.)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"),
    "yearMonthDuration": re.compile(r"^-?P(?=.)(\d+Y)?(\d+M)?$"),
    "boolean": re.compile(r"^(true|false|1|0)$"),
    "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    "integer": re.compile(r"^[+-]?\d+$"),
    "double": re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$"),
    "hexBinary": re.compile(r"^([0-9a-fA-F]{2})*$"),
    "base64Binary": re.compile(r"^[A-Za-z0-9+/=\s]*$"),
    "language": re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"),
    "Name": re.compile(r"^[A-Za-z_:][\w.\-:]*$"),
    "NCName": re.compile(r"^[A-Za-z_][\w.\-]*$"),
    "NMTOKEN": re.compile(r"^[\w.\-:]+$"),
    "QName": re.compile(r"^([A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*$"),
}
LEXICAL["datetime"] = LEXICAL["dateTime"]


def _date_native(base: str, text: str) -> Any:
    """A comparable value for date/time constraints (timezone-naive values compare as UTC)."""
    tz = dt.UTC
    m = re.search(r"(Z|[+-]\d{2}:\d{2})$", text)
    body = text
    if m:
        body = text[: m.start()]
        if m.group(1) != "Z":
            sign = 1 if m.group(1)[0] == "+" else -1
            hh, mm = m.group(1)[1:].split(":")
            tz = dt.timezone(sign * dt.timedelta(hours=int(hh), minutes=int(mm)))
    try:
        if base == "date":
            d = dt.date.fromisoformat(body)
            return dt.datetime(d.year, d.month, d.day, tzinfo=tz)
        if base in {"dateTime", "datetime", "dateTimeStamp"}:
            if body.endswith("T24:00:00"):
                body = body[:-8] + "23:59:59.999999"
            frac = re.search(r"\.(\d+)$", body)
            if frac and len(frac.group(1)) > 6:
                body = body[: frac.start()] + "." + frac.group(1)[:6]
            return dt.datetime.fromisoformat(body).replace(tzinfo=tz)
        if base == "time":
            frac = re.search(r"\.(\d+)$", body)
            if frac and len(frac.group(1)) > 6:
                body = body[: frac.start()] + "." + frac.group(1)[:6]
            t = dt.time.fromisoformat(body.replace("24:00:00", "00:00:00"))
            return dt.datetime.combine(dt.date(2000, 1, 1), t, tzinfo=tz)
    except ValueError:
        return None
    return body


# ---------------------------------------------------------------- numbers


def compile_number_pattern(pattern: str, group: str | None, decimal: str) -> re.Pattern[str] | None:
    """A regular expression for an LDML number pattern as CSVW restricts it; None if invalid."""
    g = re.escape(group or ",")
    d = re.escape(decimal)
    m = re.fullmatch(r"([+\-%‰]*)([#0,]*)(?:\.([#0,]*))?(?:E([+\-]?)([#0]+))?([%‰]*)", pattern.replace(group or ",", ",").replace(decimal, "."))
    if not m or not (m.group(2) or m.group(3)):
        return None
    prefix, integer, fraction, _exp_sign, exponent, suffix = m.groups()
    if re.search(r"0#", integer.replace(",", "")) or ",," in integer or integer.endswith(","):
        return None
    if fraction is not None and (re.search(r"#0", fraction.replace(",", "")) or ",," in fraction):
        return None
    sign = r"[+-]?"
    pre = "".join(re.escape(c) for c in prefix if c in "%‰")
    suf = "".join(re.escape(c) for c in suffix)
    # integer part
    groups = integer.split(",")
    min_int = integer.count("0")
    if len(groups) > 1:
        primary = len(groups[-1])
        secondary = len(groups[-2]) if len(groups) > 2 else primary
        if primary == 0 or secondary == 0:
            return None
        # digits as groups: leading 1..secondary digits, then secondary groups, then primary
        lead = rf"\d{{1,{secondary}}}(?:{g}\d{{{secondary}}})*{g}\d{{{primary}}}"
        short = rf"\d{{{max(min_int, 1) if min_int <= primary else primary},{primary}}}"
        if min_int > primary:
            int_re = lead
        else:
            int_re = rf"(?:{lead}|{short})"
    else:
        int_re = rf"\d{{{min_int},}}" if min_int else r"\d*"
    frac_re = ""
    if fraction is not None:
        fgroups = fraction.split(",")
        min_frac = fraction.count("0")
        max_frac = len(fraction.replace(",", ""))
        if len(fgroups) > 1:
            size = len(fgroups[0])
            alts = []
            for n in range(min_frac, max_frac + 1):
                if n == 0:
                    alts.append("")
                    continue
                full, rest = divmod(n, size)
                chunks = [rf"\d{{{size}}}"] * full + ([rf"\d{{{rest}}}"] if rest else [])
                alts.append(g.join(chunks))
            body = "|".join(f"(?:{a})" for a in alts)
        else:
            body = rf"\d{{{min_frac},{max_frac}}}"
        frac_re = rf"(?:{d}(?:{body}))" + ("?" if min_frac == 0 else "")
    exp_re = ""
    if exponent:
        exp_re = rf"E[+-]?\d{{{exponent.count('0') or 1},}}"
    return re.compile(rf"^{pre}{sign}{int_re}{frac_re}{exp_re}{suf}$")


def _parse_number(text: str, base: str, fmt: NumberFormat | None) -> tuple[str, Any] | None:
    """Lexical form and native value of a number, or None if `text` is not one."""
    decimal = fmt.decimal_char if fmt else "."
    group = fmt.group_char if fmt else None
    if fmt is not None and fmt.regex is not None:
        if not fmt.regex.match(text):
            return None
        group = group or ","
    if text in {"NaN", "INF", "-INF"}:
        if base in {"double", "number", "float"}:
            return text, float(text.replace("INF", "inf"))
        return None
    scale = Decimal(1)
    body = text
    for mark, factor in (("%", Decimal(100)), ("‰", Decimal(1000))):
        if body.startswith(mark) or body.endswith(mark):
            body = body.strip(mark)
            scale = factor
            if mark in body:
                return None
    if group:
        if (group * 2) in body or body.startswith(group) or body.endswith(group):
            return None
        body = body.replace(group, "")
    if decimal != ".":
        if "." in body:
            return None
        body = body.replace(decimal, ".")
    if base in {"double", "number", "float"}:
        if not LEXICAL["double"].match(body):
            return None
    elif base == "decimal":
        if not LEXICAL["decimal"].match(body):
            return None
    elif not LEXICAL["integer"].match(body):
        return None
    try:
        value = Decimal(body)
    except InvalidOperation:
        return None
    if scale != 1:
        value = value / scale
        lexical = format(value, "f")
        if base not in {"double", "number", "float", "decimal"}:
            if value != value.to_integral_value():
                return None
            lexical = str(int(value))
    elif body != text or "E" in body:
        lexical = body.replace("E", "e")
    else:
        lexical = text
    if base in INTEGER_RANGES:
        ivalue = int(value)
        lo, hi = INTEGER_RANGES[base]
        if (lo is not None and ivalue < lo) or (hi is not None and ivalue > hi):
            return None
        return lexical, ivalue
    if base in {"double", "number", "float"}:
        return lexical, float(value)
    return lexical, value


# ---------------------------------------------------------------- dates with formats

_DATE_FORMATS = {
    "yyyy-MM-dd", "yyyyMMdd", "dd-MM-yyyy", "d-M-yyyy", "MM-dd-yyyy", "M-d-yyyy", "dd/MM/yyyy",
    "d/M/yyyy", "MM/dd/yyyy", "M/d/yyyy", "dd.MM.yyyy", "d.M.yyyy", "MM.dd.yyyy", "M.d.yyyy",
}
_TIME_FORMAT = re.compile(r"^(HH:mm:ss(\.S+)?|HHmmss|HH:mm|HHmm)$")
_TZ_FORMAT = re.compile(r"^(.*?)( ?)(X{1,3}|x{1,3})$")


@dataclass
class DateFormat:
    regex: re.Pattern[str]
    has_date: bool
    has_time: bool


def compile_date_format(base: str, fmt: str) -> DateFormat | None:
    body, space, tz = fmt, "", ""
    m = _TZ_FORMAT.match(fmt)
    if m and base in {"date", "time", "dateTime", "datetime", "dateTimeStamp"}:
        body, space, tz = m.group(1), m.group(2), m.group(3)
    date_part: str | None = None
    time_part: str | None = None
    if base == "date":
        date_part = body
    elif base == "time":
        time_part = body
    elif base in {"dateTime", "datetime", "dateTimeStamp"}:
        mm = re.match(r"^(.+?)[T ](HH.*)$", body)
        if not mm:
            return None
        date_part, time_part = mm.group(1), mm.group(2)
        sep_char = body[len(date_part)]
    else:
        return None
    if date_part is not None and date_part not in _DATE_FORMATS:
        return None
    if time_part is not None and not _TIME_FORMAT.match(time_part):
        return None
    regex = ""
    if date_part is not None:
        tokens = {"yyyy": r"(?P<y>\d{4})", "MM": r"(?P<m>\d{2})", "M": r"(?P<m>\d{1,2})", "dd": r"(?P<d>\d{2})", "d": r"(?P<d>\d{1,2})"}
        regex += "".join(tokens.get(t, re.escape(t)) for t in re.findall(r"yyyy|MM|M|dd|d|.", date_part))
    if time_part is not None:
        if date_part is not None:
            regex += re.escape(sep_char)
        tokens = {"HH": r"(?P<H>\d{2})", "mm": r"(?P<M>\d{2})", "ss": r"(?P<S>\d{2})"}
        for t in re.findall(r"HH|mm|ss|S+|.", time_part):
            if t.startswith("S") and t != "ss":
                regex += rf"(?P<f>\d{{1,{len(t)}}})"
            else:
                regex += tokens.get(t, re.escape(t))
    if tz:
        zulu = "Z|" if tz[0] == "X" else ""
        shape = {1: r"[+-]\d{2}(?:\d{2})?", 2: r"[+-]\d{4}", 3: r"[+-]\d{2}:\d{2}"}[len(tz)]
        regex += re.escape(space) + ("?" if space else "") + rf"(?P<z>{zulu}{shape})"
    return DateFormat(re.compile(f"^{regex}$"), date_part is not None, time_part is not None)


def _apply_date_format(base: str, fmt: DateFormat, text: str) -> str | None:
    m = fmt.regex.match(text)
    if not m:
        return None
    g = m.groupdict()
    out = ""
    if fmt.has_date:
        out = f"{g['y']}-{int(g['m']):02d}-{int(g['d']):02d}"
    if fmt.has_time:
        t = f"{g['H']}:{g['M']}:{g.get('S') or '00'}"
        if g.get("f"):
            t += "." + g["f"]
        out = f"{out}T{t}" if fmt.has_date else t
    z = g.get("z")
    if z:
        if z != "Z":
            z = z.replace(":", "")
            z = f"{z[:3]}:{z[3:5] or '00'}"
        out += z
    return out


# ---------------------------------------------------------------- the cell parser


def prepare(datatype: Datatype, warn: list[str]) -> None:
    """Compile `datatype.format` for its base, warning about (and dropping) invalid formats."""
    fmt = datatype.format
    if fmt is None:
        return
    base = datatype.base
    if base in NUMERIC:
        if isinstance(fmt, str):
            fmt = {"pattern": fmt}
        if not isinstance(fmt, dict):
            warn.append(f"ignoring invalid number format {fmt!r}")
            datatype.format = None
            return
        nf = NumberFormat(
            pattern=fmt.get("pattern") if isinstance(fmt.get("pattern"), str) else None,
            decimal_char=fmt.get("decimalChar", ".") if isinstance(fmt.get("decimalChar", "."), str) else ".",
            group_char=fmt.get("groupChar") if isinstance(fmt.get("groupChar"), str) else None,
        )
        if nf.pattern is not None:
            nf.regex = compile_number_pattern(nf.pattern, nf.group_char, nf.decimal_char)
            if nf.regex is None:
                warn.append(f"ignoring invalid number pattern {nf.pattern!r}")
                nf.pattern = None
        datatype.format = nf
    elif base == "boolean":
        if isinstance(fmt, str) and re.fullmatch(r"[^|]+\|[^|]+", fmt):
            datatype.format = tuple(fmt.split("|"))
        else:
            warn.append(f"ignoring invalid boolean format {fmt!r}")
            datatype.format = None
    elif base in DATETIME:
        compiled = compile_date_format(base, fmt) if isinstance(fmt, str) else None
        if compiled is None:
            warn.append(f"ignoring invalid date/time format {fmt!r}")
        datatype.format = compiled
    else:
        if not isinstance(fmt, str):
            warn.append(f"ignoring invalid format {fmt!r}")
            datatype.format = None
            return
        try:
            datatype.format = re.compile(fmt)
        except re.error:
            warn.append(f"ignoring invalid regular expression format {fmt!r}")
            datatype.format = None


def parse_bound(datatype: Datatype, value: Any) -> Any:
    """The native value of a constraint bound (minimum, maxExclusive, ...) or None."""
    base = datatype.base
    text = value if isinstance(value, str) else json.dumps(value)
    if base in NUMERIC:
        parsed = _parse_number(text, "double" if base in {"double", "number", "float"} else "decimal", None)
        return None if parsed is None else (Decimal(str(parsed[1])) if not isinstance(parsed[1], float) else parsed[1])
    if base in DATETIME and LEXICAL[base].match(text):
        return _date_native(base, text)
    if base in DURATION:
        return text
    return None


def _compare(a: Any, b: Any) -> int | None:
    try:
        if isinstance(a, float) or isinstance(b, float):
            fa, fb = float(a), float(b)
            return int(fa > fb) - int(fa < fb)
        return int(a > b) - int(a < b)
    except TypeError:
        return None


def parse_cell_value(text: str, datatype: Datatype, lang: str | None) -> tuple[Literal, str | None]:
    """Parse one non-null value; returns the literal and an error message (None when valid).

    An invalid value comes back as a plain string literal, as the tabular model requires."""
    base = datatype.base
    invalid = Literal(text)
    native: Any = text
    lexical = text
    if base in NUMERIC:
        fmt = datatype.format if isinstance(datatype.format, NumberFormat) else None
        parsed = _parse_number(text, base, fmt)
        if parsed is None:
            return invalid, f"{text!r} is not a valid {base}"
        lexical, native = parsed
    elif base == "boolean":
        if isinstance(datatype.format, tuple):
            if text == datatype.format[0]:
                lexical, native = "true", True
            elif text == datatype.format[1]:
                lexical, native = "false", False
            else:
                return invalid, f"{text!r} is not one of {'|'.join(datatype.format)}"
        elif not LEXICAL["boolean"].match(text):
            return invalid, f"{text!r} is not a valid boolean"
        else:
            native = text in {"true", "1"}
    elif base in DATETIME:
        if isinstance(datatype.format, DateFormat):
            converted = _apply_date_format(base, datatype.format, text)
            if converted is None:
                return invalid, f"{text!r} does not match the date/time format"
            lexical = converted
        if not LEXICAL[base].match(lexical):
            return invalid, f"{text!r} is not a valid {base}"
        native = _date_native(base, lexical)
        if native is None:
            return invalid, f"{text!r} is not a valid {base}"
    elif base in DURATION:
        if not LEXICAL[base].match(text):
            return invalid, f"{text!r} is not a valid {base}"
        if isinstance(datatype.format, re.Pattern) and not datatype.format.search(text):
            return invalid, f"{text!r} does not match the format {datatype.format.pattern!r}"
    else:
        if base in LEXICAL and not LEXICAL[base].match(text):
            return invalid, f"{text!r} is not a valid {base}"
        if base == "json":
            try:
                json.loads(text)
            except ValueError:
                return invalid, f"{text!r} is not valid JSON"
        if base in {"base64Binary", "binary"}:
            try:
                native = base64.b64decode(text, validate=False)
            except (binascii.Error, ValueError):
                return invalid, f"{text!r} is not valid base64"
        elif base == "hexBinary":
            native = bytes.fromhex(text)
        if isinstance(datatype.format, re.Pattern) and not datatype.format.fullmatch(text):
            return invalid, f"{text!r} does not match the format {datatype.format.pattern!r}"
    # length constraints
    if base in STRINGLIKE or base in BINARY or base == "anyURI" or base == "QName":
        size = len(native) if isinstance(native, bytes) else len(text)
        if datatype.length is not None and size != datatype.length:
            return invalid, f"{text!r} does not have length {datatype.length}"
        if datatype.min_length is not None and size < datatype.min_length:
            return invalid, f"{text!r} is shorter than minLength {datatype.min_length}"
        if datatype.max_length is not None and size > datatype.max_length:
            return invalid, f"{text!r} is longer than maxLength {datatype.max_length}"
    # value constraints
    checks: tuple[tuple[Any, Callable[[int], bool], str], ...] = (
        (datatype.min_inclusive, lambda c: c >= 0, "minimum"),
        (datatype.max_inclusive, lambda c: c <= 0, "maximum"),
        (datatype.min_exclusive, lambda c: c > 0, "minExclusive"),
        (datatype.max_exclusive, lambda c: c < 0, "maxExclusive"),
    )
    for bound, ok, name in checks:
        if bound is not None:
            if isinstance(native, float) and math.isnan(native):
                return invalid, f"{text!r} is not comparable with {name}"
            c = _compare(native, bound)
            if c is None or not ok(c):
                return invalid, f"{text!r} fails the {name} constraint"
    if base in STRINGLIKE and base not in {"json", "xml", "html"} and datatype.iri == XSD + "string" and base == "string":
        return Literal(lexical, None, lang, native), None
    if base == "string":
        return Literal(lexical, datatype.iri if datatype.iri != XSD + "string" else None, None if datatype.iri != XSD + "string" else lang, native), None
    return Literal(lexical, datatype.iri, None, native), None


def normalise(text: str, base: str) -> str:
    """Whitespace handling the tabular model applies before parsing a cell."""
    if base not in NO_TRIM:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        if base != "normalizedString":
            text = re.sub(r" +", " ", text.strip(" "))
    return text


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
