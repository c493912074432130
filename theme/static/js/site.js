(function () {
"use strict";
var root = document.documentElement;
var dark = window.matchMedia("(prefers-color-scheme: dark)");
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
var live = document.querySelector("[data-announcer]");
function say(text) {
live.textContent = "";
setTimeout(function () { live.textContent = text; }, 50);
}
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
var style = getComputedStyle(pres[0]);
ruler.font = style.font;
var column = ruler.measureText("0").width;
var padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
var scrolls = pres.map(function (pre, i) {
return columns[i] * column > pre.parentNode.clientWidth - padding;
});
pres.forEach(function (pre, i) {  // all reads above, all writes here: one layout
["tabindex", "role", "aria-label"].forEach(function (name, j) {
if (scrolls[i]) pre.setAttribute(name, ["0", "region", label(pre)][j]);
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
