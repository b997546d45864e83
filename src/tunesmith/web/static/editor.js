// The co-creation editor: a piece's tracks on a piano roll with a bar grid. Select bars (drag) or a
// section, lock tracks, regenerate (POST /api/pieces/{id}/revise, a job), listen, A/B against the
// parent version, undo (open the parent: versions are never deleted), edit notes by hand (POST
// /api/pieces/{id}/edit, a job), and download any version. Everything it does is the REST API's.
"use strict";
const ed = {
  piece: null, // GET /api/pieces/{id}/notes
  info: null, // GET /api/pieces/{id}
  parentInfo: null,
  locked: new Set(),
  sel: null, // [first bar, last bar], 0-based inclusive
  editTrack: null, // index into piece.tracks
  work: [], // the edit track's notes as edited so far: {pitch, start, duration, velocity}
  edits: [], // the operations that made `work` from the stored notes, in order
  hearing: "B",
  busy: false,
};
const COLOURS = ["#3158d4", "#d4315e", "#2e9e6a", "#b7791f", "#7b3fc4", "#1f8fb7", "#8a8f9c"];
const LEFT = 28; // px for the pitch labels
const roll = $("#roll");

// ----- geometry (window.editor exposes it, so a test can point at a bar or a note) -----------------
const geo = {
  lo: 48, hi: 84, pxPerTick: 0.05,
  xOf(tick) { return LEFT + tick * geo.pxPerTick; },
  yOf(pitch) { return (geo.hi - pitch) * geo.rowH(); },
  rowH() { return roll.height / (geo.hi - geo.lo + 1); },
  tickAt(x) { return Math.max(0, (x - LEFT) / geo.pxPerTick); },
  pitchAt(y) { return geo.hi - Math.floor(y / geo.rowH()); },
};
window.editor = { geo, ed, bar: () => ed.piece && ed.piece.bar_ticks };

function pitchedTracks() { return ed.piece.tracks.map((t, i) => [t, i]).filter(([t]) => !t.drum); }

function layout() {
  const width = Math.max(320, roll.parentElement.clientWidth - 2);
  roll.width = width;
  const p = ed.piece;
  geo.pxPerTick = (width - LEFT - 4) / (p.bars * p.bar_ticks);
  const pitches = pitchedTracks().flatMap(([t, i]) => (i === ed.editTrack ? ed.work : t.notes.map(noteOf)).map((n) => n.pitch));
  geo.lo = Math.min(...pitches, 60) - 2;
  geo.hi = Math.max(...pitches, 72) + 2;
}

function noteOf(n) { return { pitch: n[0], start: n[1], duration: n[2], velocity: n[3] }; }

function draw() {
  if (!ed.piece) return;
  layout();
  const g = roll.getContext("2d");
  const p = ed.piece;
  g.clearRect(0, 0, roll.width, roll.height);
  g.fillStyle = "#fff"; g.fillRect(0, 0, roll.width, roll.height);
  for (let pitch = geo.lo; pitch <= geo.hi; pitch++) { // black-key rows shaded, C labelled
    if ([1, 3, 6, 8, 10].includes(pitch % 12)) { g.fillStyle = "#f3f4f7"; g.fillRect(LEFT, geo.yOf(pitch), roll.width, geo.rowH()); }
    if (pitch % 12 === 0) { g.fillStyle = "#6b7385"; g.font = "10px sans-serif"; g.fillText(`C${pitch / 12 - 1}`, 2, geo.yOf(pitch) + geo.rowH()); }
  }
  if (ed.sel) {
    g.fillStyle = "rgba(49,88,212,.13)";
    const a = geo.xOf(ed.sel[0] * p.bar_ticks), b = geo.xOf((ed.sel[1] + 1) * p.bar_ticks);
    g.fillRect(a, 0, b - a, roll.height);
  }
  for (let b = 0; b <= p.bars; b++) { // the bar grid, every 4th bar numbered
    const x = geo.xOf(b * p.bar_ticks);
    g.strokeStyle = b % 4 === 0 ? "#9aa1b0" : "#dde0e6"; g.beginPath(); g.moveTo(x, 0); g.lineTo(x, roll.height); g.stroke();
    if (b < p.bars && (b % 4 === 0 || p.bars <= 16)) { g.fillStyle = "#6b7385"; g.font = "10px sans-serif"; g.fillText(String(b + 1), x + 2, 10); }
  }
  for (const [t, i] of pitchedTracks()) {
    const editing = i === ed.editTrack;
    g.globalAlpha = ed.editTrack === null || editing ? (ed.locked.has(t.role) ? 0.45 : 0.9) : 0.22;
    g.fillStyle = COLOURS[i % COLOURS.length];
    for (const n of editing ? ed.work : t.notes.map(noteOf)) {
      g.fillRect(geo.xOf(n.start), geo.yOf(n.pitch) + 1, Math.max(2, n.duration * geo.pxPerTick - 1), Math.max(2, geo.rowH() - 2));
    }
  }
  g.globalAlpha = 1;
}

