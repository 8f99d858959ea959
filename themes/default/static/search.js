// Client-side search over search/index.json (built by generator/search.py).
// Every query word must match the start of an indexed word; title matches rank first,
// then newer papers. No network beyond fetching the index once from this site.
(function () {
  "use strict";

  var WORD = /[\p{L}\p{N}]+/gu;
  var MAX_SHOWN = 100;

  function words(text, stopWords) {
    return (text.toLowerCase().match(WORD) || []).filter(function (w) {
      return w.length > 1 && !stopWords.has(w);
    });
  }

  // The index comes in shards (one per month of papers); a shard's numbers count from its first paper.
  function Index(data) {
    this.docs = data.docs;
    this.stopWords = new Set(data.stop_words);
    var postings = new Map();
    data.shards.forEach(function (shard) {
      Object.keys(shard.words).forEach(function (word) {
        var gaps = shard.words[word], doc = shard.first, docs = postings.get(word);
        if (!docs) postings.set(word, docs = []);
        for (var j = 0; j < gaps.length; j++) { doc += gaps[j]; docs.push(doc); }
      });
    });
    this.postings = postings;
    this.vocabulary = Array.from(postings.keys()).sort();
    this.titleWords = new Array(data.docs.length);  // filled on first use: a title is split once
  }

  // First position in the sorted vocabulary whose word is >= prefix.
  Index.prototype.lowerBound = function (prefix) {
    var lo = 0, hi = this.vocabulary.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (this.vocabulary[mid] < prefix) lo = mid + 1; else hi = mid;
    }
    return lo;
  };

  Index.prototype.docsMatching = function (prefix) {
    var found = new Set();
    for (var i = this.lowerBound(prefix); i < this.vocabulary.length; i++) {
      var word = this.vocabulary[i];
      if (word.lastIndexOf(prefix, 0) !== 0) break;
      var docs = this.postings.get(word);
      for (var j = 0; j < docs.length; j++) found.add(docs[j]);
    }
    return found;
  };

  Index.prototype.search = function (query) {
    var terms = words(query, this.stopWords);
    if (!terms.length) return { terms: terms, docs: [] };
    var matched = null;
    for (var t = 0; t < terms.length; t++) {
      var found = this.docsMatching(terms[t]);
      if (matched === null) { matched = found; continue; }
      var both = new Set();
      matched.forEach(function (doc) { if (found.has(doc)) both.add(doc); });
      matched = both;
      if (!matched.size) break;
    }
    var self = this;
    var scored = Array.from(matched).map(function (doc) {
      var title = self.titleWords[doc] || (self.titleWords[doc] = words(self.docs[doc][1], self.stopWords));
      var inTitle = 0;
      terms.forEach(function (term) {
        if (title.some(function (w) { return w.lastIndexOf(term, 0) === 0; })) inTitle++;
      });
      return [doc, inTitle];
    });
    scored.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return { terms: terms, docs: scored.map(function (pair) { return pair[0]; }) };
  };

  function formatDate(iso) {
    var d = new Date(iso + "T00:00:00Z");
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function render(index, result, form, list, status) {
    list.textContent = "";
    if (!result.terms.length) {
      status.textContent = "Type a word of a title, an abstract or a topic.";
      return;
    }
    var count = result.docs.length;
    status.textContent = count === 0 ? "No paper matches." :
      count + (count === 1 ? " paper matches" : " papers match") + (count > MAX_SHOWN ? "; the first " + MAX_SHOWN + " are shown." : ".");
    result.docs.slice(0, MAX_SHOWN).forEach(function (doc) {
      var paper = index.docs[doc];
      var item = document.createElement("li");
      item.className = "paper";
      var heading = document.createElement("h2");
      heading.className = "paper-title";
      var link = document.createElement("a");
      link.href = form.dataset.papers + paper[0] + "/";
      link.textContent = paper[1];
      heading.appendChild(link);
      var meta = document.createElement("p");
      meta.className = "meta";
      var time = document.createElement("time");
      time.dateTime = paper[2];
      time.textContent = formatDate(paper[2]);
      meta.append("First seen ", time);
      item.append(heading, meta);
      if (paper[3].length) {
        var chips = document.createElement("ul");
        chips.className = "chips";
        chips.setAttribute("aria-label", "Topics");
        paper[3].forEach(function (slug) {
          var chip = document.createElement("li"), topic = document.createElement("a");
          topic.href = form.dataset.topics + slug + "/";
          topic.textContent = slug;
          chip.appendChild(topic);
          chips.appendChild(chip);
        });
        item.appendChild(chips);
      }
      list.appendChild(item);
    });
  }

  function start() {
    var form = document.getElementById("search");
    if (!form) return;
    var input = form.querySelector("input[name=q]");
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var index = null;
    var initial = new URLSearchParams(window.location.search).get("q") || "";
    input.value = initial;

    function run() {
      if (!index) return;
      render(index, index.search(input.value), form, list, status);
      var url = new URL(window.location.href);
      if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
    }

    status.textContent = "Loading the index…";
    fetch(form.dataset.index)
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      })
      .then(function (data) {
        index = new Index(data);
        form.dataset.ready = "true";
        if (input.value) run(); else status.textContent = "Ready: " + data.docs.length + " papers. Type to search.";
      })
      .catch(function (error) {
        status.textContent = "The search index could not be loaded (" + error.message + ").";
      });
    input.addEventListener("input", run);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { Index: Index, words: words };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
