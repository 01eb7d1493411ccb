/* The cube explorer: filter a dataset's observations by dimension values, page through them,
   share the view as a URL, and chart them over time. Reads explore/meta.json and the
   explore/rows-NNNN.json chunks written beside the page. No server, no dependencies. */
(function () {
  "use strict";
  var PAGE = 25;
  var CHART_ROWS = 50000;
  var MAX_SERIES = 6;
  var COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#28a197"];
  var DASHES = ["", "8 4", "2 4", "12 4 2 4", "4 4", "1 3"];

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function svg(name, attrs, text) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function number(text) {
    var n = parseFloat(text);
    return isNaN(n) ? null : n;
  }
  function formatNumber(n) {
    return n.toLocaleString("en-GB", { maximumFractionDigits: 6 });
  }

  function Explorer(root) {
    this.root = root;
    this.base = root.getAttribute("data-explorer");
    this.form = root.querySelector(".cogs-explorer__filters");
    this.table = root.querySelector("[data-explorer-table]");
    this.status = root.querySelector("[data-explorer-status]");
    this.pages = root.querySelector("[data-explorer-pages]");
    this.prev = root.querySelector("[data-explorer-prev]");
    this.next = root.querySelector("[data-explorer-next]");
    this.shareWrap = root.querySelector("[data-explorer-share-wrap]");
    this.share = root.querySelector("[data-explorer-share]");
    this.chart = root.querySelector("[data-explorer-chart]");
    this.chunks = {};
    this.run = 0;
  }

  Explorer.prototype.start = function () {
    var self = this;
    if (window.location.protocol === "file:") return; /* opened from disk: browsers refuse to fetch; the preview stays */
    fetch(this.base + "meta.json").then(function (r) { return r.json(); }).then(function (meta) {
      self.meta = meta;
      self.index = meta.columns.map(function (c) {
        var lookup = {};
        (c.values || []).forEach(function (v, i) { lookup[v[0]] = i; });
        return lookup;
      });
      if (self.form) {
        /* Very long code lists are cut short in the page: the rest of their options come from meta.json. */
        meta.columns.forEach(function (c) {
          var select = self.form.querySelector("select[name='" + c.name + "']");
          if (!select || !c.values || select.options.length - 1 >= c.values.length) return;
          for (var i = select.options.length - 1; i < c.values.length; i++) {
            var v = c.values[i];
            select.appendChild(el("option", { value: v[0] }, v[1] === v[0] ? v[0] : v[1] + " (" + v[0] + ")"));
          }
        });
        self.form.addEventListener("submit", function (e) { e.preventDefault(); self.update(0); });
        Array.prototype.forEach.call(self.form.querySelectorAll("select"), function (s) {
          s.addEventListener("change", function () { self.update(0); });
        });
      }
      self.prev.addEventListener("click", function (e) { e.preventDefault(); self.update(self.page - 1); });
      self.next.addEventListener("click", function (e) { e.preventDefault(); self.update(self.page + 1); });
      window.addEventListener("popstate", function () { self.fromUrl(); });
      self.fromUrl();
    }).catch(function () { /* opened from disk: the static preview stays */ });
  };

  Explorer.prototype.filters = function () {
    var out = {};
    if (!this.form) return out;
    Array.prototype.forEach.call(this.form.querySelectorAll("select"), function (s) {
      if (s.value) out[s.name] = s.value;
    });
    return out;
  };

  Explorer.prototype.fromUrl = function () {
    var params = new URLSearchParams(window.location.search);
    if (this.form) {
      Array.prototype.forEach.call(this.form.querySelectorAll("select"), function (s) {
        var wanted = params.get(s.name) || "";
        var known = Array.prototype.some.call(s.options, function (o) { return o.value === wanted; });
        s.value = known ? wanted : "";
      });
    }
    var page = parseInt(params.get("page") || "1", 10);
    this.show(isNaN(page) || page < 1 ? 0 : page - 1);
  };

  Explorer.prototype.urlFor = function (filters, page) {
    var params = new URLSearchParams();
    Object.keys(filters).sort().forEach(function (k) { params.set(k, filters[k]); });
    if (page > 0) params.set("page", String(page + 1));
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "") + "#explore";
  };

  Explorer.prototype.update = function (page) {
    var url = this.urlFor(this.filters(), page);
    window.history.pushState(null, "", url);
    this.show(page);
  };

  Explorer.prototype.chunk = function (i) {
    var self = this;
    if (!this.chunks[i]) {
      var name = "rows-" + String(i).padStart(4, "0") + ".json";
      this.chunks[i] = fetch(this.base + name).then(function (r) { return r.json(); });
    }
    return this.chunks[i].then(function (data) { return data.columns; });
  };

  Explorer.prototype.show = function (page) {
    var self = this;
    var meta = this.meta;
    var filters = this.filters();
    var wanted = [];
    meta.columns.forEach(function (c, i) {
      if (filters[c.name] !== undefined) wanted.push([i, self.index[i][filters[c.name]]]);
    });
    var run = ++this.run;
    var matches = [];
    if (!wanted.length) {
      /* No filter: the page's rows are read from the one or two chunks that hold them. */
      var pages = Math.max(1, Math.ceil(meta.rows / PAGE));
      this.page = Math.min(page, pages - 1);
      var first = this.page * PAGE, last = Math.min(meta.rows, first + PAGE);
      var parts = [];
      for (var c = Math.floor(first / meta.chunk_rows); c * meta.chunk_rows < last; c++) parts.push(c);
      Promise.all(parts.map(function (c) { return self.chunk(c); })).then(function (chunks) {
        if (run !== self.run) return;
        var rows = [];
        chunks.forEach(function (columns, k) {
          var offset = parts[k] * meta.chunk_rows;
          var count = columns.length ? columns[0].length : 0;
          for (var r = Math.max(0, first - offset); r < count && offset + r < last; r++) {
            rows.push(columns.map(function (col) { return col[r]; }));
          }
        });
        self.render(rows, filters, pages, meta.rows, first);
        if (meta.rows <= CHART_ROWS) {
          self.scanAll(run, []).then(function (all) { if (all) self.drawChart(all); });
        } else {
          self.chartNote("Choose filters to chart the data: the chart draws at most " +
            formatNumber(CHART_ROWS) + " observations.");
        }
      });
      return;
    }
    this.status.textContent = "Searching the observations…";
    this.scanAll(run, wanted).then(function (found) {
      if (found === null) return;
      var pages = Math.max(1, Math.ceil(found.length / PAGE));
      self.page = Math.min(page, pages - 1);
      var start = self.page * PAGE;
      self.render(found.slice(start, start + PAGE), filters, pages, found.length, start);
      if (found.length <= CHART_ROWS) {
        self.drawChart(found);
      } else {
        self.chartNote("Narrow the filters to chart the data: the chart draws at most " +
          formatNumber(CHART_ROWS) + " observations.");
      }
    });
  };

  Explorer.prototype.chartNote = function (text) {
    if (!this.chart) return;
    while (this.chart.firstChild) this.chart.removeChild(this.chart.firstChild);
    this.chart.appendChild(el("p", { "class": "govuk-body" }, text));
  };

  /* Every row matching `wanted` ([column, value index] pairs), reading the chunks in turn. */
  Explorer.prototype.scanAll = function (run, wanted) {
    var self = this;
    var meta = this.meta;
    var matches = [];
    var scan = function (n) {
      if (run !== self.run) return Promise.resolve(null);
      if (n >= meta.chunks) return Promise.resolve(matches);
      if (meta.chunks > 4 && wanted.length) {
        self.status.textContent = "Searching the observations… (" + Math.round(100 * n / meta.chunks) + "%)";
      }
      return self.chunk(n).then(function (columns) {
        var rows = columns.length ? columns[0].length : 0;
        for (var r = 0; r < rows; r++) {
          var ok = true;
          for (var w = 0; w < wanted.length; w++) {
            if (columns[wanted[w][0]][r] !== wanted[w][1]) { ok = false; break; }
          }
          if (ok) matches.push(columns.map(function (col) { return col[r]; }));
        }
        return scan(n + 1);
      });
    };
    return scan(0);
  };

  Explorer.prototype.cell = function (column, value) {
    var td = el("td", { "class": "govuk-table__cell" + (column.role === "measure" ? " govuk-table__cell--numeric" : "") });
    if (value === null || value === undefined) return td;
    if (column.coded) {
      var v = column.values[value];
      td.appendChild(document.createTextNode(v[1]));
      if (v[1] !== v[0]) {
        td.appendChild(document.createTextNode(" "));
        td.appendChild(el("span", { "class": "cogs-code" }, v[0]));
      }
    } else if (column.role === "measure") {
      var n = number(value);
      td.textContent = n === null ? value : formatNumber(n);
    } else {
      td.textContent = value;
    }
    return td;
  };

  Explorer.prototype.render = function (rows, filters, pages, total, start) {
    var self = this;
    var meta = this.meta;
    var body = this.table.querySelector("tbody");
    while (body.firstChild) body.removeChild(body.firstChild);
    rows.forEach(function (row) {
      var tr = el("tr", { "class": "govuk-table__row" });
      meta.columns.forEach(function (c, i) { tr.appendChild(self.cell(c, row[i])); });
      body.appendChild(tr);
    });
    var caption = this.table.querySelector("caption");
    var filtered = Object.keys(filters).length > 0;
    caption.textContent = "Observations" + (filtered ? " matching the filters" : "") +
      (pages > 1 ? " (page " + (this.page + 1) + " of " + pages + ")" : "");
    this.status.textContent = total === 0 ? "No observations match these filters." :
      "Showing " + formatNumber(start + 1) + " to " + formatNumber(start + rows.length) + " of " +
      formatNumber(total) + " observations" + (filtered ? " matching the filters." : ".");
    this.pages.classList.toggle("cogs-hidden", pages <= 1);
    this.prev.parentNode.classList.toggle("cogs-hidden", this.page === 0);
    this.next.parentNode.classList.toggle("cogs-hidden", this.page >= pages - 1);
    this.prev.setAttribute("href", this.urlFor(filters, this.page - 1));
    this.next.setAttribute("href", this.urlFor(filters, this.page + 1));
    this.share.setAttribute("href", this.urlFor(filters, this.page));
    this.shareWrap.classList.toggle("cogs-hidden", !filtered && this.page === 0);
  };

  /* A line chart of the measure over the period dimension: one line per combination of the
     other dimensions that vary among the matching observations (the largest few). */
  Explorer.prototype.drawChart = function (found) {
    var meta = this.meta;
    if (!this.chart || !meta.period || !meta.measure) return;
    var names = meta.columns.map(function (c) { return c.name; });
    var p = names.indexOf(meta.period);
    var m = names.indexOf(meta.measure);
    /* Measures of a multi-measure cube do not share a scale: chart the first one in view. */
    var measureNote = "";
    meta.columns.forEach(function (c, i) {
      if (c.component !== "http://purl.org/linked-data/cube#measureType") return;
      var present = found.map(function (row) { return row[i]; }).filter(function (v) { return v !== null; });
      var first = Math.min.apply(null, present);
      if (present.some(function (v) { return v !== first; })) {
        found = found.filter(function (row) { return row[i] === first; });
        measureNote = c.values[first][1];
      }
    });
    var varying = [];
    meta.columns.forEach(function (c, i) {
      if (i === p || c.role !== "dimension" || !c.coded) return;
      var seen = {};
      found.forEach(function (row) { seen[row[i]] = true; });
      if (Object.keys(seen).length > 1) varying.push(i);
    });
    var series = {};
    found.forEach(function (row) {
      var y = number(row[m]);
      if (y === null || row[p] === null) return;
      var key = varying.map(function (i) { return row[i]; }).join("|");
      if (!series[key]) {
        series[key] = { label: varying.map(function (i) { return meta.columns[i].values[row[i]][1]; }).join(", "), points: {} };
      }
      series[key].points[row[p]] = y;
    });
    var keys = Object.keys(series).sort(function (a, b) {
      return Object.keys(series[b].points).length - Object.keys(series[a].points).length || (a < b ? -1 : 1);
    }).slice(0, MAX_SERIES);
    var box = this.chart;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!keys.length) {
      box.appendChild(el("p", { "class": "govuk-body" }, "No figures to chart for these filters."));
      return;
    }
    var periods = {};
    keys.forEach(function (k) { Object.keys(series[k].points).forEach(function (x) { periods[x] = true; }); });
    var xs = Object.keys(periods).map(Number).sort(function (a, b) { return a - b; });
    var labels = meta.columns[p].values;
    var ys = [];
    keys.forEach(function (k) { xs.forEach(function (x) { if (series[k].points[x] !== undefined) ys.push(series[k].points[x]); }); });
    var lo = Math.min(0, Math.min.apply(null, ys)), hi = Math.max.apply(null, ys);
    var least = Math.min.apply(null, ys);
    /* Lines of values far from zero are drawn on a scale that starts near them, so change shows. */
    if (least > 0 && (hi - least) < hi * 0.5) lo = Math.max(0, least - (hi - least) * 0.2);
    if (hi === lo) hi = lo + 1;
    var W = 720, H = 360, L = 80, R = 20, T = 20, B = 50;
    var x = function (i) { return L + (xs.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (xs.length - 1)); };
    var y = function (v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
    var measureTitle = measureNote || meta.columns[m].title;
    var title = measureTitle + " by " + meta.columns[p].title.toLowerCase() +
      (keys.length > 1 ? ", " + keys.length + " series" : "");
    var chartId = "chart-title-" + Math.random().toString(36).slice(2, 8);
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": chartId + " " + chartId + "-desc", width: W, height: H });
    root.appendChild(svg("title", { id: chartId }, title));
    var first = xs[0], last = xs[xs.length - 1];
    root.appendChild(svg("desc", { id: chartId + "-desc" }, "Line chart from " + labels[first][1] + " to " +
      labels[last][1] + ", values from " + formatNumber(Math.min.apply(null, ys)) + " to " +
      formatNumber(Math.max.apply(null, ys)) + ". The same figures are in the table below the chart."));
    for (var t = 0; t <= 4; t++) {
      var v = lo + (hi - lo) * t / 4;
      root.appendChild(svg("line", { "class": "cogs-grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      root.appendChild(svg("text", { x: L - 8, y: y(v) + 5, "text-anchor": "end" }, formatNumber(Math.round(v * 100) / 100)));
    }
    root.appendChild(svg("line", { "class": "cogs-axis", x1: L, x2: W - R, y1: y(lo), y2: y(lo) }));
    var step = Math.max(1, Math.ceil(xs.length / 8));
    xs.forEach(function (px, i) {
      if (i % step === 0 || i === xs.length - 1) {
        root.appendChild(svg("text", { x: x(i), y: H - B + 22, "text-anchor": "middle" }, labels[px][1]));
      }
    });
    keys.forEach(function (k, s) {
      var d = "";
      xs.forEach(function (px, i) {
        var val = series[k].points[px];
        if (val === undefined) return;
        d += (d ? " L" : "M") + x(i).toFixed(1) + " " + y(val).toFixed(1);
      });
      root.appendChild(svg("path", { d: d, fill: "none", stroke: COLOURS[s], "stroke-width": 3,
        "stroke-dasharray": DASHES[s], "data-series": series[k].label || measureTitle }));
      xs.forEach(function (px, i) {
        var val = series[k].points[px];
        if (val !== undefined) root.appendChild(svg("circle", { cx: x(i), cy: y(val), r: 3.5, fill: COLOURS[s] }));
      });
    });
    box.appendChild(root);
    if (keys.length > 1 || series[keys[0]].label) {
      var legend = el("ul", { "class": "cogs-legend govuk-body-s", "aria-label": "Key" });
      keys.forEach(function (k, s) {
        var li = el("li");
        li.appendChild(el("span", { "class": "cogs-swatch", style: "background:" + COLOURS[s], "aria-hidden": "true" }));
        li.appendChild(document.createTextNode(series[k].label || measureTitle));
        legend.appendChild(li);
      });
      box.appendChild(legend);
    }
    var details = el("details", { "class": "govuk-details" });
    var summary = el("summary", { "class": "govuk-details__summary" });
    summary.appendChild(el("span", { "class": "govuk-details__summary-text" }, "Show the chart's figures as a table"));
    details.appendChild(summary);
    var text = el("div", { "class": "govuk-details__text cogs-table-scroll", tabindex: "0", role: "region", "aria-label": "Chart figures" });
    var table = el("table", { "class": "govuk-table" });
    table.appendChild(el("caption", { "class": "govuk-table__caption govuk-table__caption--s" }, title));
    var head = el("thead", { "class": "govuk-table__head" });
    var hr = el("tr", { "class": "govuk-table__row" });
    hr.appendChild(el("th", { scope: "col", "class": "govuk-table__header" }, meta.columns[p].title));
    keys.forEach(function (k) { hr.appendChild(el("th", { scope: "col", "class": "govuk-table__header govuk-table__header--numeric" }, series[k].label || measureTitle)); });
    head.appendChild(hr);
    table.appendChild(head);
    var tbody = el("tbody", { "class": "govuk-table__body" });
    xs.forEach(function (px) {
      var tr = el("tr", { "class": "govuk-table__row" });
      tr.appendChild(el("th", { scope: "row", "class": "govuk-table__header" }, labels[px][1]));
      keys.forEach(function (k) {
        var val = series[k].points[px];
        tr.appendChild(el("td", { "class": "govuk-table__cell govuk-table__cell--numeric" }, val === undefined ? "" : formatNumber(val)));
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    text.appendChild(table);
    details.appendChild(text);
    box.appendChild(details);
  };

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-explorer]"), function (root) {
      new Explorer(root).start();
    });
  });
})();
