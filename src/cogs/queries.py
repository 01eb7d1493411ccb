"""Example SPARQL queries for a dataset and for the whole catalogue, and the SPARQL page.

Each dataset page shows `example_queries(dataset_uri)`; the SPARQL page offers
`catalogue_queries(...)`. The queries rely only on the RDF Data Cube, DCAT and SKOS terms every
build writes, so they run on the embedded endpoint (`cogs serve`) and on any store the build is
published to. Without `GRAPH` they see the union of all graphs (the endpoint's default graph); the one that
counts codes reads the dataset's own named graph (graph IRI = dataset URI), which is much faster
than joining every observation to the dataset on a large cube.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# In a checkout, src/cogs/ -> the repository root (where `npm ci` puts node_modules/) is two up.
CHECKOUT = Path(__file__).resolve().parents[2]
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")

PREFIXES = {
    "qb": "http://purl.org/linked-data/cube#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
}


def _prefixes(*names: str) -> str:
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


def _iri(uri: str) -> str:
    if any(ch in uri for ch in '<>"{}|^`\\ \n\t'):
        raise ValueError(f"not an IRI that can be written in SPARQL: {uri!r}")
    return f"<{uri}>"


def example_queries(dataset_uri: str) -> list[tuple[str, str]]:
    """Example queries for one dataset, as (title, SPARQL) pairs, simplest first."""
    ds = _iri(dataset_uri)
    return [
        ("Count the observations",
         _prefixes("qb") +
         f"SELECT (COUNT(?obs) AS ?observations)\nWHERE {{\n  ?obs qb:dataSet {ds} .\n}}\n"),
        ("The dataset's dimensions, measures and attributes",
         _prefixes("qb", "rdfs") +
         "SELECT ?kind ?component ?label\nWHERE {\n"
         f"  {ds} qb:structure/qb:component ?spec .\n"
         "  VALUES (?kind ?link) { (\"dimension\" qb:dimension) (\"measure\" qb:measure) (\"attribute\" qb:attribute) }\n"
         "  ?spec ?link ?component .\n"
         "  OPTIONAL { ?component rdfs:label ?label }\n"
         "}\nORDER BY ?kind ?component\n"),
        ("Twenty observations with every value",
         _prefixes("qb") +
         "SELECT ?obs ?property ?value\nWHERE {\n"
         f"  {{ SELECT ?obs WHERE {{ ?obs qb:dataSet {ds} }} LIMIT 20 }}\n"
         "  ?obs ?property ?value .\n"
         "}\nORDER BY ?obs ?property\n"),
        ("How many codes each dimension uses",
         _prefixes("qb", "rdfs") +
         "SELECT ?dimension ?label ?codes\nWHERE {\n"
         "  {\n"
         "    SELECT ?dimension (COUNT(DISTINCT ?code) AS ?codes)\n"
         "    WHERE {\n"
         f"      {ds} qb:structure/qb:component/qb:dimension ?dimension .\n"
         f"      GRAPH {ds} {{ ?obs ?dimension ?code }}\n"
         "    }\n"
         "    GROUP BY ?dimension\n"
         "  }\n"
         "  OPTIONAL { ?dimension rdfs:label ?label }\n"
         "}\nORDER BY ?dimension\n"),
        ("Other datasets sharing a code list with this one",
         _prefixes("qb", "dcterms") +
         "SELECT DISTINCT ?codeList ?other ?title\nWHERE {\n"
         f"  {ds} qb:structure/qb:component/qb:dimension/qb:codeList ?codeList .\n"
         "  ?other qb:structure/qb:component/qb:dimension/qb:codeList ?codeList .\n"
         f"  FILTER (?other != {ds})\n"
         "  OPTIONAL { ?other dcterms:title ?title }\n"
         "}\nORDER BY ?codeList ?other\n"),
        ("The dataset's description",
         f"DESCRIBE {ds}\n"),
    ]


def catalogue_queries(base_uri: str, datasets: Iterable[Mapping[str, Any]] = ()) -> list[tuple[str, str]]:
    """Queries for the SPARQL page: the catalogue as a whole, then the first dataset's examples."""
    queries = [
        ("Every dataset, with its observation count",
         _prefixes("qb", "dcterms") +
         "SELECT ?dataset ?title (COUNT(?obs) AS ?observations)\nWHERE {\n"
         "  ?dataset a qb:DataSet .\n"
         "  OPTIONAL { ?dataset dcterms:title ?title }\n"
         "  OPTIONAL { ?obs qb:dataSet ?dataset }\n"
         "}\nGROUP BY ?dataset ?title\nORDER BY ?dataset\n"),
        ("Code lists and how many datasets use each",
         _prefixes("qb", "skos") +
         "SELECT ?codeList ?label (COUNT(DISTINCT ?dataset) AS ?datasets)\nWHERE {\n"
         "  ?dataset qb:structure/qb:component/qb:dimension/qb:codeList ?codeList .\n"
         "  OPTIONAL { ?codeList skos:prefLabel ?label }\n"
         "}\nGROUP BY ?codeList ?label\nORDER BY DESC(?datasets) ?codeList\n"),
        ("The named graphs and their sizes",
         "SELECT ?graph (COUNT(*) AS ?triples)\nWHERE {\n  GRAPH ?graph { ?s ?p ?o }\n}\n"
         "GROUP BY ?graph\nORDER BY ?graph\n"),
    ]
    for dataset in datasets:
        uri = dataset.get("uri")
        if isinstance(uri, str) and uri:
            title = str(dataset.get("title") or dataset.get("id") or uri)
            queries.extend((f"{name} ({title})", query) for name, query in example_queries(uri))
            break
    return queries


