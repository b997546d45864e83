// Helpers shared by every page: REST calls with the sign-in cookie, elements, and signing in as
// the local user when the server allows it.
"use strict";
const $ = (sel) => document.querySelector(sel);

async function api(method, path, body, isForm) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    if (isForm) opts.body = body;
    else { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  }
  const res = await fetch(path, opts);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.detail || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick") node.addEventListener("click", v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function ensureSignedIn() {
  try { return (await api("GET", "/api/me")).name; } catch (e) { /* not signed in */ }
  const config = await api("GET", "/api/config");
  if (!config.local_sign_in) { location.href = "/"; throw new Error("sign in on the main page first"); }
  return (await api("POST", "/api/auth/local")).user;
}

async function waitJob(id, onProgress) {
  for (;;) {
    const job = await api("GET", `/api/jobs/${id}`);
    if (onProgress) onProgress(job);
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((r) => setTimeout(r, 700));
  }
}