// ----- loading a version ---------------------------------------------------------------------------
async function open(id, push) {
  $("#ed-error").textContent = "";
  const [piece, info] = await Promise.all([api("GET", `/api/pieces/${id}/notes`), api("GET", `/api/pieces/${id}`)]);
  ed.piece = piece; ed.info = info; ed.parentInfo = null; ed.hearing = "B";
  if (push) history.pushState({ id }, "", `?piece=${id}`);
  $("#ed-title").textContent = piece.title;
  $("#ed-facts").textContent = [`version ${id}`, `${piece.bars} bars`, `${Math.round(piece.bpm)} bpm`,
    piece.parent_id ? `from version ${piece.parent_id}` : "the original"].join(" · ");
  if (piece.parent_id) ed.parentInfo = await api("GET", `/api/pieces/${piece.parent_id}`).catch(() => null);
  ed.sel = null; ed.section = null; ed.editTrack = null; resetEdits();
  $("#ed-editmode").checked = false; $("#ed-editbar").hidden = true;
  showTracks(); showSections(); showSelection(); playVersion("B");
  $("#ed-undo").disabled = !piece.parent_id;
  $("#ed-ab").disabled = !ed.parentInfo;
  await showVersions();
  draw();
}

function audioOf(info) { return info && (info.files.wav || info.files.mp3 || info.files.flac); }

function playVersion(which) {
  const player = $("#ed-player");
  const at = player.currentTime || 0;
  const wasPlaying = !player.paused;
  ed.hearing = which;
  player.src = audioOf(which === "A" ? ed.parentInfo : ed.info) || "";
  player.dataset.version = String(which === "A" ? ed.piece.parent_id : ed.piece.id);
  $("#ed-ab").textContent = which === "A" ? `A/B: hearing the previous version (${ed.piece.parent_id})` : "A/B: hearing this version";
  player.addEventListener("loadedmetadata", () => { player.currentTime = Math.min(at, player.duration || at); if (wasPlaying) player.play(); }, { once: true });
}