def yasgui_build() -> Path | None:
    """The `build/` folder of the npm package `@zazuko/yasgui` (pinned in package.json), if installed.

    Looked for in $COGS_YASGUI, then `node_modules/` of the checkout and of the working folder.
    """
    candidates = [Path(os.environ["COGS_YASGUI"])] if os.environ.get("COGS_YASGUI") else []
    candidates += [CHECKOUT / "node_modules" / "@zazuko" / "yasgui" / "build",
                   Path.cwd() / "node_modules" / "@zazuko" / "yasgui" / "build"]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in YASGUI_FILES):
            return candidate
    return None


def sparql_page_files(base_uri: str, datasets: Iterable[Mapping[str, Any]] = (), endpoint: str = "../sparql",
                      title: str = "SPARQL query") -> dict[str, bytes]:
    """The files of the site's SPARQL page, keyed by path under `out/`: `sparql/index.html`, and
    Yasgui's script and stylesheet beside it when the npm package is installed.

    `endpoint` is resolved against the page's own URL, so the default `../sparql` is the
    `cogs serve` endpoint wherever the site is mounted; give an absolute URL to point a static
    site at a production store.
    """
    files = {"sparql/index.html": render_sparql_page(catalogue_queries(base_uri, datasets), endpoint,
                                                     title).encode("utf-8")}
    build = yasgui_build()
    if build is not None:
        files.update({f"sparql/{name}": (build / name).read_bytes() for name in YASGUI_FILES})
    return files


def render_sparql_page(queries: list[tuple[str, str]], endpoint: str = "../sparql",
                       title: str = "SPARQL query") -> str:
    """The SPARQL page: a self-contained form (pick an example, edit, run, read the table) that
    becomes the Yasgui editor, with a tab per example, when `yasgui.min.js` loads from beside it.

    So the page works everywhere: `cogs serve` supplies Yasgui's files from the npm package when
    the build has none; a static host without them keeps the form.
    """
    options = "\n".join(f'        <option value="{i}">{html.escape(name)}</option>'
                        for i, (name, _) in enumerate(queries))
    data = json.dumps([{"name": name, "query": query} for name, query in queries]).replace("</", "<\\/")
    first = html.escape(queries[0][1]) if queries else ""
    endpoint_js = json.dumps(endpoint).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #0b0c0c; }}
