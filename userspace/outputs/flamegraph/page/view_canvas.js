// The HTML page's view: draws the model on a <canvas> (a DOM element per
// frame would make a graph of 10,000 deep stacks crawl) and handles the
// mouse and keyboard. window.flamegraph lets tests and scripts drive it.
(function () {
  "use strict";
  const ROW = 18;        // pixels per frame row
  const MIN_WIDTH = 0.3; // narrower frames are not drawn (see layout())
  const FONT = '12px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace';
  const $ = (id) => document.getElementById(id);
  const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

  let model;
  try {
    model = new FlameModel(JSON.parse($("flamegraph-data").textContent));
  } catch (e) {
    $("status").textContent = "Cannot show this flame graph: " + e.message;
    throw e;
  }
  const parsedAt = performance.now();

  document.title = model.title;
  $("title").textContent = model.title;
  for (const fact of model.facts) {
    $("facts").appendChild(document.createElement("div")).textContent = fact;
  }
  for (const warning of model.warnings) {
    $("warnings").appendChild(document.createElement("div")).textContent = "\u26a0 " + warning;
  }
  for (const [label, colour] of model.legend()) {
    const item = $("legend").appendChild(document.createElement("span"));
    item.appendChild(document.createElement("i")).style.background = colour;
    item.appendChild(document.createTextNode(label));
  }

  const box = $("graph-box"), canvas = $("graph"), ctx = canvas.getContext("2d");
  const tooltip = $("tooltip"), search = $("search"), reset = $("reset"), status = $("status");
  let zoom = 0, layout = null, charWidth = 7.2;

  function rowTop(depth) {
    return (model.inverted ? depth : layout.maxDepth - depth) * ROW;
  }

  // Frames straight into the canvas's pixels, one row of frames at a time:
  // a large graph has 100,000 frames to show, and a canvas call for each
  // (fillRect) costs most of the drawing time, while filling a scanline and
  // copying it down the row costs little.
  function paint(dpr) {
    const w = canvas.width, h = canvas.height;
    const image = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.data.buffer);
    const scan = new Uint32Array(w);
    const rows = FlameModel.pixels(layout);
    // A colour's pixel value, kept on its [r, g, b] (the model keeps those).
    const pack = (rgb, faded) => {
      const slot = faded ? "fadedPixel" : "pixel";
      if (rgb[slot] === undefined) {
        // Faded: as 50% opacity over the white page.
        const [r, g, b] = faded ? rgb.map((c) => (c + 255) >> 1) : rgb;
        rgb[slot] = LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
                                  : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
      }
      return rgb[slot];
    };
    let k = 0;
    while (k < rows.length) {
      const depth = layout.depth[rows[k]];
      const faded = depth < layout.zoomDepth;
      scan.fill(0);
      for (; k < rows.length && layout.depth[rows[k]] === depth; k += 3) {
        const x0 = Math.round(rows[k + 1] * dpr), x1 = Math.round((rows[k + 1] + rows[k + 2]) * dpr);
        scan.fill(pack(model.rgb(layout.node[rows[k]]), faded), x0, Math.max(x1, x0 + 1));
      }
      const y0 = Math.round(rowTop(depth) * dpr), y1 = Math.round((rowTop(depth) + ROW - 1) * dpr);
      for (let y = y0; y < y1 && y < h; y++) pixels.set(scan, y * w);
    }
    ctx.putImageData(image, 0, 0);
  }

  function render() {
    const width = Math.max(200, box.clientWidth - 24);
    layout = model.layout(zoom, width, MIN_WIDTH);
    const height = (layout.maxDepth + 1) * ROW;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    paint(dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    charWidth = ctx.measureText("MMMMMMMMMM").width / 10;
    ctx.fillStyle = "#000";
    const minLabelWidth = 3 * charWidth + 6;
    for (let r = 0; r < layout.count; r++) {
      const w = layout.w[r];
      if (w <= minLabelWidth) continue;
      const label = FlameModel.fitLabel(model.name(layout.node[r]), Math.floor((w - 6) / charWidth));
      if (!label) continue;
      ctx.globalAlpha = layout.depth[r] < layout.zoomDepth ? 0.5 : 1;
      ctx.fillText(label, layout.x[r] + 3, rowTop(layout.depth[r]) + ROW / 2);
    }
    ctx.globalAlpha = 1;
    reset.disabled = zoom === 0;
  }

  // The graph grows upwards from its root row: keep that row in sight.
  function showRoot() {
    if (!model.inverted) window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function nodeAt(event) {
    const r = canvas.getBoundingClientRect();
    const row = Math.floor((event.clientY - r.top) / ROW);
    const depth = model.inverted ? row : layout.maxDepth - row;
    return model.hit(layout, event.clientX - r.left, depth);
  }

  // Zooming changes the graph's height (it is as tall as its deepest shown
  // frame), which would move the clicked frame away from the pointer: keep
  // its row where it was on screen. Back at the root, show the root row.
  function zoomTo(i) {
    const target = i >= 0 && i < model.n ? i : 0;
    const depth = model.depth[target];
    const before = layout.rows[depth] ? canvas.getBoundingClientRect().top + rowTop(depth) : null;
    zoom = target;
    hideTooltip();
    render();
    if (zoom === 0 || before === null) showRoot();
    else window.scrollBy(0, canvas.getBoundingClientRect().top + rowTop(depth) - before);
  }

  function applySearch(term) {
    status.textContent = model.matchText(model.search(term));
    render();
  }

  function showTooltip(i, event) {
    const text = model.describe(i, zoom);
    tooltip.textContent = "";
    tooltip.appendChild(document.createElement("b")).textContent = text.name;
    for (const line of text.lines) {
      tooltip.appendChild(document.createElement("div")).textContent = line;
    }
    tooltip.hidden = false;
    const pad = 14, tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    let left = event.clientX + pad, top = event.clientY + pad;
    if (left + tw > window.innerWidth) left = Math.max(0, event.clientX - pad - tw);
    if (top + th > window.innerHeight) top = Math.max(0, event.clientY - pad - th);
    tooltip.style.left = left + "px";
    tooltip.style.top = top + "px";
  }

  function hideTooltip() { tooltip.hidden = true; }

  canvas.addEventListener("mousemove", (event) => {
    const i = nodeAt(event);
    if (i < 0) hideTooltip();
    else showTooltip(i, event);
  });
  canvas.addEventListener("mouseleave", hideTooltip);
  canvas.addEventListener("click", (event) => {
    const i = nodeAt(event);
    if (i >= 0) zoomTo(i);
  });
  reset.addEventListener("click", () => zoomTo(0));
  let searchTimer = 0;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => applySearch(search.value), 120);
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "f") {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape") {
      if (document.activeElement === search && search.value) {
        search.value = "";
        applySearch("");
      } else {
        zoomTo(0);
      }
    }
  });
  // The program's own frame the data names, highlighted from the start
  // (publish draws it).
  if (model.focus) {
    search.value = model.focus;
    status.textContent = model.matchText(model.search(model.focus));
  }
  FlameModel.publish(model, {
    parsedAt, element: canvas, left: 0, rowHeight: ROW, rowTop,
    render, showRoot, zoomTo, applySearch,
    zoomed: () => zoom,
    layout: () => layout,
    graphBox() {
      const r = canvas.getBoundingClientRect();
      return {x: r.left, y: r.top, width: r.width, height: r.height};
    },
  });
})();
