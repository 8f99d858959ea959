// Client-side search over the sharded index that generator/site/search.py writes (docs/search.md).
// search/index.json (the dictionary) loads first; then a query fetches only the postings shards of its
// words (p/N.json), the vocabulary of its misspelt words (v/N.txt) and the result lines it shows (d/N.json).
// Text from the index is put in the page as text nodes, never as markup. Nothing is fetched from elsewhere.
(function () {
  "use strict";

  var WORD = /[\p{L}\p{N}]+/gu;
  var PAGE = 20;
  var MIN_PREFIX = 3;            // a word matches as the start of longer words from this many letters on
  var MAX_PREFIX_SHARDS = 3;     // a short prefix reads at most this many postings shards
  var MAX_FUZZY_SHARDS = 16;     // ... and a misspelt word at most this many vocabulary shards
  var MAX_FUZZY_TERMS = 8;       // the closest words a misspelt word stands for
  var WORDS_KEPT = 64;           // query words whose hits are kept for the next keystrokes
  var SNIPPET_DELAY = 150;       // ms the results must stand before their snippets are fetched
  var FIRST_WAVE = 6;            // results whose lines are fetched first: the 6 connections a browser opens to a host
  var URL_DELAY = 400;           // ms after the last keystroke that the URL is written, as InstantSearch's writeDelay
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var d = 0; d < DIGITS.length; d++) DIGIT[DIGITS.charCodeAt(d)] = d;
  // A word's best hit decides its score: title/author/organization/id ("strong") above abstract and topics,
  // exact above prefix above a typo's match.
  var SCORE = { exact: [4, 6], prefix: [2, 5], fuzzy: [1, 3] };
  var ARXIV_IN_QUERY = /\S*?(\d{4}\.\d{4,5})(?:v\d+)?\S*/g;

  function words(text, stopWords) {
    return (text.toLowerCase().match(WORD) || []).filter(function (w) {
      return w.length > 1 && !stopWords.has(w);
    });
  }

  // {ids: ["2405.20541"], words: [...]}: an arXiv id, bare, versioned or inside an arXiv or HF papers URL.
  function parseQuery(query, stopWords) {
    var ids = [];
    var rest = query.replace(ARXIV_IN_QUERY, function (match, id) { ids.push(id); return " "; });
    var seen = new Set();
    return {
      ids: ids.filter(function (id) { return !seen.has(id) && seen.add(id); }),
      words: words(rest, stopWords).filter(function (w) { return !seen.has(w) && seen.add(w); })
    };
  }

  // Varints: base 32, the upper half of the alphabet marks a digit that is not a number's last.
  function decodeValues(text) {
    var values = [], value = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charCodeAt(i)];
      if (digit >= 32) value = value * 32 + digit - 32;
      else { values.push(value * 32 + digit); value = 0; }
    }
    return values;
  }

  // Gaps of `2 * paper + strong`, the first counted from 0.
  function decodePostings(text) {
    var gaps = decodeValues(text), docs = new Int32Array(gaps.length), strong = new Uint8Array(gaps.length), x = 0;
    for (var i = 0; i < gaps.length; i++) { x += gaps[i]; docs[i] = x >> 1; strong[i] = x & 1; }
    return { docs: docs, strong: strong };
  }

  // Last i with starts[i] <= term (0 when term sorts first): the shard whose range holds term.
  function shardOf(starts, term) {
    var lo = 0, hi = starts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= term) lo = mid + 1; else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  // Optimal string alignment distance, or limit + 1 once it must exceed limit.
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var prev2 = null, prev = new Array(b.length + 1), row;
    for (var j = 0; j <= b.length; j++) prev[j] = j;
    for (var i = 1; i <= a.length; i++) {
      row = new Array(b.length + 1);
      row[0] = i;
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
        var value = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, prev2[j - 2] + 1);
        row[j] = value;
        if (value < best) best = value;
      }
      if (best > limit) return limit + 1;
      prev2 = prev;
      prev = row;
    }
    return prev[b.length];
  }

  function Index(base, dictionary) {
    this.base = base;
    this.dictionary = dictionary;
    this.stopWords = new Set(dictionary.stop_words);
    this.files = new Map();
    this.decoded = new Map();
    this.words = new Map();  // word -> Promise of {hits, terms}, oldest first
    var values = decodeValues(dictionary.dates), days = [], firsts = [], first = 0;
    var day = dictionary.newest ? Date.parse(dictionary.newest + "T00:00:00Z") : 0;
    for (var i = 0; i < values.length; i += 2) {
      if (i > 0) day -= values[i - 1] * 86400000;
      days.push(new Date(day).toISOString().slice(0, 10));
      firsts.push(first);
      first += values[i];
    }
    this.days = days;      // distinct first-seen dates, newest first
    this.firsts = firsts;  // the number of each date's first paper
  }

  Index.prototype.file = function (path, asText) {
    var found = this.files.get(path);
    if (!found) {
      found = fetch(this.base + path).then(function (response) {
        if (!response.ok) throw new Error(path + ": " + response.status);
        return asText ? response.text() : response.json();
      });
      this.files.set(path, found);
      var files = this.files;
      found.catch(function () { files.delete(path); });
    }
    return found;
  };

  Index.prototype.postingsShard = function (n) { return this.file("p/" + n + ".json"); };

  Index.prototype.postings = function (shard, term) {
    var key = term, found = this.decoded.get(key);
    if (!found && Object.prototype.hasOwnProperty.call(shard, term)) this.decoded.set(key, found = decodePostings(shard[term]));
    return found || null;
  };

  Index.prototype.termPostings = function (term) {
    var self = this;
    return this.postingsShard(shardOf(this.dictionary.postings, term)).then(function (shard) { return self.postings(shard, term); });
  };

  // findWord's Hits, with the terms that matched added to `matched`. Kept per word for the next keystrokes:
  // typing "video generation m", the first two words' hits are reused as they are, not rebuilt from postings.
  Index.prototype.wordHits = function (word, matched) {
    var found = this.words.get(word);
    if (!found) {
      var terms = new Set(), words = this.words;
      found = this.findWord(word, terms).then(function (hits) { return { hits: hits, terms: terms }; });
      words.set(word, found);
      found.catch(function () { words.delete(word); });
      if (words.size > WORDS_KEPT) words.delete(words.keys().next().value);
    }
    return found.then(function (result) {
      result.terms.forEach(function (term) { matched.add(term); });
      return result.hits;
    });
  };

  // The papers (and how) a word's matching terms occur in, as Hits; the terms are added to `matched`. A word
  // of five letters or more that no term equals or starts with is taken as misspelt: only then are the words
  // within a typo of it looked up (as Typesense falls back to typos when a word finds nothing), so a correctly
  // spelt word never downloads vocabulary shards or brings in its neighbours' papers.
  Index.prototype.findWord = function (word, matched) {
    var self = this, starts = this.dictionary.postings;
    // A two-letter word is a word of its own (AI, 3D, RL): as the start of thousands of words it would only
    // fetch shards while the reader types on.
    var first = shardOf(starts, word), last = word.length < MIN_PREFIX ? first : Math.min(shardOf(starts, word + "\uffff"), first + MAX_PREFIX_SHARDS - 1);
    var shards = [];
    for (var n = first; n <= last; n++) shards.push(this.postingsShard(n));
    return Promise.all(shards).then(function (loaded) {
      var hits = new Hits(self.dictionary.papers);
      loaded.forEach(function (shard) {
        Object.keys(shard).forEach(function (term) {
          if (term.lastIndexOf(word, 0) !== 0 || (word.length < MIN_PREFIX && term !== word)) return;
          matched.add(term);
          self.addHits(hits, self.postings(shard, term), term === word ? SCORE.exact : SCORE.prefix);
        });
      });
      if (hits.docs.length || word.length < 5) return hits;
      return self.closeTerms(word).then(function (close) {
        return Promise.all(close.map(function (term) { return self.termPostings(term); })).then(function (lists) {
          lists.forEach(function (list, i) {
            if (!list) return;
            matched.add(close[i]);
            self.addHits(hits, list, SCORE.fuzzy);
          });
          return hits;
        });
      });
    });
  };

  // A query word's hits: each paper's best score for it (0: none) and the papers that have one.
  function Hits(papers) {
    this.scores = new Uint8Array(papers);
    this.docs = [];
  }

  Index.prototype.addHits = function (hits, list, scores) {
    if (!list) return;
    var best = hits.scores, docs = hits.docs;
    for (var i = 0; i < list.docs.length; i++) {
      var doc = list.docs[i], score = scores[list.strong[i]], had = best[doc];
      if (had === 0) docs.push(doc);
      if (had < score) best[doc] = score;
    }
  };

  // Words within one typo (two for words of nine or more letters) that share the first two letters.
  Index.prototype.closeTerms = function (word) {
    var starts = this.dictionary.vocabulary, head = word.slice(0, 2), limit = word.length >= 9 ? 2 : 1;
    var first = shardOf(starts, head), last = Math.min(shardOf(starts, head + "\uffff"), first + MAX_FUZZY_SHARDS - 1);
    var shards = [];
    for (var n = first; n <= last; n++) shards.push(this.file("v/" + n + ".txt", true));
    return Promise.all(shards).then(function (texts) {
      var close = [];
      texts.forEach(function (text) {
        text.split("\n").forEach(function (term) {
          if (term.lastIndexOf(head, 0) !== 0 || term.lastIndexOf(word, 0) === 0) return;
          var d = distance(word, term, limit);
          if (d <= limit) close.push([d, term]);
        });
      });
      close.sort(function (a, b) { return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0); });
      return close.slice(0, MAX_FUZZY_TERMS).map(function (pair) { return pair[1]; });
    });
  };

  // Paper numbers first seen between from and to (ISO dates, either may be empty): a range, as papers come newest first.
  Index.prototype.dateRange = function (from, to) {
    var lo = 0, hi = this.dictionary.papers;
    for (var i = 0; i < this.days.length; i++) {
      if (to && this.days[i] > to) lo = i + 1 < this.days.length ? this.firsts[i + 1] : hi;
      if (from && this.days[i] < from) { hi = this.firsts[i]; break; }
    }
    return [lo, hi];
  };

  // {docs: [paper numbers, best first], matched: Set of the index terms that matched}
  Index.prototype.search = function (query, topic, from, to) {
    var self = this, parsed = parseQuery(query, this.stopWords), matched = new Set();
    var parts = parsed.words.map(function (word) { return self.wordHits(word, matched); });
    parsed.ids.forEach(function (id) {
      parts.push(self.termPostings(id).then(function (list) {
        var hits = new Hits(self.dictionary.papers);
        if (list) { matched.add(id); self.addHits(hits, list, SCORE.exact); }
        return hits;
      }));
    });
    var topicDocs = topic ? this.termPostings(":" + topic) : Promise.resolve(null);
    return Promise.all([Promise.all(parts), topicDocs]).then(function (loaded) {
      var hitLists = loaded[0], range = self.dateRange(from, to), papers = self.dictionary.papers, allowed = null;
      if (loaded[1] !== null || topic) {
        allowed = new Uint8Array(papers);
        if (loaded[1]) loaded[1].docs.forEach(function (doc) { allowed[doc] = 1; });
      }
      var docs = [];
      if (!hitLists.length) {
        if (!allowed && !from && !to) return { docs: docs, matched: matched, empty: true };
        // Filters alone: every paper they let through, newest first (in number order).
        for (var doc = range[0]; doc < range[1]; doc++) if (!allowed || allowed[doc]) docs.push(doc);
        return { docs: docs, matched: matched, empty: false };
      }
      // Best first: the higher score, then the newer paper (the lower number), as one number per paper,
      // (top - score) * papers + paper, so that a typed array sorts them numerically.
      hitLists.sort(function (a, b) { return a.docs.length - b.docs.length; });
      var top = SCORE.exact[1] * hitLists.length + 1, keys = [], fewest = hitLists[0];
      fewest.docs.forEach(function (doc) {
        if (doc < range[0] || doc >= range[1] || (allowed && !allowed[doc])) return;
        var score = fewest.scores[doc];
        for (var i = 1; i < hitLists.length; i++) {
          var more = hitLists[i].scores[doc];
          if (!more) return;
          score += more;
        }
        keys.push((top - score) * papers + doc);
      });
      var sorted = Float64Array.from(keys).sort();
      for (var k = 0; k < sorted.length; k++) docs.push(sorted[k] % papers);
      return { docs: docs, matched: matched, empty: false };
    });
  };

  // Each paper's result line, a promise per paper; the papers of one chunk share its fetch. The first
  // FIRST_WAVE results' chunks are asked for at once, the rest once those are in and only if `wanted()`
  // still holds (null otherwise): the first results do not share the page's thread and the browser's
  // connections with up to 14 more files, nor the next keystroke's files with this one's.
  Index.prototype.lines = function (docs, wanted) {
    var self = this, chunk = this.dictionary.chunk;
    function line(doc) {
      return self.file("d/" + Math.floor(doc / chunk) + ".json").then(function (lines) { return lines[doc % chunk]; });
    }
    var first = docs.slice(0, FIRST_WAVE).map(line);
    var settled = Promise.all(first.map(function (loaded) { return loaded.catch(function () { /* the caller reports it */ }); }));
    return first.concat(docs.slice(FIRST_WAVE).map(function (doc) {
      return settled.then(function () { return wanted() ? line(doc) : null; });
    }));
  };

  Index.prototype.firstSeen = function (doc) {
    return this.days[shardOf(this.firsts, doc)];
  };

  // Text into parent, the words that matched the query (whole words of the text) in <mark>.
  function appendMarked(parent, text, matched) {
    var last = 0;
    text.replace(WORD, function (word, offset) {
      if (matched.has(word.toLowerCase())) {
        if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
        var mark = document.createElement("mark");
        mark.textContent = word;
        parent.appendChild(mark);
        last = offset + word.length;
      }
      return word;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // About 240 characters of the abstract around its first matched word.
  function excerpt(text, matched) {
    var at = -1;
    text.replace(WORD, function (word, offset) {
      if (at < 0 && matched.has(word.toLowerCase())) at = offset;
      return word;
    });
    if (at < 0) at = 0;
    var start = Math.max(0, at - 80), end = Math.min(text.length, start + 240);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    return (start > 0 ? "…" : "") + text.slice(start, end).trim() + (end < text.length ? "…" : "");
  }

  // "7 Dec 2026", as the site's cards show a date. Written out rather than with Intl.DateTimeFormat, whose
  // first use in a page loads the locale's data ahead of a cold page's first result.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function formatDate(iso) {
    return parseInt(iso.slice(8, 10), 10) + " " + MONTHS[parseInt(iso.slice(5, 7), 10) - 1] + " " + iso.slice(0, 4);
  }

  function start() {
    var form = document.getElementById("search");
    if (!form) return;
    var input = form.querySelector("input[name=q]");
    var topicSelect = form.querySelector("select[name=topic]");
    var fromInput = form.querySelector("input[name=from]");
    var toInput = form.querySelector("input[name=to]");
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var pager = document.getElementById("search-pager");
    var base = form.dataset.index.replace(/[^/]*$/, "");
    var index = null, generation = 0, pageNumber = 1, abstracts = new Map();
    var typing = false;  // a query being typed: its first URL write pushes a history entry, the later ones replace it
    var pending = 0, pushPending = false;  // the URL write typing has scheduled, and whether it adds an entry

    function state() {
      var params = new URLSearchParams();
      if (input.value) params.set("q", input.value);
      if (topicSelect && topicSelect.value) params.set("topic", topicSelect.value);
      if (fromInput && fromInput.value) params.set("from", fromInput.value);
      if (toInput && toInput.value) params.set("to", toInput.value);
      if (pageNumber > 1) params.set("page", String(pageNumber));
      var text = params.toString();
      return window.location.pathname + (text ? "?" + text : "");
    }

    function restore() {
      var params = new URLSearchParams(window.location.search);
      input.value = params.get("q") || "";
      if (topicSelect) topicSelect.value = params.get("topic") || "";
      if (topicSelect && topicSelect.value !== (params.get("topic") || "")) topicSelect.value = "";
      if (fromInput) fromInput.value = params.get("from") || "";
      if (toInput) toInput.value = params.get("to") || "";
      pageNumber = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    }

    function write(push) {
      var url = state();
      if (url === window.location.pathname + window.location.search) return;
      if (push) window.history.pushState(null, "", url); else window.history.replaceState(null, "", url);
    }

    // Typing writes the URL once it pauses: each history write makes Chromium fetch and decode the favicon
    // again on the page's thread, where the keystroke's results would wait behind it.
    function rememberSoon() {
      if (!typing) pushPending = true;
      typing = true;
      window.clearTimeout(pending);
      pending = window.setTimeout(flush, URL_DELAY);
    }

    function flush() {
      if (!pending) return;
      window.clearTimeout(pending);
      pending = 0;
      write(pushPending);
      pushPending = false;
    }

    function remember(push) {
      flush();
      if (push) typing = false;
      write(push);
    }

    function snippet(paper, target, matched, mine) {
      var found = abstracts.get(paper[0]);
      if (!found) {
        found = fetch(form.dataset.papers + paper[0] + "/").then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        }).then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var paragraphs = page.querySelectorAll(".abstract p:not(.meta)");
          return Array.prototype.map.call(paragraphs, function (p) { return p.textContent; }).join(" ").replace(/\s+/g, " ").trim();
        });
        abstracts.set(paper[0], found);
        found.catch(function () { abstracts.delete(paper[0]); });
      }
      found.then(function (text) {
        if (mine !== generation || !text) return;
        appendMarked(target, excerpt(text, matched), matched);
      }, function () { /* the result stands without its snippet */ });
    }

    function renderPaper(doc, paper, matched, mine, snippets) {
      var item = document.createElement("li");
      item.className = "paper";
      var heading = document.createElement("h2");
      heading.className = "paper-title";
      var link = document.createElement("a");
      link.href = form.dataset.papers + paper[0] + "/";
      appendMarked(link, paper[1], matched);
      heading.appendChild(link);
      var meta = document.createElement("p");
      meta.className = "meta";
      var time = document.createElement("time"), iso = index.firstSeen(doc);
      time.dateTime = iso;
      time.textContent = formatDate(iso);
      meta.append("First seen ", time);
      var authors = paper[3], shown = authors.slice(0, 4);
      authors.slice(4).forEach(function (name) {
        if (words(name, index.stopWords).some(function (w) { return matched.has(w); })) shown.push(name);
      });
      if (shown.length) {
        var names = document.createElement("span");
        names.className = "authors";
        appendMarked(names, " · " + shown.join(", ") + (shown.length < authors.length ? ", et al." : ""), matched);
        meta.appendChild(names);
      }
      if (paper[4]) {
        var organization = document.createElement("span");
        organization.className = "organization";
        appendMarked(organization, " · " + paper[4], matched);
        meta.appendChild(organization);
      }
      if (paper[5]) {
        var id = document.createElement("span");
        id.className = "arxiv-id";
        id.append(" · arXiv ");
        var idText = document.createElement(matched.has(paper[5]) ? "mark" : "span");
        idText.textContent = paper[5];
        id.appendChild(idText);
        meta.appendChild(id);
      }
      item.append(heading, meta);
      var text = document.createElement("p");
      text.className = "snippet";
      item.appendChild(text);
      snippets.push(function () { snippet(paper, text, matched, mine); });
      if (paper[2].length) {
        var chips = document.createElement("ul");
        chips.className = "chips";
        chips.setAttribute("aria-label", "Topics");
        paper[2].forEach(function (slug) {
          var chip = document.createElement("li"), topic = document.createElement("a");
          topic.href = form.dataset.topics + slug + "/";
          topic.textContent = slug;
          chip.appendChild(topic);
          chips.appendChild(chip);
        });
        item.appendChild(chips);
      }
      return item;
    }

    function pageLink(label, number, rel) {
      var link = document.createElement("a");
      var saved = pageNumber;
      pageNumber = number;
      link.href = state();
      pageNumber = saved;
      link.textContent = label;
      link.rel = rel;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        pageNumber = number;
        remember(true);
        run();
        window.scrollTo(0, 0);
      });
      return link;
    }

    function run() {
      if (!index) return;
      var mine = ++generation, started = performance.now(), query = input.value;
      list.setAttribute("aria-busy", "true");  // until this search's page of results is complete
      var topic = topicSelect ? topicSelect.value : "", from = fromInput ? fromInput.value : "", to = toInput ? toInput.value : "";
      index.search(query, topic, from, to).then(function (result) {
        if (mine !== generation) return null;
        var count = result.docs.length, pages = Math.max(1, Math.ceil(count / PAGE));
        if (pageNumber > pages) pageNumber = pages;
        var first = (pageNumber - 1) * PAGE, docs = result.docs.slice(first, first + PAGE);
        // Each result is shown once its line and those of the results above it are in: the first as soon as
        // its chunk arrives, not after the page's slowest. The old results stay until the first new one.
        var lines = index.lines(docs, function () { return mine === generation; }), snippets = [];
        lines.forEach(function (line) { line.catch(function () { /* reported once, by the chain below */ }); });
        var shown = lines.reduce(function (above, line, i) {
          return above.then(function () { return line; }).then(function (paper) {
            if (mine !== generation) return;
            if (i === 0) { list.textContent = ""; list.start = first + 1; }
            list.appendChild(renderPaper(docs[i], paper, result.matched, mine, snippets));
            if (i === 0) form.dispatchEvent(new CustomEvent("search:first", { detail: { query: query, ms: performance.now() - started } }));
          });
        }, Promise.resolve());
        return shown.then(function () {
          if (mine !== generation) return;
          list.removeAttribute("aria-busy");
          if (!docs.length) list.textContent = "";
          pager.textContent = "";
          if (result.empty) {
            status.textContent = "Type a word of a title, an abstract or a topic, an author's name or an arXiv id.";
          } else if (!count) {
            status.textContent = "No paper matches.";
          } else {
            status.textContent = count + (count === 1 ? " paper matches" : " papers match") +
              (count > PAGE ? "; " + (first + 1) + "–" + (first + docs.length) + " shown." : ".");
          }
          // Snippets need each result's page: fetched once the results have stood a moment, so pages fetched
          // for results a keystroke replaces do not hold up the next keystroke's index files.
          window.setTimeout(function () {
            if (mine === generation) snippets.forEach(function (fill) { fill(); });
          }, SNIPPET_DELAY);
          if (pages > 1) {
            if (pageNumber > 1) pager.appendChild(pageLink("← Previous", pageNumber - 1, "prev"));
            var where = document.createElement("span");
            where.textContent = " Page " + pageNumber + " of " + pages + " ";
            pager.appendChild(where);
            if (pageNumber < pages) pager.appendChild(pageLink("Next →", pageNumber + 1, "next"));
          }
          form.dispatchEvent(new CustomEvent("search:rendered", { detail: { query: query, count: count, ms: performance.now() - started } }));
        });
      }).catch(function (error) {
        if (mine !== generation) return;
        list.removeAttribute("aria-busy");
        status.textContent = "The search index could not be loaded (" + error.message + ").";
      });
    }

    restore();
    status.textContent = "Loading the index…";
    fetch(form.dataset.index)
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      })
      .then(function (dictionary) {
        index = new Index(base, dictionary);
        if (topicSelect) {
          var wanted = new URLSearchParams(window.location.search).get("topic") || "";
          dictionary.topics.forEach(function (topic) {
            var option = document.createElement("option");
            option.value = topic[0];
            option.textContent = topic[1] + " (" + topic[2] + ")";
            topicSelect.appendChild(option);
          });
          topicSelect.value = wanted;
          if (topicSelect.value !== wanted) topicSelect.value = "";
        }
        if (fromInput && index.days.length) { fromInput.min = toInput.min = index.days[index.days.length - 1]; fromInput.max = toInput.max = index.days[0]; }
        form.dataset.ready = "true";
        if (input.value || (topicSelect && topicSelect.value) || (fromInput && fromInput.value) || (toInput && toInput.value)) run();
        else status.textContent = "Ready: " + dictionary.papers + " papers. Type to search.";
      })
      .catch(function (error) {
        status.textContent = "The search index could not be loaded (" + error.message + ").";
      });
    input.addEventListener("input", function () { pageNumber = 1; rememberSoon(); run(); });
    // A result followed, or the page left, before the write: the query is in the URL the back button returns to.
    list.addEventListener("click", flush, true);
    window.addEventListener("pagehide", flush);
    [topicSelect, fromInput, toInput].forEach(function (field) {
      if (field) field.addEventListener("change", function () { pageNumber = 1; remember(true); run(); });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      pageNumber = 1;
      remember(true);
      run();
    });
    window.addEventListener("popstate", function () {
      window.clearTimeout(pending);
      pending = 0;
      pushPending = typing = false;
      restore();
      run();
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { Index: Index, words: words, parseQuery: parseQuery, decodeValues: decodeValues, distance: distance, shardOf: shardOf };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
