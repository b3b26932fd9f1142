"""A diagram on a page of its own, with pan and zoom, needing nothing from elsewhere.

The SVG is inlined in the page, with a few lines of script: the mouse wheel zooms where
the pointer is, dragging pans, ``+``/``-``/``0`` (and the buttons) zoom in, out and back
to the whole diagram. Links in the SVG (a closed compound state opens its own diagram)
work as links. No library, no CDN: the page is one file.
"""

from __future__ import annotations

import html
import re

__all__ = ["viewer_page"]

_SCRIPT = """
(function () {
  var svg = document.querySelector("#view svg");
  var base = svg.viewBox.baseVal;
  var whole = {x: base.x, y: base.y, w: base.width, h: base.height};
  var vb = {x: whole.x, y: whole.y, w: whole.w, h: whole.h};
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  function show() { svg.setAttribute("viewBox", vb.x + " " + vb.y + " " + vb.w + " " + vb.h); }
  function scale() {
    var r = svg.getBoundingClientRect();
    return Math.max(vb.w / r.width, vb.h / r.height);
  }
  function point(e) {
    var r = svg.getBoundingClientRect(), s = scale();
    return {x: vb.x + (e.clientX - r.left) * s - (r.width * s - vb.w) / 2,
            y: vb.y + (e.clientY - r.top) * s - (r.height * s - vb.h) / 2};
  }
  function zoom(f, at) {
    at = at || {x: vb.x + vb.w / 2, y: vb.y + vb.h / 2};
    vb.x = at.x - (at.x - vb.x) * f; vb.y = at.y - (at.y - vb.y) * f;
    vb.w *= f; vb.h *= f; show();
  }
  function fit() { vb = {x: whole.x, y: whole.y, w: whole.w, h: whole.h}; show(); }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault(); zoom(e.deltaY > 0 ? 1.2 : 1 / 1.2, point(e));
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    var a = e.target.closest("a");
    if (a && (a.getAttribute("href") || a.getAttribute("xlink:href"))) return;  // a link
    drag = {x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, s: scale()};
    svg.setPointerCapture(e.pointerId); svg.style.cursor = "grabbing";
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    vb.x = drag.vx - (e.clientX - drag.x) * drag.s; vb.y = drag.vy - (e.clientY - drag.y) * drag.s;
    show();
  });
  svg.addEventListener("pointerup", function () { drag = null; svg.style.cursor = "grab"; });
  document.getElementById("zoom-in").onclick = function () { zoom(1 / 1.5); };
  document.getElementById("zoom-out").onclick = function () { zoom(1.5); };
  document.getElementById("zoom-fit").onclick = fit;
  document.addEventListener("keydown", function (e) {
    if (e.key === "+" || e.key === "=") zoom(1 / 1.5);
    else if (e.key === "-") zoom(1.5);
    else if (e.key === "0") fit();
  });
  show();
})();
"""

_STYLE = """
html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; }
#bar { position: fixed; top: 0; left: 0; right: 0; padding: 6px 10px; background: #f8fafc;
       border-bottom: 1px solid #cbd5e1; font-size: 14px; display: flex; gap: 10px;
       align-items: center; }
#bar .title { font-weight: 600; margin-right: auto; }
#bar button { font-size: 14px; min-width: 2.2em; }
#view { position: fixed; top: 38px; left: 0; right: 0; bottom: 0; }
#view svg { width: 100%; height: 100%; cursor: grab; }
"""


def viewer_page(svg: bytes | str, title: str, links: list[tuple[str, str]]) -> str:
    """The page: ``links`` are (text, href) shown in the bar (the chart's page, the
    overview...), then the zoom buttons, then the diagram."""
    text = svg.decode() if isinstance(svg, bytes) else svg
    text = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", text, flags=re.S).strip()
    bar = "".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for t, h in links)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<div id="bar"><span class="title">{html.escape(title)}</span>{bar}'
        '<button id="zoom-in" title="zoom in (+)">+</button>'
        '<button id="zoom-out" title="zoom out (-)">&minus;</button>'
        '<button id="zoom-fit" title="the whole diagram (0)">fit</button></div>\n'
        f'<div id="view">{text}</div>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n'
    )
