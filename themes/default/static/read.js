// Reading aids over the cards (the card macro in _macros.html): the compact/full view and the sort,
// both remembered in localStorage; j/k/o/x from the keyboard; "New" marks for papers first listed after
// the newest day seen on an earlier visit; the BibTeX copy button. Without it every page reads in full.
(function () {
  "use strict";
  var root = document.documentElement;
  var store = {
    get: function (key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode: not remembered */ } }
  };
  var lists = [].slice.call(document.querySelectorAll("ol.cards"));

  function cards() {
    // The cards a reader can see: those in a closed <details> (papers seen before) are skipped.
    return [].slice.call(document.querySelectorAll(".card")).filter(function (card) { return card.offsetParent !== null; });
  }

  function setView(view) {
    root.dataset.view = view;
    store.set("digest-view", view);
    [].forEach.call(document.querySelectorAll(".view-toggle"), function (button) {
      button.setAttribute("aria-pressed", view === "compact" ? "true" : "false");
    });
  }

  function sortCards(order) {
    lists.forEach(function (list) {
      var items = [].slice.call(list.children);
      items.sort(function (a, b) {
        if (order === "up") {
          var diff = Number(b.dataset.up) - Number(a.dataset.up);
          if (diff) { return diff; }
        }
        return Number(a.dataset.at) - Number(b.dataset.at);
      });
      items.forEach(function (item) { list.appendChild(item); });
    });
    store.set("digest-sort", order);
  }

  lists.forEach(function (list) {
    [].forEach.call(list.children, function (item, index) { item.dataset.at = String(index); });
  });

  [].forEach.call(document.querySelectorAll(".tools"), function (tools) {
    tools.hidden = false;
    tools.querySelector(".view-toggle").addEventListener("click", function () {
      setView(root.dataset.view === "compact" ? "full" : "compact");
    });
    var select = tools.querySelector(".sort");
    select.value = store.get("digest-sort") === "up" ? "up" : "listing";
    select.addEventListener("change", function () { sortCards(select.value); });
  });
  setView(root.dataset.view === "compact" ? "compact" : "full");
  if (store.get("digest-sort") === "up") { sortCards("up"); }

  // New since the last visit: the newest day seen before this browser session began is the line.
  var days = lists.map(function (list) { return list.dataset.day; }).filter(Boolean);
  if (days.length) {
    var seen = store.get("digest-seen") || "";
    var before = seen;
    try {
      if (sessionStorage.getItem("digest-session")) { before = store.get("digest-before") || ""; }
      else { sessionStorage.setItem("digest-session", "1"); store.set("digest-before", seen); }
    } catch (e) { /* no session storage: compare with the newest day seen */ }
    if (before) {
      [].forEach.call(document.querySelectorAll(".card"), function (card) {
        if (card.dataset.d > before) { card.classList.add("is-new"); }
      });
    }
    var newest = days.sort()[days.length - 1];
    if (newest > seen) { store.set("digest-seen", newest); }
  }

  // Keyboard: j/k move to the next/previous card, o opens it, x expands or collapses its abstract.
  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".card") : null;
  }
  function focusCard(card) {
    [].forEach.call(document.querySelectorAll(".card.is-current"), function (other) { other.classList.remove("is-current"); });
    card.classList.add("is-current");
    card.querySelector(".t a").focus();
    card.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var key = event.key;
    if (key !== "j" && key !== "k" && key !== "o" && key !== "x") { return; }
    var all = cards();
    if (!all.length) { return; }
    var card = current();
    var at = card ? all.indexOf(card) : -1;
    if (key === "j") { focusCard(all[Math.min(at + 1, all.length - 1)]); }
    else if (key === "k") { focusCard(all[Math.max(at - 1, 0)]); }
    else if (key === "o" && card) { window.location.href = card.querySelector(".t a").href; }
    else if (key === "x" && card) {
      var details = card.querySelector("details");
      if (details) { details.open = !details.open; }
    } else { return; }
    event.preventDefault();
  });

  // BibTeX: copy the entry shown on a paper page.
  [].forEach.call(document.querySelectorAll("button.copy"), function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy BibTeX"; }, 2000);
      });
    });
  });
})();
