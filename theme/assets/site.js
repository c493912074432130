// Progressive enhancements; every page reads fine without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var dark = window.matchMedia("(prefers-color-scheme: dark)");

  // Theme toggle: the stored choice was applied by the inline script in <head>.
  function isDark() {
    var t = root.dataset.theme;
    return t ? t === "dark" : dark.matches;
  }
  var toggle = document.querySelector(".theme-toggle");
  function sync() { if (toggle) toggle.setAttribute("aria-pressed", String(isDark())); }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("theme", next); } catch (e) { /* private mode */ }
      sync();
    });
    dark.addEventListener("change", sync);
    sync();
  }

  // The page's polite live region announces copy results to screen readers.
  var live = document.querySelector("[data-announcer]");
  function say(text) {
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  // Code blocks come with their bar (label and copy button) in the HTML, so nothing
  // is added to the page here: one listener serves every copy button.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".copy-button");
    var code = button && button.closest(".highlight").querySelector("pre code");
    if (!code) return;
    var shown = button.firstElementChild;
    var text = code.textContent.replace(/\n$/, "");
    navigator.clipboard.writeText(text).then(function () {
      shown.textContent = "Copied";
      say("Code copied to the clipboard");
    }, function () {
      shown.textContent = "Not copied";
      say("Could not copy the code");
    }).then(function () {
      setTimeout(function () { shown.textContent = "Copy"; }, 2000);
    });
  });

  // A code block wider than the page scrolls sideways, and must then be reachable by
  // keyboard, and named. Whether it scrolls is worked out from its longest line and the
  // block's width, so the code itself is never laid out here: the browser skips laying
  // out code blocks that are off screen (content-visibility in site.css).
  var pres = Array.prototype.slice.call(
    document.querySelectorAll(".highlight pre, .snippet-output pre, .snippet-error pre"));
  var columns = pres.map(function (pre) {
    return pre.textContent.split("\n").reduce(function (most, line) {
      return Math.max(most, line.replace(/\t/g, "    ").length);
    }, 0);
  });
  var ruler = document.createElement("canvas").getContext("2d");
  function label(pre) {
    var code = pre.querySelector("code");
    var match = code && /(?:^|\s)language-(\S+)/.exec(code.className);
    if (!match) return "Output";
    return match[1] === "output" ? "Expected output" : match[1] + " code";
  }
  function markAll() {
    if (!pres.length) return;
    // Every code block has the same font and padding (site.css); reading them from one
    // block styles that block only.
    var style = getComputedStyle(pres[0]);
    ruler.font = style.font;
    var column = ruler.measureText("0").width;
    var padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    var scrolls = pres.map(function (pre, i) {
      return columns[i] * column > pre.parentNode.clientWidth - padding;
    });
    // Each region needs a name of its own: a label that repeats is numbered ("python code 2").
    var labels = pres.map(function (pre, i) { return scrolls[i] ? label(pre) : ""; });
    var seen = {};
    var names = labels.map(function (name) {
      if (!name) return "";
      seen[name] = (seen[name] || 0) + 1;
      var total = labels.filter(function (other) { return other === name; }).length;
      return total > 1 ? name + " " + seen[name] : name;
    });
    pres.forEach(function (pre, i) {  // all reads above, all writes here: one layout
      ["tabindex", "role", "aria-label"].forEach(function (name, j) {
        if (scrolls[i]) pre.setAttribute(name, ["0", "region", names[i]][j]);
        else pre.removeAttribute(name);
      });
    });
  }
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; markAll(); });
  });
  markAll();
})();
