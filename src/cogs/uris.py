"""Minting URIs: pure functions from ids and codes to `base + path` (see docs/uris.md)."""

from __future__ import annotations

from urllib.parse import quote

# RFC 6570 simple string expansion keeps only the unreserved characters.
_UNRESERVED = "-._~"

SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_CONCEPT = "http://purl.org/linked-data/sdmx/2009/concept#"
QB = "http://purl.org/linked-data/cube#"
REF_TIME = "http://reference.data.gov.uk/id/"
GSS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"


def segment(code: str) -> str:
    """A code as a URI path segment: RFC 6570 `{code}` expansion (percent-encode non-unreserved)."""
    return quote(code, safe=_UNRESERVED)


def unsafe_segment_reason(code: str) -> str | None:
    """Why a code cannot be a folder of the site, or None when it can."""
    if code == "":
        return "it is empty"
    if code in {".", ".."}:
        return f"{code!r} is a relative path"
    if "/" in code or "\\" in code:
        return "it contains a slash"
    if any(ord(ch) < 32 for ch in code):
        return "it contains a control character"
    return None


class Minter:
    """Mints every URI of one site from its base URI."""

    def __init__(self, base: str) -> None:
        self.base = base

    def catalog(self) -> str:
        return self.base

    def family(self, family: str) -> str:
        return f"{self.base}{family}/"

    def dataset(self, family: str, dataset: str) -> str:
        return f"{self.base}{family}/{dataset}/"

    def structure(self, family: str, dataset: str) -> str:
        return f"{self.dataset(family, dataset)}#structure"

    def component_spec(self, family: str, dataset: str, component: str) -> str:
        return f"{self.dataset(family, dataset)}#component/{component}"

    def observation_prefix(self, family: str, dataset: str) -> str:
        return f"{self.dataset(family, dataset)}#obs/"

    def scope(self, family: str, dataset: str | None) -> str:
        """The URI prefix of things declared in a family (dataset None) or a dataset."""
        return self.family(family) if dataset is None else self.dataset(family, dataset)

    def property(self, scope: str, kind: str, id: str) -> str:
        return f"{scope}{kind}/{id}/"

    def codelist(self, scope: str, id: str) -> str:
        return f"{scope}codelist/{id}/"

    def unit(self, scope: str, id: str) -> str:
        return f"{scope}unit/{id}/"

    def reference_codelist(self, id: str) -> str:
        return f"{self.base}ref/codelist/{id}/"

    def code(self, codelist_uri: str, code: str) -> str:
        return f"{codelist_uri}{segment(code)}/"

    def path_of(self, uri: str) -> str | None:
        """The site path (relative to the base, fragment dropped) of a minted URI, else None."""
        if not uri.startswith(self.base):
            return None
        return uri[len(self.base):].split("#", 1)[0]
