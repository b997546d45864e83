// Session page: a valence/arousal plane to draw the path on, presets, and the finished session.
"use strict";
let points = [];
let options = null;
const canvas = $("#traj");
const ctx2d = canvas.getContext("2d");

function toCanvas(p) { return [(p[0] + 1) / 2 * canvas.width, (1 - (p[1] + 1) / 2) * canvas.height]; }

function draw() {
  ctx2d.clearRect(0, 0, canvas.width, canvas.height);
  ctx2d.strokeStyle = "#e1e4ea";
  ctx2d.beginPath();
  ctx2d.moveTo(canvas.width / 2, 0); ctx2d.lineTo(canvas.width / 2, canvas.height);
  ctx2d.moveTo(0, canvas.height / 2); ctx2d.lineTo(canvas.width, canvas.height / 2);
  ctx2d.stroke();
  ctx2d.fillStyle = "#6b7385";
  ctx2d.font = "11px system-ui";
  for (const [name, p] of Object.entries(options ? options.states : {})) {
    const [x, y] = toCanvas(p);
    ctx2d.fillText(name, Math.min(x, canvas.width - 50), Math.max(10, y));
  }
  ctx2d.strokeStyle = "#3158d4";
  ctx2d.lineWidth = 2;
  ctx2d.beginPath();
  points.forEach((p, i) => { const [x, y] = toCanvas(p); if (i) ctx2d.lineTo(x, y); else ctx2d.moveTo(x, y); });
  ctx2d.stroke();
  points.forEach((p, i) => {
    const [x, y] = toCanvas(p);
    ctx2d.fillStyle = i === 0 ? "#b3261e" : i === points.length - 1 ? "#2e7d32" : "#3158d4";
    ctx2d.beginPath(); ctx2d.arc(x, y, 6, 0, Math.PI * 2); ctx2d.fill();
  });
}

canvas.addEventListener("pointerdown", (ev) => {
  if (points.length >= 12) return;
  const r = canvas.getBoundingClientRect();
  const v = ((ev.clientX - r.left) / r.width) * 2 - 1;
  const a = 1 - ((ev.clientY - r.top) / r.height) * 2;
  points.push([Math.round(v * 100) / 100, Math.round(a * 100) / 100]);
  $("#s-preset").value = "";
  draw();
});
$("#s-clear").addEventListener("click", () => { points = []; draw(); });
$("#s-preset").addEventListener("change", () => {
  const preset = options.presets[$("#s-preset").value];
  points = preset ? preset.waypoints.map((n) => options.states[n]) : [];
  draw();
});

$("#s-start").addEventListener("click", async () => {
  $("#s-error").textContent = "";
  const body = { minutes: Number($("#s-minutes").value) };
  if ($("#s-style").value) body.style = $("#s-style").value;
  if ($("#s-preset").value) body.preset = $("#s-preset").value;
  else {
    if (points.length < 2) { $("#s-error").textContent = "click at least two points: where you are, where to go"; return; }
    const fmt = (p) => `${p[0]},${p[1]}`;
    Object.assign(body, { start: fmt(points[0]), end: fmt(points[points.length - 1]),
      via: points.slice(1, -1).map(fmt) });
  }
  $("#s-start").disabled = true;
  try {
    const job = await api("POST", "/api/sessions", body);
    const done = await waitJob(job.job_id, (j) => { $("#s-status").textContent = `${j.stage || j.status}…`; });
    if (done.status !== "done") throw new Error(done.error || "the session failed");
    const s = done.pieces[0];
    $("#s-result").hidden = false;
    $("#s-audio").src = s.files.audio;
    $("#session-plot").src = s.files.plot;
    $("#s-seams").textContent = `largest step between seconds: loudness ${s.seams.loudness_max_step_db} dB ` +
      `(whole change ${s.seams.loudness_total_change_db} dB), tempo ${s.seams.tempo_max_step_bpm} bpm ` +
      `(whole change ${s.seams.tempo_total_change_bpm} bpm)`;
    $("#s-status").textContent = "ready";
  } catch (e) { $("#s-error").textContent = e.message; $("#s-status").textContent = ""; }
  finally { $("#s-start").disabled = false; }
});

(async () => {
  try {
    $("#who").textContent = `signed in as ${await ensureSignedIn()}`;
    options = await api("GET", "/api/sessions/options");
    $("#disclaimer").textContent = options.disclaimer;
    for (const name of Object.keys(options.presets)) $("#s-preset").append(el("option", { value: name, text: name }));
    const config = await api("GET", "/api/config");
    for (const s of config.styles) $("#s-style").append(el("option", { value: s, text: s }));
    draw();
  } catch (e) { $("#s-error").textContent = e.message; }
})();
