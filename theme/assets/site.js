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

  // One polite live region announces copy results to screen readers.
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  (document.getElementById("main") || document.body).appendChild(live);
  function say(text) {
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  // Code blocks: a bar with the language and a copy button.
  document.querySelectorAll(".highlight").forEach(function (box) {
    var pre = box.querySelector("pre");
    var code = pre && pre.querySelector("code");
    if (!code) return;
    var match = /(?:^|\s)language-(\S+)/.exec(code.className);
    var lang = match ? match[1] : "code";
    var bar = document.createElement("div");
    bar.className = "code-bar";
    var label = document.createElement("span");
    label.textContent = lang === "output" ? "Expected output" : lang;
    bar.appendChild(label);
    pre.dataset.label = lang === "output" ? label.textContent : lang + " code";
    if (lang !== "output" && navigator.clipboard) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      var shown = document.createElement("span");
      shown.textContent = "Copy";
      var more = document.createElement("span");
      more.className = "visually-hidden";
      more.textContent = " " + lang + " code";
      button.append(shown, more);
      button.addEventListener("click", function () {
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
      bar.appendChild(button);
    }
    box.insertBefore(bar, box.firstChild);
  });

  // A block that scrolls sideways must be reachable by keyboard. A ResizeObserver
  // reports each block after layout (and again on resize), so checking its width
  // never forces a layout of its own.
  function mark(pre) {
    var scrolls = pre.scrollWidth > pre.clientWidth;
    ["tabindex", "role", "aria-label"].forEach(function (name, i) {
      if (scrolls) pre.setAttribute(name, ["0", "region", pre.dataset.label || "Output"][i]);
      else pre.removeAttribute(name);
    });
  }
  var pres = document.querySelectorAll(".highlight pre, .snippet-output pre, .snippet-error pre");
  if (window.ResizeObserver) {
    var watcher = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { mark(entry.target); });
    });
    pres.forEach(function (pre) { watcher.observe(pre); });
  } else {
    pres.forEach(mark);
  }
})();