function showTracks() {
  const box = $("#ed-tracks");
  box.replaceChildren();
  const roles = new Set(ed.piece.tracks.map((t) => t.role));
  ed.piece.tracks.forEach((t, i) => {
    const lock = el("input", { type: "checkbox", "data-role": t.role, class: "lock" });
    lock.checked = ed.locked.has(t.role);
    lock.addEventListener("change", () => { lock.checked ? ed.locked.add(t.role) : ed.locked.delete(t.role); draw(); });
    const pick = el("input", { type: "radio", name: "edit-track", "data-track": t.name, class: "pick" });
    pick.disabled = t.drum;
    pick.checked = i === ed.editTrack;
    pick.addEventListener("change", () => chooseEditTrack(i));
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = t.drum ? "#8a8f9c" : COLOURS[i % COLOURS.length]; // CSSOM: the CSP forbids style attributes
    box.append(el("span", { class: "ed-track" }, swatch,
      el("strong", { text: t.name }), el("span", { class: "small", text: ` ${t.notes.length} notes` }),
      el("label", { class: "check" }, lock, "lock"), el("label", { class: "check", title: "edit this track's notes" }, pick, "edit")));
  });
  const chords = el("input", { type: "checkbox", "data-role": "chords", class: "lock" });
  chords.checked = ed.locked.has("chords");
  chords.addEventListener("change", () => { chords.checked ? ed.locked.add("chords") : ed.locked.delete("chords"); });
  box.append(el("span", { class: "ed-track" }, el("strong", { text: "chords" }), el("label", { class: "check" }, chords, "lock")));
  for (const opt of $("#ed-track").options) opt.disabled = !(opt.value === "all" || opt.value === "chords" || roles.has(opt.value));
}

function showSections() {
  const box = $("#ed-sections");
  box.replaceChildren();
  const seen = new Set();
  for (const s of ed.piece.sections) {
    if (seen.has(s.label)) continue;
    seen.add(s.label);
    box.append(el("button", { type: "button", text: s.label, "data-section": s.label, onclick: () => {
      ed.sel = null; ed.section = s.label; showSelection(); draw();
      // every occurrence is regenerated: show them all
      const all = ed.piece.sections.filter((x) => x.label === s.label);
      $("#ed-bars").textContent = `section ${s.label}: ` + all.map((x) => `${x.bar + 1}-${x.bar + x.bars}`).join(", ");
    } }));
  }
}

function showSelection() {
  if (ed.sel) { ed.section = null; $("#ed-bars").textContent = ed.sel[0] === ed.sel[1] ? `${ed.sel[0] + 1}` : `${ed.sel[0] + 1}-${ed.sel[1] + 1}`; }
  else if (!ed.section) $("#ed-bars").textContent = "none selected";
  $("#ed-regen").disabled = ed.busy || !(ed.sel || ed.section);
}

async function showVersions() {
  const tree = await api("GET", `/api/pieces/${ed.piece.id}/versions`);
  const ul = $("#ed-versions");
  ul.replaceChildren();
  const names = { wav: "WAV", mid: "MIDI", musicxml: "MusicXML" };
  const walk = (node, depth) => {
    const steps = node.steps.length ? describe(node.steps[node.steps.length - 1]) : "original";
    const title = el("span", { class: "title", text: `${"↳ ".repeat(Math.min(depth, 1))}v${node.id}: ${steps}`,
                               onclick: () => open(node.id, true) });
    title.style.paddingLeft = `${Math.min(depth, 12) * 0.8}rem`;
    if (node.id === ed.piece.id) title.classList.add("current");
    const links = el("span", { class: "downloads" });
    for (const k of ["wav", "mid", "musicxml"]) links.append(el("a", { href: `/api/pieces/${node.id}/files/${k}`, download: "", "data-kind": k, text: names[k] }));
    links.append(el("a", { href: `/api/pieces/${node.id}/piece.json`, download: "", "data-kind": "json", text: "JSON" }));
    ul.append(el("li", { "data-version": node.id }, title, links));
    for (const c of node.children) walk(c, depth + 1);
  };
  walk(tree, 0);
}

function describe(step) {
  if (step.edits) return `${step.edits.length} hand edit${step.edits.length > 1 ? "s" : ""} of ${step.track}`;
  const where = step.bars ? `bars ${step.bars}` : `section ${step.section}`;
  return `${step.track} regenerated in ${where}${step.keep.length ? ` (kept ${step.keep.join(", ")})` : ""}`;
}

