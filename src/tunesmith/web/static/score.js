// The engraved score next to the piano roll: pages drawn by the server (Verovio, GET
// /api/pieces/{id}/score/{page}) and shown as images, so nothing in them runs on this page.
// It follows the piece app.js shows by watching the piano roll image.
(() => {
  const view = document.getElementById("score-view");
  const roll = document.getElementById("pianoroll");
  if (!view || !roll) return;
  let pieceId = null;

  function make(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  async function show(id) {
    view.replaceChildren(make("span", { class: "small" }, "engraving the score…"));
    let info;
    try {
      const res = await fetch(`/api/pieces/${id}/score`, { credentials: "same-origin" });
      info = await res.json();
      if (!res.ok) throw new Error(info.detail || res.statusText);
    } catch (err) {
      if (id === pieceId) view.replaceChildren(make("span", { class: "small" }, `no score: ${err.message}`));
      return;
    }
    if (id !== pieceId) return; // another piece was opened meanwhile
    const pages = make("div", { class: "score-pages" });
    for (let p = 1; p <= info.pages; p++) {
      pages.append(make("img", { src: `/api/pieces/${id}/score/${p}`, alt: `score page ${p}`, loading: "lazy",
                                 style: "width:100%;max-width:100%;background:#fff" }));
    }
    const more = info.total_pages > info.pages ? ` (first ${info.pages} of ${info.total_pages} pages)` : "";
    view.replaceChildren(pages, make("span", { class: "small" }, `score${more}`));
  }

  function offer() {
    const match = /\/api\/pieces\/(\d+)\//.exec(roll.getAttribute("src") || "");
    view.replaceChildren();
    pieceId = match ? match[1] : null;
    if (!pieceId) return;
    const button = make("button", { type: "button" }, "Show the score");
    const id = pieceId;
    button.addEventListener("click", () => show(id));
    view.append(button);
  }

  new MutationObserver(offer).observe(roll, { attributes: true, attributeFilter: ["src"] });
  offer();
})();
