const script = document.querySelector("script[data-bundle]");
const form = document.querySelector(".search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
let pagefind;
let latest = 0;
async function load() {
if (!pagefind) {
pagefind = await import(script.dataset.bundle);
const base = new URL(script.dataset.bundle, location.href).pathname.replace(/pagefind\/pagefind\.js$/, "");
await pagefind.options({ baseUrl: base });
}
return pagefind;
}
function item(data) {
const li = document.createElement("li");
const h = document.createElement("h2");
const a = document.createElement("a");
a.href = data.url;
a.textContent = (data.meta && data.meta.title) || data.url;
h.append(a);
const p = document.createElement("p");
p.innerHTML = data.excerpt; // Pagefind escapes the text and adds only <mark>
li.append(h, p);
return li;
}
async function run(query) {
const id = ++latest;
query = query.trim();
if (!query) {
list.replaceChildren();
status.textContent = "";
return;
}
status.textContent = "Searching…";
try {
const pf = await load();
const found = await pf.search(query);
const data = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
if (id !== latest) return;
list.replaceChildren(...data.map(item));
const n = found.results.length;
status.textContent = n
? `${n} result${n === 1 ? "" : "s"} for “${query}”${n > 20 ? ", showing the first 20" : ""}.`
: `Nothing found for “${query}”.`;
} catch (err) {
status.textContent = "Search is not available right now.";
console.warn(err);
}
}
let timer;
input.addEventListener("input", () => {
clearTimeout(timer);
timer = setTimeout(() => run(input.value), 250);
});
form.addEventListener("submit", (event) => {
event.preventDefault();
history.replaceState(null, "", "?q=" + encodeURIComponent(input.value.trim()));
run(input.value);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
input.value = initial;
run(initial);
}