// ----- jobs --------------------------------------------------------------------------------------
async function runJob(post) {
  ed.busy = true; showSelection(); $("#ed-save").disabled = true;
  $("#ed-error").textContent = "";
  $("#ed-job").hidden = false;
  try {
    const started = await post();
    const job = await pollJob(started.job_id);
    if (job.status !== "done") throw new Error(job.error || "the job failed");
    ed.busy = false;
    await open(job.pieces[0].piece_id, true);
  } catch (err) {
    $("#ed-error").textContent = err.message;
  } finally {
    ed.busy = false; $("#ed-job").hidden = true; showSelection(); updatePending();
  }
}

async function pollJob(id) { // every 250 ms: a revision takes a second or two, not a minute
  for (;;) {
    const j = await api("GET", `/api/jobs/${id}`);
    $("#ed-progress").value = j.progress || 0;
    $("#ed-stage").textContent = j.stage || j.status;
    if (j.status === "done" || j.status === "failed") return j;
    await new Promise((r) => setTimeout(r, 250));
  }
}

$("#ed-regen").addEventListener("click", () => {
  const body = { track: $("#ed-track").value, keep: [...ed.locked], outputs: ["wav"] };
  if (ed.sel) body.bars = `${ed.sel[0] + 1}-${ed.sel[1] + 1}`;
  else body.section = ed.section;
  runJob(() => api("POST", `/api/pieces/${ed.piece.id}/revise`, body));
});

$("#ed-save").addEventListener("click", () => {
  const track = ed.piece.tracks[ed.editTrack].name;
  runJob(() => api("POST", `/api/pieces/${ed.piece.id}/edit`, { track, edits: ed.edits, outputs: ["wav"] }));
});
$("#ed-discard").addEventListener("click", () => { resetEdits(); draw(); });
$("#ed-undo").addEventListener("click", () => ed.piece.parent_id && open(ed.piece.parent_id, true));
$("#ed-ab").addEventListener("click", () => playVersion(ed.hearing === "B" ? "A" : "B"));
$("#ed-editmode").addEventListener("change", () => {
  if ($("#ed-editmode").checked && ed.editTrack === null) {
    const first = ed.piece.tracks.findIndex((t) => t.role === "melody" && !t.drum);
    chooseEditTrack(first >= 0 ? first : ed.piece.tracks.findIndex((t) => !t.drum));
  }
  $("#ed-editbar").hidden = !$("#ed-editmode").checked;
});

// ----- hand edits ----------------------------------------------------------------------------------
function chooseEditTrack(i) {
  if (ed.edits.length && i !== ed.editTrack && !confirm("Discard the unsaved edits of the other track?")) { showTracks(); return; }
  ed.editTrack = i;
  resetEdits();
  $("#ed-edit-track").textContent = ed.piece.tracks[i].name;
  $("#ed-editmode").checked = true; $("#ed-editbar").hidden = false;
  showTracks(); draw();
}

function resetEdits() {
  ed.edits = [];
  ed.work = ed.editTrack === null ? [] : ed.piece.tracks[ed.editTrack].notes.map(noteOf);
  updatePending();
}

function updatePending() {
  $("#ed-pending").textContent = `${ed.edits.length} edit${ed.edits.length === 1 ? "" : "s"}`;
  $("#ed-save").disabled = ed.busy || !ed.edits.length;
  $("#ed-discard").disabled = !ed.edits.length;
}

function record(op, note, extra) {
  ed.edits.push({ op, pitch: note.pitch, start: note.start, ...extra });
  updatePending();
}

function snap(tick) { // to the eighth note
  const step = ed.piece.ticks_per_quarter / 2;
  return Math.round(tick / step) * step;
}

function noteAt(x, y) {
  const pitch = geo.pitchAt(y), tick = geo.tickAt(x);
  return ed.work.find((n) => n.pitch === pitch && n.start <= tick && tick < n.start + Math.max(n.duration, 4 / geo.pxPerTick));
}

function pos(ev) { const r = roll.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; }

