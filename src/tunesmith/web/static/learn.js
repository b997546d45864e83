// The exercise sheet: make an exercise, hear it, answer it, see the grade and the answer key.
"use strict";
let current = null;

async function loadProgress() {
  const data = await api("GET", "/api/progress");
  const body = $("#progress tbody");
  body.replaceChildren();
  for (const [kind, row] of Object.entries(data.kinds)) {
    const mean = row.mean_score === null ? "–" : `${Math.round(row.mean_score * 100)}%`;
    body.append(el("tr", {}, el("td", { text: kind }), el("td", { text: String(row.answers) }),
      el("td", { text: mean }), el("td", { text: String(row.next_level) })));
  }
}

function show(ex) {
  current = ex;
  $("#ex-card").hidden = false;
  $("#grade").hidden = true;
  $("#ex-title").textContent = `${ex.kind} · level ${ex.level} · ${ex.key} · ${ex.meter}`;
  $("#ex-instructions").textContent = ex.instructions;
  $("#ex-audio").src = ex.files.audio;
  $("#ex-score").hidden = !ex.files.score;
  if (ex.files.score) $("#ex-score").href = ex.files.score;
  $("#answer-text").value = "";
  $("#answer-file").value = "";
}

$("#ex-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#ex-error").textContent = "";
  const body = { kind: $("#ex-kind").value };
  if ($("#ex-level").value) body.level = Number($("#ex-level").value);
  $("#ex-new").disabled = true;
  try { show(await api("POST", "/api/exercises", body)); }
  catch (e) { $("#ex-error").textContent = e.message; }
  finally { $("#ex-new").disabled = false; }
});

$("#answer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!current) return;
  const form = new FormData();
  const file = $("#answer-file").files[0];
  if (file) form.append("file", file); else form.append("text", $("#answer-text").value);
  try {
    const g = await api("POST", `/api/exercises/${current.id}/answer`, form, true);
    $("#grade").hidden = false;
    $("#grade-score").textContent = `${Math.round(g.score * 100)}% · ${g.passed ? "passed" : "not yet"} · next level ${g.next_level}`;
    const list = $("#grade-feedback");
    list.replaceChildren(...g.feedback.map((line) => el("li", { text: line })));
    const links = $("#answer-links");
    links.replaceChildren();
    for (const [k, url] of Object.entries(g.exercise.files)) {
      if (k.startsWith("answer")) links.append(el("a", { href: url, download: "", text: k.replace("_", " ") }), " ");
    }
    loadProgress();
  } catch (e) { $("#ex-error").textContent = e.message; }
});

ensureSignedIn().then((name) => { $("#who").textContent = `signed in as ${name}`; loadProgress(); })
  .catch((e) => { $("#ex-error").textContent = e.message; });
