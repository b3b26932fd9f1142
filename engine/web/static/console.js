// The statewise console's only script (served from the package; no inline scripts).
// Select-all checkboxes, and pan and zoom for state diagrams.
"use strict";

document.addEventListener("change", (event) => {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.dataset.selectAll) {
    const form = box.closest("form") || document;
    form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)
      .forEach((b) => { b.checked = box.checked; });
  }
});

function panZoom(viewport) {
  const svg = viewport.querySelector("svg");
  if (!svg) return;
  const whole = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
  let view = whole.slice();
  const apply = () => svg.setAttribute("viewBox", view.join(" "));
  const scale = () => Math.max(view[2] / viewport.clientWidth, view[3] / viewport.clientHeight);

  function zoom(factor, fx = 0.5, fy = 0.5) {
    const w = Math.min(Math.max(view[2] * factor, whole[2] / 40), whole[2] * 4);
    const h = view[3] * (w / view[2]);
    view = [view[0] + (view[2] - w) * fx, view[1] + (view[3] - h) * fy, w, h];
    apply();
  }
  function fit() { view = whole.slice(); apply(); }
  function current() {
    const marked = svg.querySelectorAll(".sw-leaf");
    if (!marked.length) return fit();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const toRoot = (g) => svg.getScreenCTM().inverse().multiply(g.getScreenCTM());
    marked.forEach((g) => {
      const b = g.getBBox(), m = toRoot(g);
      [[b.x, b.y], [b.x + b.width, b.y + b.height]].forEach(([x, y]) => {
        const p = svg.createSVGPoint();
        p.x = x; p.y = y;
        const a = p.matrixTransform(m);
        x0 = Math.min(x0, a.x); y0 = Math.min(y0, a.y);
        x1 = Math.max(x1, a.x); y1 = Math.max(y1, a.y);
      });
    });
    const aspect = viewport.clientHeight / Math.max(viewport.clientWidth, 1);
    const w = Math.max(x1 - x0 + 500, 700);
    const h = Math.max(y1 - y0 + 300, w * aspect);
    const clamp = (v, lo, span, size) => (size >= span ? lo + (span - size) / 2 : Math.min(Math.max(v, lo), lo + span - size));
    view = [clamp((x0 + x1) / 2 - w / 2, whole[0], whole[2], w), clamp((y0 + y1) / 2 - h / 2, whole[1], whole[3], h), w, h];
    apply();
  }

  viewport.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = viewport.getBoundingClientRect();
    zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
  }, { passive: false });

  let drag = null;
  viewport.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, view: view.slice(), s: scale() };
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add("dragging");
  });
  viewport.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view = [drag.view[0] - (e.clientX - drag.x) * drag.s, drag.view[1] - (e.clientY - drag.y) * drag.s, view[2], view[3]];
    apply();
  });
  const stop = () => { drag = null; viewport.classList.remove("dragging"); };
  viewport.addEventListener("pointerup", stop);
  viewport.addEventListener("pointercancel", stop);

  viewport.addEventListener("keydown", (e) => {
    const step = 0.1 * view[2];
    const keys = {
      "+": () => zoom(1 / 1.25), "=": () => zoom(1 / 1.25), "-": () => zoom(1.25), "0": fit, "c": current,
      "ArrowLeft": () => { view[0] -= step; apply(); }, "ArrowRight": () => { view[0] += step; apply(); },
      "ArrowUp": () => { view[1] -= step; apply(); }, "ArrowDown": () => { view[1] += step; apply(); },
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });

  const tools = viewport.parentElement.querySelector(".tools");
  if (tools) {
    tools.addEventListener("click", (e) => {
      const what = e.target.dataset && e.target.dataset.zoom;
      if (what === "in") zoom(1 / 1.25);
      else if (what === "out") zoom(1.25);
      else if (what === "fit") fit();
      else if (what === "current") current();
    });
  }
  // step numbers of the path as tooltips
  svg.querySelectorAll("[data-steps]").forEach((g) => {
    const t = document.createElementNS("http://www.w3.org/2000/svg", "title");
    t.textContent = "steps " + g.dataset.steps;
    g.insertBefore(t, g.firstChild);
  });
  if (viewport.dataset.start === "current") current();
}

document.querySelectorAll(".sw-viewport").forEach(panZoom);
