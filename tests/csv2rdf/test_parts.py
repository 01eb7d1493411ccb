"""The converter's parts, against the examples of the specifications they implement."""

from __future__ import annotations

import pytest

from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf import uritemplate

# RFC 6570 section 3.2 examples (level 4)
VALUES: dict[str, str | list[str] | None] = {
    "var": "value", "hello": "Hello World!", "path": "/foo/bar", "empty": "", "list": ["red", "green", "blue"],
    "x": "1024", "y": "768", "undef": None,
}


@pytest.mark.parametrize(("template", "expected"), [
    ("{var}", "value"),
    ("{hello}", "Hello%20World%21"),
    ("{+hello}", "Hello%20World!"),
    ("{+path}/here", "/foo/bar/here"),
    ("{#hello}", "#Hello%20World!"),
    ("X{.var}", "X.value"),
    ("{/var,x}/here", "/value/1024/here"),
    ("{;x,y,empty}", ";x=1024;y=768;empty"),
    ("{?x,y,empty}", "?x=1024&y=768&empty="),
    ("?fixed=yes{&x}", "?fixed=yes&x=1024"),
    ("{var:3}", "val"),
    ("{list}", "red,green,blue"),
    ("{/list*}", "/red/green/blue"),
    ("{?list*}", "?list=red&list=green&list=blue"),
    ("{undef}{?undef}", ""),
    ("{x,undef,y}", "1024,768"),
])
def test_rfc6570_examples(template: str, expected: str) -> None:
    assert uritemplate.parse(template).expand(VALUES) == expected


def test_bad_template_is_an_error() -> None:
    with pytest.raises(uritemplate.TemplateError):
        uritemplate.parse("{unclosed")


def _parse(text: str, base: str, fmt: object = None) -> tuple[str, str | None]:
    dt = dts.Datatype(base=base, iri=dts.BUILTINS[base][0], format=fmt)
    warnings: list[str] = []
    dts.prepare(dt, warnings)
    assert not warnings
    literal, error = dts.parse_cell_value(text, dt, None)
    return literal.lexical, error


@pytest.mark.parametrize(("text", "base", "fmt", "lexical"), [
    ("1,234,567", "integer", {"pattern": "#,##0"}, "1234567"),
    ("12,34,567", "integer", {"pattern": "#,##,#00"}, "1234567"),
    ("1.234,5", "decimal", {"decimalChar": ",", "groupChar": "."}, "1234.5"),
    ("50%", "decimal", None, "0.5"),
    ("10/18/2010", "date", "M/d/yyyy", "2010-10-18"),
    ("15-3-2015 1502 Z", "dateTime", "d-M-yyyy HHmm X", "2015-03-15T15:02:00Z"),
    ("1502 +0800", "time", "HHmm XX", "15:02:00+08:00"),
    ("Y", "boolean", "Y|N", "true"),
])
def test_formats(text: str, base: str, fmt: object, lexical: str) -> None:
    assert _parse(text, base, fmt) == (lexical, None)


@pytest.mark.parametrize(("text", "base", "fmt"), [
    ("1234", "integer", {"pattern": "#,#00"}),  # grouping required
    ("12.345", "decimal", {"pattern": "#0.0#"}),  # too many decimals
    ("2015-02-30", "date", None),
    ("256", "unsignedByte", None),
    ("1e3", "decimal", None),
    ("maybe", "boolean", "Y|N"),
])
def test_values_that_do_not_fit_are_errors(text: str, base: str, fmt: object) -> None:
    lexical, error = _parse(text, base, fmt)
    assert error is not None
    assert lexical == text  # output as the original string
