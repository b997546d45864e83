// tunesmith page: plain JS over the REST API (/openapi.json), with common.js's helpers. The session
// token lives in an HttpOnly cookie set by the sign-in endpoints, so <audio> and download links work.
"use strict";
const state = { config: null, pad: null, job: null, pieces: [], current: null, stars: 0, offset: 0 };

function fill(select, values, labelOf) {
  for (const v of values) select.append(el("option", { value: v, text: labelOf ? labelOf(v) : v }));
}

// ----- sign-in -----------------------------------------------------------------------------------
async function start() {
  state.config = await api("GET", "/api/config");
  try {
    const me = await api("GET", "/api/me");
    return enter(me.name);
  } catch (e) { /* not signed in */ }
  $("#signin").hidden = false;
  $("#local-note").hidden = !state.config.local_sign_in;
}

async function signIn(path, body) {
  $("#signin-error").textContent = "";
  try {
    const r = await api("POST", path, body);
    enter(r.user);
  } catch (e) { $("#signin-error").textContent = e.message; }
}

function enter(name) {
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#who").textContent = `signed in as ${name}`;
  $("#logout-btn").hidden = false;
  setupForm();
  search(true);
  loadTags();
  loadRatings();
  loadRecommendations();
  loadUploads();
}

$("#local-signin").addEventListener("click", () => signIn("/api/auth/local"));
$("#login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  signIn("/api/auth/login", { name: $("#login-name").value, password: $("#login-password").value });
});
$("#register-btn").addEventListener("click", async () => {
  // Registering answers alike whether or not the name was free (no name oracle): sign in after it.
  const body = { name: $("#login-name").value, password: $("#login-password").value };
  $("#signin-error").textContent = "";
  try { await api("POST", "/api/auth/register", body); }
  catch (e) { $("#signin-error").textContent = e.message; return; }
  try { enter((await api("POST", "/api/auth/login", body)).user); }
  catch (e) { $("#signin-error").textContent = `${e.message} (if the name was taken, choose another)`; }
});
$("#logout-btn").addEventListener("click", async () => { await api("POST", "/api/auth/logout"); location.reload(); });

// ----- compose form ------------------------------------------------------------------------------
let formReady = false;
function setupForm() {
  if (formReady) return;
  formReady = true;
  const c = state.config;
  fill($("#f-style"), c.styles);
  $("#f-style").value = c.styles.includes("folk") ? "folk" : c.styles[0];
  fill($("#f-mood"), Object.keys(c.moods));
  fill($("#f-key"), c.keys);
  fill($("#f-mode"), c.modes);
  fill($("#f-meter"), c.meters);
  fill($("#f-form"), c.forms);
  fill($("#f-model"), c.models);
  for (const o of c.outputs) {
    const box = el("input", { type: "checkbox", value: o, id: `out-${o}` });
    box.checked = c.default_outputs.includes(o);
    $("#f-outputs").append(el("label", {}, box, o));
  }
  $("#f-temperature").addEventListener("input", () => { $("#temp-value").textContent = $("#f-temperature").value; });
  $("#f-mood").addEventListener("change", () => {
    const m = c.moods[$("#f-mood").value];
    setPad(m ? { v: m[0], a: m[1] } : null);
  });
  $("#pad").addEventListener("click", (ev) => {
    const r = ev.currentTarget.getBoundingClientRect();
    const v = Math.round(((ev.clientX - r.left) / r.width * 2 - 1) * 100) / 100;
    const a = Math.round((1 - (ev.clientY - r.top) / r.height * 2) * 100) / 100;
    $("#f-mood").value = "";
    setPad({ v: Math.max(-1, Math.min(1, v)), a: Math.max(-1, Math.min(1, a)) });
  });
  $("#pad-clear").addEventListener("click", () => { $("#f-mood").value = ""; setPad(null); });
}

function setPad(p) {
  state.pad = p;
  const dot = $("#pad-dot");
  dot.hidden = !p;
  $("#pad-v").textContent = p ? p.v.toFixed(2) : "open";
  $("#pad-a").textContent = p ? p.a.toFixed(2) : "open";
  if (p) { dot.style.left = `${(p.v + 1) / 2 * 100}%`; dot.style.top = `${(1 - (p.a + 1) / 2) * 100}%`; }
}

