/* Search without a server: full text over datasets.json, facets, and codes or labels found in
   the sharded code index (codes/{first letter}.json). The query lives in the URL. */
(function () {
  "use strict";
  var FACETS = ["family", "theme", "publisher", "dimension"];
  var FIELD = { family: "family", theme: "themes", publisher: "publisher", dimension: "dimensions" };

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function fold(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 0; });
  }
  function shardOf(term) {
    var c = fold(term).charAt(0);
    return /^[a-z0-9]$/.test(c) ? c : "_";
  }
  function values(record, facet) {
    var v = record[FIELD[facet]];
    return Array.isArray(v) ? v : (v ? [v] : []);
  }

  function Search(form) {
    this.form = form;
    this.input = form.querySelector("#q");
    this.status = document.querySelector("[data-search-status]");
    this.list = document.querySelector("[data-search-results]");
    this.codesBox = document.querySelector("[data-search-codes]");
    this.shards = {};
  }

  Search.prototype.start = function () {
    var self = this;
    if (window.location.protocol === "file:") {
      this.status.textContent = "Search needs the site to be served over the web (for example by cogs serve). " +
        "Every dataset is listed on the home page.";
      return;
    }
    var form = this.form;
    Promise.all([
      fetch("datasets.json").then(function (r) { return r.json(); }),
      fetch("codes/index.json").then(function (r) { return r.json(); })
    ]).then(function (loaded) {
      self.records = loaded[0].datasets;
      self.known = {};
      loaded[1].shards.forEach(function (s) { self.known[s] = true; });
      self.records.forEach(function (r) {
        r._title = words(r.title);
        r._keywords = words(r.keywords.join(" "));
        r._text = words(r.summary + " " + r.text + " " + r.dimensions.join(" ") + " " + r.family);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); self.update(); });
      Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]"), function (box) {
        box.addEventListener("change", function () { self.update(); });
      });
      window.addEventListener("popstate", function () { self.fromUrl(); });
      self.fromUrl();
    }).catch(function () {
      self.status.textContent = "Search could not load its index. Every dataset is listed on the home page.";
    });
  };

  Search.prototype.state = function () {
    var state = { q: this.input.value.trim() };
    var form = this.form;
    FACETS.forEach(function (f) {
      state[f] = Array.prototype.filter.call(form.querySelectorAll("input[name=" + f + "]"), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    });
    return state;
  };

  Search.prototype.fromUrl = function () {
    var params = new URLSearchParams(window.location.search);
    this.input.value = params.get("q") || "";
    var form = this.form;
    FACETS.forEach(function (f) {
      var chosen = params.getAll(f);
      Array.prototype.forEach.call(form.querySelectorAll("input[name=" + f + "]"), function (b) {
        b.checked = chosen.indexOf(b.value) >= 0;
      });
    });
    this.run(this.state());
  };

  Search.prototype.update = function () {
    var state = this.state();
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (f) { state[f].forEach(function (v) { params.append(f, v); }); });
    var query = params.toString();
    window.history.pushState(null, "", window.location.pathname + (query ? "?" + query : ""));
    this.run(state);
  };

  Search.prototype.codes = function (q) {
    /* Codes whose notation or label is the query, or whose label holds the query's words. */
    var self = this;
    var terms = words(q);
    if (!terms.length) return Promise.resolve([]);
    var wanted = {};
    wanted[shardOf(q)] = true;
    var keys = Object.keys(wanted).filter(function (k) { return self.known[k]; });
    return Promise.all(keys.map(function (k) {
      if (!self.shards[k]) self.shards[k] = fetch("codes/" + k + ".json").then(function (r) { return r.json(); });
      return self.shards[k];
    })).then(function (shards) {
      var whole = fold(q);
      var found = [];
      var seen = {};
      shards.forEach(function (shard) {
        shard.codes.forEach(function (entry) {
          var notation = fold(entry[0]), label = fold(entry[1]);
          var labelWords = words(entry[1]);
          var hit = notation === whole || label === whole ||
            terms.every(function (t) { return labelWords.some(function (w) { return w.indexOf(t) === 0; }); });
          if (hit && !seen[entry[3]]) { seen[entry[3]] = true; found.push(entry); }
        });
      });
      return found;
    });
  };

  Search.prototype.run = function (state) {
    var self = this;
    var terms = words(state.q);
    this.codes(state.q).then(function (codes) {
      var byCode = {};
      codes.forEach(function (entry) {
        entry[4].forEach(function (i) { (byCode[i] = byCode[i] || []).push(entry); });
      });
      var scored = [];
      self.records.forEach(function (r, i) {
        var score = 0, all = true;
        terms.forEach(function (t) {
          var s = 0;
          if (r._title.some(function (w) { return w.indexOf(t) === 0; })) s += 5;
          if (r._keywords.some(function (w) { return w.indexOf(t) === 0; })) s += 3;
          if (r._text.some(function (w) { return w.indexOf(t) === 0; })) s += 1;
          if (!s) all = false;
          score += s;
        });
        if (byCode[i]) score += 4;
        if (!terms.length || all || byCode[i]) scored.push({ record: r, score: score, codes: byCode[i] || [] });
      });
      scored.sort(function (a, b) { return b.score - a.score || (a.record.title < b.record.title ? -1 : 1); });
      var matching = function (item, except) {
        return FACETS.every(function (f) {
          if (f === except || !state[f].length) return true;
          return values(item.record, f).some(function (v) { return state[f].indexOf(v) >= 0; });
        });
      };
      var results = scored.filter(function (item) { return matching(item, null); });
      FACETS.forEach(function (f) {
        var counts = {};
        scored.forEach(function (item) {
          if (matching(item, f)) values(item.record, f).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
        });
        Array.prototype.forEach.call(self.form.querySelectorAll("input[name=" + f + "]"), function (b) {
          var span = b.parentNode.querySelector("[data-count]");
          span.textContent = "(" + (counts[b.value] || 0) + ")";
        });
      });
      self.render(state, results, codes);
    });
  };

  Search.prototype.render = function (state, results, codes) {
    while (this.list.firstChild) this.list.removeChild(this.list.firstChild);
    while (this.codesBox.firstChild) this.codesBox.removeChild(this.codesBox.firstChild);
    var n = results.length;
    this.status.textContent = n + (n === 1 ? " dataset" : " datasets") + (state.q ? " found for “" + state.q + "”" : "") + ".";
    if (codes.length) {
      var box = el("div", { "class": "govuk-inset-text" });
      box.appendChild(el("p", { "class": "govuk-body govuk-!-margin-bottom-1" }, "Codes matching “" + state.q + "”:"));
      var ul = el("ul", { "class": "govuk-list" });
      codes.slice(0, 10).forEach(function (entry) {
        var li = el("li");
        li.appendChild(el("a", { "class": "govuk-link", href: "../" + entry[3] + "index.html" }, entry[1] + " (" + entry[0] + ")"));
        li.appendChild(document.createTextNode(" in " + entry[2] + ", used by " + entry[4].length +
          (entry[4].length === 1 ? " dataset" : " datasets")));
        ul.appendChild(li);
      });
      box.appendChild(ul);
      this.codesBox.appendChild(box);
    }
    var self = this;
    results.forEach(function (item) {
      var r = item.record;
      var li = el("li");
      var h = el("h3", { "class": "govuk-heading-s govuk-!-margin-bottom-1" });
      h.appendChild(el("a", { "class": "govuk-link", href: "../" + r.path + "index.html" }, r.title));
      li.appendChild(h);
      if (r.summary) li.appendChild(el("p", { "class": "govuk-body-s govuk-!-margin-bottom-1" }, r.summary));
      if (item.codes.length) {
        li.appendChild(el("p", { "class": "govuk-body-s govuk-!-margin-bottom-1" }, "Contains " +
          item.codes.slice(0, 3).map(function (e) { return e[1] + " (" + e[0] + ")"; }).join(", ")));
      }
      li.appendChild(el("p", { "class": "govuk-body-s cogs-meta" }, r.family + (r.publisher ? " · " + r.publisher : "") +
        (r.issued ? " · Released " + r.issued : "")));
      self.list.appendChild(li);
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-search-form]");
    if (form) new Search(form).start();
  });
})();