textarea {{ width: 100%; min-height: 16rem; font-family: ui-monospace, monospace; font-size: 0.9rem; }}
table {{ border-collapse: collapse; margin-top: 1rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #b1b4b6; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
pre {{ white-space: pre-wrap; background: #f3f2f1; padding: 0.5rem; }}
label, select, button {{ font-size: 1rem; }}
</style>
</head>
<body>
<main>
  <h1>{html.escape(title)}</h1>
  <p>The endpoint is <code id="endpoint">{html.escape(endpoint)}</code> (SPARQL 1.1 Protocol, read-only). Without
  <code>GRAPH</code> a query sees every dataset; each dataset is also its own named graph.</p>
  <div id="yasgui" hidden></div>
  <div id="plain">
  <form id="form" method="get" action="{html.escape(endpoint)}">
    <p><label for="example">Example</label>
      <select id="example">
{options}
      </select></p>
    <p><label for="query">Query</label><br>
      <textarea id="query" name="query" spellcheck="false">{first}</textarea></p>
    <p><label for="format">Results as</label>
      <select id="format" name="format">
        <option value="json">table (JSON)</option>
        <option value="csv">CSV</option>
        <option value="tsv">TSV</option>
        <option value="xml">XML</option>
        <option value="turtle">Turtle (CONSTRUCT, DESCRIBE)</option>
      </select>
      <button type="submit">Run query</button></p>
  </form>
  <div id="status" role="status"></div>
  <div id="results"></div>
  </div>
</main>
<script>
const queries = {data};
const endpoint = new URL({endpoint_js}, window.location.href).href;
document.getElementById("endpoint").textContent = endpoint;
const form = document.getElementById("form");
const query = document.getElementById("query");
document.getElementById("example").addEventListener("change", (e) => {{ query.value = queries[e.target.value].query; }});
form.addEventListener("submit", async (event) => {{
  const format = document.getElementById("format").value;
  if (format !== "json") return;
  event.preventDefault();
  const status = document.getElementById("status");
  const out = document.getElementById("results");
  status.textContent = "Running…"; out.textContent = "";
  const started = performance.now();
  const response = await fetch(endpoint, {{method: "POST",
    headers: {{"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle;q=0.9"}},
    body: query.value}});
  const text = await response.text();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const show = (message, body) => {{ status.textContent = message; if (body) {{ const pre = document.createElement("pre"); pre.textContent = body; out.append(pre); }} }};
  if (!response.ok) return show(`Error ${{response.status}}`, text);
  if (!(response.headers.get("Content-Type") || "").includes("json")) return show(`Done in ${{seconds}} s`, text);
  const json = JSON.parse(text);
  if ("boolean" in json) return show(`Answer: ${{json.boolean}} (${{seconds}} s)`);
  const vars = json.head.vars, rows = json.results.bindings;
  status.textContent = `${{rows.length}} row(s) in ${{seconds}} s`;
  const table = document.createElement("table"), head = table.createTHead().insertRow();
  for (const v of vars) {{ const th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.append(th); }}
  const body = table.createTBody();
  for (const row of rows) {{
    const tr = body.insertRow();
    for (const v of vars) {{
      const cell = tr.insertCell(), term = row[v];
      if (!term) continue;
      if (term.type === "uri") {{ const a = document.createElement("a"); a.href = term.value; a.textContent = term.value; cell.append(a); }}
      else cell.textContent = term.value;
    }}
  }}
  out.append(table);
}});
// Yasgui (npm @zazuko/yasgui), when its files are beside this page: a tab per example query.
const yasguiCss = document.createElement("link");
yasguiCss.rel = "stylesheet"; yasguiCss.href = "yasgui.min.css";
const yasguiJs = document.createElement("script");
yasguiJs.src = "yasgui.min.js";
yasguiJs.onload = () => {{
  const Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  if (typeof Yasgui !== "function") return;
  document.getElementById("plain").hidden = true;
  const element = document.getElementById("yasgui");
  element.hidden = false;
  const yasgui = new Yasgui(element, {{
    persistenceId: null, autoAddOnInit: false, populateFromUrl: false, copyEndpointOnNewTab: true,
    requestConfig: {{ endpoint: endpoint, method: "POST" }},
    endpointCatalogueOptions: {{ getData: () => [{{ endpoint: endpoint }}] }},
  }});
  queries.forEach((item, index) => {{
    const config = Yasgui.Tab.getDefaults(yasgui);
    config.name = item.name;
    config.yasqe = {{ value: item.query }};
    config.requestConfig = {{ ...config.requestConfig, endpoint: endpoint, method: "POST" }};
    yasgui.addTab(index === 0, config);
  }});
}};
document.head.append(yasguiCss);
document.body.append(yasguiJs);
</script>
</body>
</html>
"""
