// Originality page: plain JS over /api/originality (see web/routes/originality.py).
"use strict";
const $o = (sel) => document.querySelector(sel);

async function call(method, path, form) {
  const res = await fetch(path, { method, body: form, credentials: "same-origin" });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) $o("#signin-note").hidden = false;
  if (!res.ok) throw new Error(data.detail || `${res.status} ${res.statusText}`);
  return data;
}

function item(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function fileForm(input) {
  const form = new FormData();
  form.append("file", $o(input).files[0]);
  return form;
}

$o("#check-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const list = $o("#check-results");
  list.replaceChildren();
  $o("#check-status").textContent = "checking…";
  try {
    const rep = await call("POST", "/api/originality/check", fileForm("#check-file"));
    $o("#check-status").textContent =
      `${rep.notes} melody notes against ${rep.indexed_works} works: ${rep.verdict}`;
    for (const m of rep.matches) {
      const li = item("li", "");
      li.append(item("strong", `${m.match ? "MATCH " : ""}${m.similarity.toFixed(2)} — ${m.title}`));
      li.append(item("div", m.explanation));
      list.append(li);
    }
  } catch (err) {
    $o("#check-status").textContent = `error: ${err.message}`;
  }
});

$o("#identify-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $o("#identify-result");
  out.textContent = "listening…";
  try {
    const { match } = await call("POST", "/api/originality/identify", fileForm("#identify-file"));
    out.textContent = match
      ? `${match.title} [${match.id}], from ${match.offset_seconds.toFixed(1)} s ` +
        `(${match.peaks_on_piece} of ${match.query_peaks} peaks agree, chance ${match.chance}; ` +
        `score ${match.score} ≥ ${match.threshold})`
      : "no stored piece or recording matches this clip";
  } catch (err) {
    out.textContent = `error: ${err.message}`;
  }
});

function row(table, key, value) {
  const tr = document.createElement("tr");
  tr.append(item("th", key), item("td", typeof value === "string" ? value : JSON.stringify(value)));
  table.append(tr);
}

$o("#cert-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const view = $o("#cert-view");
  view.replaceChildren();
  try {
    const cert = await call("GET", `/api/originality/certificate/${Number($o("#cert-piece").value)}`);
    const c = cert.certificate;
    const table = document.createElement("table");
    row(table, "title", c.title);
    row(table, "registered", c.registered_at);
    row(table, "registry entry", `${cert.log.seq} of ${cert.log.head.size}`);
    row(table, "proof", cert.check.problems.length ? cert.check.problems.join("; ") : "valid inclusion proof");
    row(table, "log head", `${cert.log.head.size}:${cert.log.head.root}`);
    row(table, "notes sha256", c.notes_sha256);
    for (const [fmt, f] of Object.entries(c.files)) row(table, `${fmt} sha256`, `${f.sha256} (${f.name})`);
    row(table, "seed", String(c.seed));
    row(table, "controls", c.controls);
    row(table, "models", c.models);
    row(table, "originality", c.originality);
    const link = item("a", "download JSON");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(cert, null, 2)], { type: "application/json" }));
    link.download = `certificate-${c.piece_id}.json`;
    view.append(table, link);
  } catch (err) {
    view.append(item("p", `error: ${err.message}`));
  }
  try {
    const reg = await call("GET", "/api/originality/registry");
    $o("#registry-state").textContent =
      `registry: ${reg.entries} entries, ${reg.ok ? "intact" : "DAMAGED: " + reg.problems.join("; ")}`;
  } catch (err) {
    $o("#registry-state").textContent = "";
  }
});