function controls() {
  const body = { style: $("#f-style").value, steer: $("#f-steer").checked };
  const text = { mood: "#f-mood", key: "#f-key", mode: "#f-mode", meter: "#f-meter", form: "#f-form",
                 model: "#f-model", chords: "#f-chords" };
  for (const [k, sel] of Object.entries(text)) if ($(sel).value.trim()) body[k] = $(sel).value.trim();
  const nums = { tempo: "#f-tempo", bars: "#f-bars", candidates: "#f-candidates", seed: "#f-seed",
                 temperature: "#f-temperature", primer_piece: "#f-primer" };
  for (const [k, sel] of Object.entries(nums)) if ($(sel).value !== "") body[k] = Number($(sel).value);
  if (state.pad && !body.mood) { body.valence = state.pad.v; body.arousal = state.pad.a; }
  body.outputs = [...document.querySelectorAll("#f-outputs input:checked")].map((b) => b.value);
  return body;
}

$("#compose-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#compose-error").textContent = "";
  $("#compose-btn").disabled = true;
  try {
    const job = await api("POST", "/api/compose", controls());
    $("#job").hidden = false;
    poll(job.job_id);
  } catch (e) {
    $("#compose-error").textContent = e.message;
    $("#compose-btn").disabled = false;
  }
});

async function poll(id) {
  try {
    const j = await api("GET", `/api/jobs/${id}`);
    $("#job-progress").value = j.progress;
    $("#job-stage").textContent = `${j.stage} (${Math.round(j.progress * 100)}%)`;
    if (j.status === "done") {
      $("#job").hidden = true; // no progress bar while idle
      $("#compose-btn").disabled = false;
      state.pieces = j.pieces.map((p) => p.piece_id);
      await showPiece(state.pieces[0]);
      search(true);
      return;
    }
    if (j.status === "failed") {
      $("#job").hidden = true;
      $("#compose-btn").disabled = false;
      $("#compose-error").textContent = j.error;
      return;
    }
  } catch (e) {
    $("#job").hidden = true;
    $("#compose-error").textContent = e.message;
    $("#compose-btn").disabled = false;
    return;
  }
  setTimeout(() => poll(id), 400);
}

// ----- the piece ---------------------------------------------------------------------------------
async function showPiece(id) {
  const p = await api("GET", `/api/pieces/${id}`);
  state.current = p;
  $("#piece-card").hidden = false;
  $("#piece-title").textContent = p.title;
  const tabs = $("#candidates");
  tabs.replaceChildren();
  if (state.pieces.includes(id) && state.pieces.length > 1) {
    state.pieces.forEach((pid, i) => tabs.append(el("button", {
      text: `candidate ${i + 1}`, class: pid === id ? "active" : "", "data-piece": pid,
      onclick: () => showPiece(pid) })));
  }
  const facts = [p.source, p.key, p.meter, p.tempo && `${Math.round(p.tempo)} bpm`, p.bars && `${p.bars} bars`,
                 p.seconds && `${Math.round(p.seconds)} s`, p.mean_rating && `★ ${p.mean_rating} (${p.ratings})`];
  $("#piece-facts").textContent = facts.filter(Boolean).join(" · ");
  const audioKind = ["wav", "mp3", "flac"].find((k) => p.files[k]);
  $("#player").src = p.files[audioKind];
  $("#pianoroll").src = p.files.png;
  const dl = $("#downloads");
  dl.replaceChildren();
  const names = { mid: "MIDI", musicxml: "MusicXML", wav: "WAV", flac: "FLAC", mp3: "MP3", png: "piano roll" };
  for (const [k, url] of Object.entries(p.files)) dl.append(el("a", { href: url, download: "", text: `⬇ ${names[k] || k}` }));
  if (p.source === "generated") dl.append(el("a", { href: `/static/editor.html?piece=${p.id}`, id: "edit-link", text: "✎ Edit & regenerate" }));
  setStars(p.my_rating || 0);
  $("#comment").value = "";
  $("#rate-status").textContent = p.my_rating ? "rated" : "";
  $("#piece-card").scrollIntoView({ behavior: "smooth", block: "start" });
}