let drag = null;
roll.addEventListener("pointerdown", (ev) => {
  if (!ed.piece || ed.busy) return;
  const [x, y] = pos(ev);
  roll.setPointerCapture(ev.pointerId);
  if ($("#ed-editmode").checked && ed.editTrack !== null) {
    const hit = noteAt(x, y);
    if (hit) {
      const endX = geo.xOf(hit.start + hit.duration);
      drag = { kind: endX - x < 6 ? "resize" : "move", note: hit, from: { ...hit }, x, y };
    } else {
      const tick = Math.max(0, snap(geo.tickAt(x) - ed.piece.ticks_per_quarter / 4));
      const pitch = geo.pitchAt(y);
      if (tick >= ed.piece.bars * ed.piece.bar_ticks || pitch < 0 || pitch > 127) return;
      const n = { pitch, start: tick, duration: ed.piece.ticks_per_quarter, velocity: 80 };
      ed.work.push(n);
      record("add", n, { duration: n.duration });
      drag = null;
      draw();
    }
    return;
  }
  const barAt = (px) => Math.min(ed.piece.bars - 1, Math.floor(geo.tickAt(px) / ed.piece.bar_ticks));
  drag = { kind: "bars", first: barAt(x), barAt };
  ed.sel = [drag.first, drag.first]; showSelection(); draw();
});

roll.addEventListener("pointermove", (ev) => {
  if (!drag) return;
  const [x, y] = pos(ev);
  if (drag.kind === "bars") {
    const b = drag.barAt(x);
    ed.sel = [Math.min(drag.first, b), Math.max(drag.first, b)];
    showSelection();
  } else if (drag.kind === "move") {
    // the drag's distance snaps to the grid, not the note: a humanised onset keeps its nuance
    drag.note.start = Math.max(0, drag.from.start + snap((x - drag.x) / geo.pxPerTick));
    drag.note.pitch = Math.max(0, Math.min(127, drag.from.pitch + geo.pitchAt(y) - geo.pitchAt(drag.y)));
  } else {
    drag.note.duration = Math.max(ed.piece.ticks_per_quarter / 4, drag.from.duration + snap((x - drag.x) / geo.pxPerTick));
  }
  draw();
});

roll.addEventListener("pointerup", () => {
  if (!drag) return;
  const d = drag;
  drag = null;
  if (d.kind === "move" && (d.note.start !== d.from.start || d.note.pitch !== d.from.pitch)) {
    record("move", d.from, { to_pitch: d.note.pitch, to_start: d.note.start });
  } else if (d.kind === "resize" && d.note.duration !== d.from.duration) {
    record("resize", d.from, { duration: d.note.duration });
  }
  draw();
});

roll.addEventListener("dblclick", (ev) => {
  if (!$("#ed-editmode").checked || ed.editTrack === null || ed.busy) return;
  const [x, y] = pos(ev);
  const hit = noteAt(x, y);
  if (!hit) return;
  // the first click of a double-click on empty space added a note: that note is the one removed
  ed.work.splice(ed.work.indexOf(hit), 1);
  const last = ed.edits[ed.edits.length - 1];
  if (last && last.op === "add" && last.pitch === hit.pitch && last.start === hit.start) { ed.edits.pop(); updatePending(); }
  else record("delete", hit, {});
  draw();
});

window.addEventListener("resize", draw);
window.addEventListener("popstate", () => { const id = new URLSearchParams(location.search).get("piece"); if (id) open(Number(id), false); });

(async () => {
  try {
    const who = await ensureSignedIn();
    $("#who").textContent = `signed in as ${who}`;
    const id = Number(new URLSearchParams(location.search).get("piece"));
    if (!id) throw new Error("open the editor from a piece on the main page (editor.html?piece=ID)");
    await open(id, false);
  } catch (err) {
    $("#ed-error").textContent = err.message;
  }
})();
