// The SVG page's view: draws the model as SVG elements, only the frames
// wide enough to see, and handles the mouse and keyboard. An SVG document
// has no text field, so search asks with prompt(), as flamegraph.pl does.
// window.flamegraph is the same interface as the HTML page's.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const ROW = 18;       // pixels per frame row
  const PAD = 12;       // left and right margin
  const MIN_WIDTH = 1;  // an element per frame costs more than canvas pixels
  const CHAR_WIDTH = 7.3;  // of the 12px monospace font, for cutting labels
  const $ = (id) => document.getElementById(id);
  const svg = document.documentElement;

  function element(parent, name, attributes, text) {
    const e = document.createElementNS(NS, name);
    for (const key in attributes) e.setAttribute(key, attributes[key]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  let model;
  try {
    model = new FlameModel(JSON.parse($("flamegraph-data").textContent));
  } catch (e) {
    $("noscript").textContent = "Cannot show this flame graph: " + e.message;
    throw e;
  }
  const parsedAt = performance.now();
  $("noscript").remove();

  // Heading, controls and legend, one line each from the top.
  $("title").textContent = model.title;
  let y = 26;
  for (const fact of model.facts) {
    element($("heading"), "text", {x: PAD, y: (y += 20), class: "fact"}, fact);
  }
  for (const warning of model.warnings) {
    element($("heading"), "text", {x: PAD, y: (y += 20), class: "warning"}, "\u26a0 " + warning);
  }
  $("controls").setAttribute("transform", "translate(0," + (y += 24) + ")");
  const legend = $("legend");
  legend.setAttribute("transform", "translate(0," + (y += 22) + ")");
  let lx = PAD;
  for (const [label, colour] of model.legend()) {
    element(legend, "rect", {x: lx, y: -10, width: 11, height: 11, fill: colour, stroke: "#0003"});
    const text = element(legend, "text", {x: lx + 15, y: 0, class: "legend"}, label);
    lx += 15 + text.getComputedTextLength() + 16;
  }
  const graphTop = y + 14;

  const frames = $("frames"), tooltip = $("tooltip"), status = $("status");
  const searchButton = $("search-button"), resetButton = $("reset-button");
  let zoom = 0, layout = null, term = "";

  function rowTop(depth) {
    return graphTop + (model.inverted ? depth : layout.maxDepth - depth) * ROW;
  }

  function render() {
    const width = Math.max(400, window.innerWidth) - 2 * PAD;
    layout = model.layout(zoom, width, MIN_WIDTH);
    const height = rowTop(model.inverted ? layout.maxDepth : 0) + ROW + PAD;
    svg.setAttribute("width", width + 2 * PAD);
    svg.setAttribute("height", height);
    const out = document.createDocumentFragment(), pixels = FlameModel.pixels(layout);
    for (let k = 0; k < pixels.length; k += 3) {
      const r = pixels[k], i = layout.node[r], x = PAD + pixels[k + 1], w = pixels[k + 2];
      const top = rowTop(layout.depth[r]);
      const rect = element(out, "rect", {x, y: top, width: w, height: ROW - 1, fill: model.colour(i)});
      // Frames above the zoomed one are context, not part of its picture.
      if (layout.depth[r] < layout.zoomDepth) rect.setAttribute("fill-opacity", "0.5");
      if (w > 3 * CHAR_WIDTH + 6) {
        const label = FlameModel.fitLabel(model.name(i), Math.floor((w - 6) / CHAR_WIDTH));
        if (label) element(out, "text", {x: x + 3, y: top + ROW - 5}, label);
      }
    }
    frames.textContent = "";
    frames.appendChild(out);
    resetButton.setAttribute("class", zoom === 0 ? "button disabled" : "button");
  }

  function showRoot() {
    if (!model.inverted) window.scrollTo(0, svg.getBoundingClientRect().height);
  }

  function nodeAt(event) {
    const r = svg.getBoundingClientRect();
    const row = Math.floor((event.clientY - r.top - graphTop) / ROW);
    const depth = model.inverted ? row : layout.maxDepth - row;
    return model.hit(layout, event.clientX - r.left - PAD, depth);
  }

  // Zooming changes the graph's height (it is as tall as its deepest shown
  // frame), which would move the clicked frame away from the pointer: keep
  // its row where it was on screen. Back at the root, show the root row.
  function zoomTo(i) {
    const target = i >= 0 && i < model.n ? i : 0;
    const depth = model.depth[target];
    const before = layout.rows[depth] ? svg.getBoundingClientRect().top + rowTop(depth) : null;
    zoom = target;
    hideTooltip();
    render();
    if (zoom === 0 || before === null) showRoot();
    else window.scrollBy(0, svg.getBoundingClientRect().top + rowTop(depth) - before);
  }

  function applySearch(value) {
    term = value || "";
    status.textContent = model.matchText(model.search(term));
    render();
  }

  function askSearch() {
    const value = window.prompt("Search frames whose name contains (any case; empty clears):", term);
    if (value !== null) applySearch(value);
  }

  function showTooltip(i, event) {
    const described = model.describe(i, zoom);
    const text = tooltip.querySelector("text");
    text.textContent = "";
    element(text, "tspan", {x: 8, dy: 16, class: "name"}, described.name);
    for (const line of described.lines) element(text, "tspan", {x: 8, dy: 16}, line);
    tooltip.setAttribute("visibility", "visible");
    const box = text.getBBox(), w = box.width + 16, h = box.height + 10;
    const rect = tooltip.querySelector("rect");
    rect.setAttribute("width", w);
    rect.setAttribute("height", h);
    const r = svg.getBoundingClientRect();
    let left = event.clientX - r.left + 14, top = event.clientY - r.top + 14;
    if (event.clientX + 14 + w > window.innerWidth) left = Math.max(0, left - 28 - w);
    if (event.clientY + 14 + h > window.innerHeight) top = Math.max(0, top - 28 - h);
    tooltip.setAttribute("transform", "translate(" + left + "," + top + ")");
  }

  function hideTooltip() { tooltip.setAttribute("visibility", "hidden"); }

  frames.addEventListener("mousemove", (event) => {
    const i = nodeAt(event);
    if (i < 0) hideTooltip();
    else showTooltip(i, event);
  });
  frames.addEventListener("mouseleave", hideTooltip);
  frames.addEventListener("click", (event) => {
    const i = nodeAt(event);
    if (i >= 0) zoomTo(i);
  });
  resetButton.addEventListener("click", () => zoomTo(0));
  searchButton.addEventListener("click", askSearch);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "f") {
      event.preventDefault();
      askSearch();
    } else if (event.key === "Escape") {
      zoomTo(0);
    }
  });
  // The program's own frame the data names, highlighted from the start
  // (publish draws it).
  if (model.focus) {
    term = model.focus;
    status.textContent = model.matchText(model.search(term));
  }
  FlameModel.publish(model, {
    parsedAt, element: svg, left: PAD, rowHeight: ROW, rowTop,
    render, showRoot, zoomTo, applySearch,
    zoomed: () => zoom,
    layout: () => layout,
    graphBox() {
      const r = svg.getBoundingClientRect();
      const top = rowTop(model.inverted ? 0 : layout.maxDepth);
      return {x: r.left + PAD, y: r.top + top, width: layout.width,
              height: (layout.maxDepth + 1) * ROW};
    },
  });
})();