function setStars(n) {
  state.stars = n;
  const box = $("#stars");
  box.replaceChildren();
  for (let i = 1; i <= 5; i++) {
    box.append(el("button", { text: "★", class: i <= n ? "on" : "", "data-stars": i, title: `${i} star${i > 1 ? "s" : ""}`,
                              onclick: () => setStars(i) }));
  }
}

$("#rate-btn").addEventListener("click", async () => {
  if (!state.current || !state.stars) { $("#rate-status").textContent = "pick 1-5 stars first"; return; }
  try {
    await api("PUT", `/api/pieces/${state.current.id}/rating`, { stars: state.stars, comment: $("#comment").value });
    $("#rate-status").textContent = "saved";
    loadRatings();
    loadRecommendations();
  } catch (e) { $("#rate-status").textContent = e.message; }
});

// ----- library, ratings, recommendations ---------------------------------------------------------
function pieceRow(p, extra) {
  const li = el("li", {}, el("span", { class: "title", text: p.title || `piece ${p.id}`, onclick: () => showPiece(p.id) }),
                el("span", { class: "badge", text: p.source }));
  if (p.my_rating) li.append(el("span", { class: "mystars", text: "★".repeat(p.my_rating) }));
  if (extra) li.append(extra);
  return li;
}

async function search(reset) {
  if (reset) { state.offset = 0; $("#library").replaceChildren(); }
  const params = new URLSearchParams({ limit: "25", offset: String(state.offset) });
  if ($("#q").value.trim()) params.set("q", $("#q").value.trim());
  if ($("#source").value) params.set("source", $("#source").value);
  if ($("#tag").value) params.append("tag", $("#tag").value);
  const r = await api("GET", `/api/pieces?${params}`);
  for (const p of r.pieces) $("#library").append(pieceRow(p));
  state.offset += r.pieces.length;
  $("#more").hidden = state.offset >= r.total;
}
$("#search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(true); });
$("#more").addEventListener("click", () => search(false));

async function loadTags() {
  const tags = await api("GET", "/api/tags");
  fill($("#tag"), tags.map((t) => t.name), (n) => `${n} (${tags.find((t) => t.name === n).count})`);
}

async function loadRatings() {
  const list = await api("GET", "/api/ratings");
  const ul = $("#my-ratings");
  ul.replaceChildren();
  if (!list.length) ul.append(el("li", { class: "small", text: "No ratings yet: rate a piece to steer what comes next." }));
  for (const r of list) {
    const li = el("li", {}, el("span", { class: "title", text: r.title, onclick: () => showPiece(r.piece_id) }),
                  el("span", { class: "mystars", text: "★".repeat(r.stars) }));
    if (r.comment) li.title = r.comment;
    ul.append(li);
  }
}

async function loadRecommendations() {
  const recs = await api("GET", "/api/recommendations?limit=8");
  const ul = $("#recommendations");
  ul.replaceChildren();
  for (const r of recs) ul.append(pieceRow(r.piece, el("span", { class: "small", text: r.reason })));
}

async function loadUploads() {
  const ups = await api("GET", "/api/uploads");
  const sel = $("#f-primer");
  sel.replaceChildren(el("option", { value: "", text: "none" }));
  fill(sel, ups.map((u) => String(u.id)), (id) => ups.find((u) => String(u.id) === id).title || `upload ${id}`);
}

$("#upload-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("#upload-file").files[0];
  if (!file) { $("#upload-status").textContent = "choose a MIDI, MusicXML or ABC file"; return; }
  const form = new FormData();
  form.append("file", file);
  form.append("tags", $("#upload-tags").value);
  try {
    const added = await api("POST", "/api/uploads", form, true);
    $("#upload-status").textContent = `added ${added.length} piece${added.length > 1 ? "s" : ""}`;
    loadUploads();
    search(true);
  } catch (e) { $("#upload-status").textContent = e.message; }
});

setStars(0);
start();
