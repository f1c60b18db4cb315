// Keeps the console's cards current: the server's event stream (/console/live) says
// which decision changed, and its card is fetched and put in place. Without this
// script every page still reads, and reloading shows the same.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource || !window.fetch) return;
  var inbox = root.getAttribute("data-live") === "inbox";
  var back = root.getAttribute("data-back") || "/console/";
  var status = document.getElementById("live-status");
  var source = null;

  function cards() {
    return Array.prototype.slice.call(root.querySelectorAll("article.card[data-decision]"));
  }

  function find(id) {
    return cards().filter(function (c) { return c.getAttribute("data-decision") === id; })[0];
  }

  function feed() {
    var parts = cards().map(function (c) {
      var shown = c.getAttribute("data-version") + ":" + c.getAttribute("data-decision");
      return "d=" + encodeURIComponent(shown);
    });
    if (inbox) parts.push("inbox=1");
    return "/console/live?" + parts.join("&");
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function refresh(id, added) {
    var url = "/console/decisions/" + encodeURIComponent(id) + "/card?back=" + encodeURIComponent(back);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("article.card");
        if (!fresh) return;
        var old = find(id);
        var title = fresh.querySelector(".title");
        var outcome = fresh.querySelector(".outcome strong");
        if (old) {
          keepWhatWasTyped(old, fresh);
          var hadFocus = old.contains(document.activeElement);
          old.replaceWith(fresh);
          if (hadFocus) {
            var link = fresh.querySelector(".title a");
            if (link) link.focus();
          }
          say("Updated: " + (title ? title.textContent : id) + (outcome ? " — " + outcome.textContent : ""));
        } else if (added) {
          var empty = root.querySelector(".empty");
          root.insertBefore(fresh, empty);
          if (empty) empty.hidden = true;
          say("New: " + (title ? title.textContent : id));
        }
      })
      .catch(function () { /* the next change brings it */ });
  }

  // What is being typed or picked (a reason, an edit, a delegate) survives the redraw
  // when the fresh card still has the same field in the same form.
  function keepWhatWasTyped(old, fresh) {
    var folded = old.querySelector("details.more-actions");
    var again = fresh.querySelector("details.more-actions");
    if (folded && again) again.open = folded.open;
    old.querySelectorAll("form.act textarea, form.act select").forEach(function (typed) {
      if (!typed.value || typed.value === typed.defaultValue) return;
      var kind = typed.form.querySelector("[name=kind]").value;
      var same = fresh.querySelector("form.act-" + kind + " [name=" + typed.name + "]");
      if (same) same.value = typed.value;
    });
  }

  function connect() {
    source = new EventSource(feed());
    root.setAttribute("data-live-state", "connecting");
    source.onopen = function () { root.setAttribute("data-live-state", "open"); };
    source.addEventListener("changed", function (e) { refresh(JSON.parse(e.data).decision_id, false); });
    source.addEventListener("added", function (e) { refresh(JSON.parse(e.data).decision_id, true); });
    source.addEventListener("bye", function () { source.close(); connect(); });
    source.onerror = function () {
      source.close();
      root.setAttribute("data-live-state", "closed");
      window.setTimeout(connect, 2000);
    };
  }

  connect();
})();
