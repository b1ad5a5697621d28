// The flame graph's model: reads the embedded data (its format is described
// in flame_data.h), sums the tree, lays frames out for a zoom level, searches
// names, and words tooltips and legends. It touches no DOM: the HTML page
// (view_canvas.js) and the SVG page (view_svg.js) both draw from it.
"use strict";

const FLAME_KINDS = ["program", "library", "allocator", "jit", "unknown", "python"];
const FLAME_KIND_LABELS = {
  program: "program's own code",
  library: "shared library",
  allocator: "allocator",
  jit: "JIT / Java",
  unknown: "unknown",
  python: "Python",
};
// Hue range, saturation and lightness range of each kind: warm for the
// program (where a leak usually is), yellow for libraries, blue for the
// allocator, green for JIT code, grey when nothing is known, violet for
// Python functions.
const FLAME_PALETTES = {
  program: [4, 34, 80, 55, 66],
  library: [44, 58, 72, 50, 62],
  allocator: [195, 212, 55, 60, 70],
  jit: [95, 135, 50, 50, 62],
  unknown: [0, 0, 0, 70, 80],
  python: [265, 290, 45, 62, 74],
};
const FLAME_ROOT_RGB = [205, 205, 205];
const FLAME_MATCH_RGB = [230, 0, 230];

class FlameModel {
  constructor(data) {
    if (!data || data.format !== "allocprof-flamegraph" || data.version !== 1) {
      throw new Error("this is not allocprof flame graph data of version 1");
    }
    this.title = data.title;
    this.facts = data.facts;
    this.warnings = data.warnings;
    // The program's own frame to start from, highlighted when the page opens.
    this.focus = typeof data.focus === "string" ? data.focus : "";
    this.diff = data.diff;
    this.inverted = data.inverted;
    this.byObjects = data.weight === "objects";
    this.readFrames(data);
    this.readNodes(data.nodes);
    this.sum();
    this.matchFrame = null;  // per frame: 1 when its name matches the search
  }

  readFrames(data) {
    const s = data.strings, f = data.frames, count = f.length / 3;
    this.frameName = new Array(count);
    this.frameModule = new Array(count);
    this.frameKind = new Array(count);
    this.frameRgb = new Array(count);  // filled as frames are first drawn
    for (let i = 0; i < count; i++) {
      this.frameName[i] = s[f[3 * i]];
      this.frameModule[i] = s[f[3 * i + 1]];
      this.frameKind[i] = data.kinds[f[3 * i + 2]] || "unknown";
    }
    this.frameLower = null;  // lower-case names, made by the first search
  }

  // "nodes" as flame_data.h describes. Preorder, so a node's subtree is
  // the index range [i, end[i]) and its children are found by hopping from
  // subtree to subtree.
  readNodes(code) {
    const digit = new Int8Array(128).fill(-1);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let k = 0; k < 64; k++) digit[alphabet.charCodeAt(k)] = k;
    let pos = 0;
    const damaged = (why) => new Error("the flame graph data is damaged (" + why + ")");
    const number = () => {
      let value = 0, scale = 1, d;
      do {
        if (pos >= code.length) throw damaged("cut short");
        d = digit[code.charCodeAt(pos++)];
        if (d === undefined || d < 0) throw damaged("character " + (pos - 1));
        value += (d & 31) * scale;  // not bit shifts: values pass 2^32
        scale *= 32;
      } while (d & 32);
      return value;
    };
    const signed = () => {
      const z = number();
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    };
    const cap = code.length;  // every node takes at least one character
    const frameCount = this.frameName.length;
    const frame = new Int32Array(cap), parent = new Int32Array(cap);
    const end = new Int32Array(cap), depth = new Int32Array(cap);
    const selfB = new Float64Array(cap), selfO = new Float64Array(cap);
    const baseB = new Float64Array(this.diff ? cap : 0);
    const baseO = new Float64Array(this.diff ? cap : 0);
    const open = [], left = [];  // nodes whose children are still coming
    let n = 0, maxDepth = 0;
    while (pos < code.length) {
      const i = n++;
      const v = number();
      frame[i] = Math.floor(v / 2);
      let children = 1;
      if (v % 2 === 1) {
        children = number();
        selfB[i] = signed();
        selfO[i] = signed();
        if (this.diff) {
          baseB[i] = signed();
          baseO[i] = signed();
        }
      }
      if (frame[i] >= frameCount) throw damaged("frame of node " + i);
      if (open.length) {
        parent[i] = open[open.length - 1];
        left[left.length - 1]--;
      } else if (i === 0) {
        parent[i] = -1;
      } else {
        throw damaged("second root");
      }
      depth[i] = open.length;
      if (depth[i] > maxDepth) maxDepth = depth[i];
      if (children > 0) {
        open.push(i);
        left.push(children);
        continue;
      }
      end[i] = n;
      while (open.length && left[left.length - 1] === 0) {
        end[open.pop()] = n;
        left.pop();
      }
    }
    if (open.length || n === 0) throw damaged("tree cut short");
    this.n = n;
    this.frame = frame.subarray(0, n);
    this.parent = parent.subarray(0, n);
    this.end = end.subarray(0, n);
    this.depth = depth.subarray(0, n);
    this.selfBytes = selfB.subarray(0, n);
    this.selfObjects = selfO.subarray(0, n);
    this.baseSelfBytes = baseB.subarray(0, this.diff ? n : 0);
    this.baseSelfObjects = baseO.subarray(0, this.diff ? n : 0);
    this.maxDepth = maxDepth;
  }

  // Totals: a node's own value plus its subtree's. Children follow their
  // parent, so one backward pass does it.
  sum() {
    const total = (self) => {
      const t = Float64Array.from(self);
      for (let i = t.length - 1; i > 0; i--) t[this.parent[i]] += t[i];
      return t;
    };
    this.bytes = total(this.selfBytes);
    this.objects = total(this.selfObjects);
    this.baseBytes = total(this.baseSelfBytes);
    this.baseObjects = total(this.baseSelfObjects);
    this.value = this.byObjects ? this.objects : this.bytes;  // the width
    this.baseValue = this.byObjects ? this.baseObjects : this.baseBytes;
  }

  name(i) { return this.frameName[this.frame[i]]; }
  module(i) { return this.frameModule[this.frame[i]]; }
  kind(i) { return this.frameKind[this.frame[i]]; }
  matched(i) { return !!this.matchFrame && this.matchFrame[this.frame[i]] === 1; }

  // The frames to draw with `zoom` spread over `width` pixels: zoom's
  // ancestors and zoom itself full width, then its subtree in proportion.
  // Frames narrower than minWidth are left out with their subtrees, which
  // keeps a graph of a million nodes quick: only what can be seen is drawn.
  // Breadth first, so each row comes out sorted by x (see hit()).
  layout(zoom, width, minWidth) {
    const node = [], x = [], w = [], depth = [], rows = [];
    const add = (i, left, wide) => {
      const d = this.depth[i];
      (rows[d] || (rows[d] = [])).push(node.length);
      node.push(i);
      x.push(left);
      w.push(wide);
      depth.push(d);
    };
    const chain = [];
    for (let a = zoom; a !== -1; a = this.parent[a]) chain.push(a);
    for (let k = chain.length - 1; k >= 0; k--) add(chain[k], 0, width);
    if (this.value[zoom] > 0) {
      const scale = width / this.value[zoom];
      const queue = [zoom], queueX = [0];
      for (let q = 0; q < queue.length; q++) {
        const p = queue[q];
        let left = queueX[q];
        for (let c = p + 1; c < this.end[p]; c = this.end[c]) {
          const wide = this.value[c] * scale;
          if (wide >= minWidth) {
            add(c, left, wide);
            if (this.end[c] > c + 1) {
              queue.push(c);
              queueX.push(left);
            }
          }
          left += wide;
        }
      }
    }
    return {zoom, zoomDepth: this.depth[zoom], width, count: node.length,
            node, x, w, depth, rows, maxDepth: rows.length - 1};
  }

  // The rectangles to paint for `layout`, in whole pixels, as flat triples
  // (index into layout, left, width). Per row only the first frame to reach
  // a pixel is kept: a large graph has tens of thousands of frames narrower
  // than a pixel, and painting each of them would take most of the drawing
  // time while changing no pixel. Neighbours wider than 2 pixels keep a
  // 1-pixel gap between them.
  static pixels(layout) {
    const out = [];
    for (let d = 0; d < layout.rows.length; d++) {
      let covered = -1;
      for (const r of layout.rows[d]) {
        let x0 = Math.round(layout.x[r]), x1 = Math.round(layout.x[r] + layout.w[r]);
        if (x1 - x0 > 2) x1--;
        if (x1 <= x0) x1 = x0 + 1;
        if (x1 <= covered) continue;
        if (x0 < covered) x0 = covered;
        covered = x1;
        out.push(r, x0, x1 - x0);
      }
    }
    return out;
  }

  // The node drawn at x on row `depth` of `layout`, or -1.
  hit(layout, x, depth) {
    const row = layout.rows[depth];
    if (!row) return -1;
    let lo = 0, hi = row.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (layout.x[row[mid]] <= x) {
        found = row[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || x >= layout.x[found] + layout.w[found]) return -1;
    return layout.node[found];
  }

  // Marks frames whose name contains `term` (ignoring case); "" clears.
  // The share counts each matched subtree once, however many matching
  // frames it holds (a recursive function, or main and a callee both
  // matching), so it never exceeds 100%.
  search(term) {
    if (!term) {
      this.matchFrame = null;
      return null;
    }
    if (!this.frameLower) this.frameLower = this.frameName.map((s) => s.toLowerCase());
    const needle = term.toLowerCase();
    const match = new Uint8Array(this.frameName.length);
    let frames = 0;
    for (let f = 0; f < match.length; f++) {
      if (this.frameLower[f].includes(needle)) {
        match[f] = 1;
        frames++;
      }
    }
    this.matchFrame = match;
    let value = 0;
    for (let i = 0; i < this.n;) {
      if (match[this.frame[i]]) {
        value += this.value[i];
        i = this.end[i];
      } else {
        i++;
      }
    }
    return {term, frames, value, share: this.share(value)};
  }

  share(value) { return this.value[0] > 0 ? value / this.value[0] : 0; }

  // Node i's colour as [r, g, b]: by kind (varied by name, so that
  // neighbours differ and a function keeps its colour across files), by
  // change in a diff, magenta when it matches the search.
  rgb(i) {
    if (this.matched(i)) return FLAME_MATCH_RGB;
    if (this.diff) return FlameModel.changeRgb(this.change(i));
    if (i === 0) return FLAME_ROOT_RGB;
    const f = this.frame[i];
    let c = this.frameRgb[f];
    if (!c) {
      const p = FLAME_PALETTES[this.frameKind[f]] || FLAME_PALETTES.unknown;
      const name = this.frameName[f];
      c = FlameModel.hslToRgb(p[0] + (p[1] - p[0]) * FlameModel.hash(name), p[2],
                              p[3] + (p[4] - p[3]) * FlameModel.hash(name + "~"));
      this.frameRgb[f] = c;
    }
    return c;
  }

  colour(i) { return FlameModel.css(this.rgb(i)); }

  // Growth of a node's value from base to now, from -1 (gone) through 0
  // (unchanged) to 1 (new).
  change(i) {
    const now = this.value[i], base = this.baseValue[i];
    const most = Math.max(now, base);
    return most > 0 ? (now - base) / most : 0;
  }

  static changeRgb(change) {
    if (change === 0) return [224, 224, 224];
    const c = Math.round(225 - 195 * Math.min(1, Math.abs(change)));
    return change > 0 ? [255, c, c] : [c, c, 255];
  }

  static css(rgb) { return "rgb(" + rgb[0] + "," + rgb[1] + "," + rgb[2] + ")"; }

  // h in degrees, s and l in percent.
  static hslToRgb(h, s, l) {
    s /= 100;
    l /= 100;
    const a = s * Math.min(l, 1 - l);
    const f = (n) => {
      const k = (n + h / 30) % 12;
      return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
    };
    return [f(0), f(8), f(4)];
  }

  // FNV-1a, scaled to [0, 1).
  static hash(s) {
    let h = 0x811c9dc5;
    for (let k = 0; k < s.length; k++) {
      h ^= s.charCodeAt(k);
      h = Math.imul(h, 0x01000193);
    }
    return (h >>> 0) / 4294967296;
  }

  legend() {
    const css = FlameModel.css;
    if (this.diff) {
      return [["grew since base", css(FlameModel.changeRgb(1))],
              ["shrank", css(FlameModel.changeRgb(-1))],
              ["unchanged", css(FlameModel.changeRgb(0))],
              ["search match", css(FLAME_MATCH_RGB)]];
    }
    const out = FLAME_KINDS.map((k) => {
      const p = FLAME_PALETTES[k];
      return [FLAME_KIND_LABELS[k], css(FlameModel.hslToRgb((p[0] + p[1]) / 2, p[2], (p[3] + p[4]) / 2))];
    });
    out.push(["search match", css(FLAME_MATCH_RGB)]);
    return out;
  }

  // Tooltip text of node i, seen while zoomed into `zoom`.
  describe(i, zoom) {
    const f = FlameModel.format;
    const lines = [];
    const module = this.module(i);
    if (i === 0) {
      lines.push("every stack with something in use");
    } else {
      lines.push(FLAME_KIND_LABELS[this.kind(i)] + ": " + (module || "module unknown"));
    }
    const share = f.percent(this.share(this.value[i])) + " of all";
    if (this.byObjects) {
      lines.push("in use: " + f.count(this.objects[i]) + " objects, " + share);
      lines.push("bytes: " + f.bytes(this.bytes[i]));
    } else {
      lines.push("in use: " + f.bytes(this.bytes[i]) + ", " + share);
      lines.push("objects: " + f.count(this.objects[i]));
    }
    if (zoom > 0 && i !== zoom && this.depth[i] > this.depth[zoom] &&
        this.value[zoom] > 0) {
      lines.push(f.percent(this.value[i] / this.value[zoom]) + " of " + this.name(zoom));
    }
    const own = this.byObjects ? this.selfObjects[i] : this.selfBytes[i];
    if (own > 0 && own !== this.value[i]) {
      lines.push("of its own: " + (this.byObjects ? f.count(own) + " objects" : f.bytes(own)));
    }
    if (this.diff) lines.push(this.describeChange(i));
    return {name: this.name(i), lines};
  }

  describeChange(i) {
    const f = FlameModel.format;
    const show = (v) => this.byObjects ? f.count(v) + " objects" : f.shortBytes(v);
    const now = this.value[i], base = this.baseValue[i];
    if (base === 0) return "new since base (" + show(now) + ")";
    const delta = now - base;
    const sign = delta > 0 ? "+" : delta < 0 ? "-" : "\u00b1";
    return "base " + show(base) + ", now " + show(now) + ": " + sign +
           show(Math.abs(delta)) + " (" + sign + f.percent(Math.abs(delta) / base) + ")";
  }

  matchText(result) {
    if (!result) return "";
    const f = FlameModel.format;
    if (!result.frames) return "No frame matches \u201c" + result.term + "\u201d";
    return "Matched: " + f.percent(result.share) + " of all, " +
           (this.byObjects ? f.count(result.value) + " objects" : f.shortBytes(result.value)) +
           ", in " + result.frames + (result.frames === 1 ? " function" : " functions");
  }

  // `name` cut to at most `chars` characters, "" when too little fits.
  static fitLabel(name, chars) {
    if (chars < 3) return "";
    if (name.length <= chars) return name;
    let cut = chars - 2;
    const code = name.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;  // keep surrogate pairs whole
    return name.slice(0, cut) + "..";
  }
}

FlameModel.format = {
  // "3.0 MiB (3,145,728 B)": the exact figure too, for tooltips.
  bytes(n) {
    const short = FlameModel.format.shortBytes(n);
    return Math.abs(n) < 1024 ? short : short + " (" + FlameModel.format.count(n) + " B)";
  },
  shortBytes(n) {
    if (Math.abs(n) < 1024) return n + " B";
    const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    let v = n, u = -1;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return v.toFixed(1) + " " + units[u];
  },
  count(n) { return n.toLocaleString("en-US"); },
  percent(x) {
    if (x > 0 && x < 0.001) return "<0.1%";
    return (100 * x).toFixed(1) + "%";
  },
};

// What both views do once they can draw: redraw when the window is resized,
// draw, and publish the page's handle (window.flamegraph) that the browser
// test and the benchmark drive. `view` supplies the parts that differ.
FlameModel.publish = function (model, view) {
  let resizeQueued = false;
  window.addEventListener("resize", () => {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      view.render();
    });
  });

  view.render();
  view.showRoot();
  const timing = {parsed: view.parsedAt, drawn: performance.now(), painted: 0};
  // The first frame after the drawing is when the graph is on screen.
  requestAnimationFrame(() => setTimeout(() => { timing.painted = performance.now(); }, 0));

  window.flamegraph = {
    ready: true,
    model,
    timing,  // milliseconds since navigation start
    zoom: view.zoomTo,
    reset: () => view.zoomTo(0),
    search: view.applySearch,
    zoomed: view.zoomed,
    // The frames drawn now, in viewport pixels.
    frames() {
      const r = view.element.getBoundingClientRect(), layout = view.layout(), out = [];
      for (let k = 0; k < layout.count; k++) {
        const i = layout.node[k];
        out.push({node: i, name: model.name(i), module: model.module(i), kind: model.kind(i),
                  depth: layout.depth[k], matched: model.matched(i), colour: model.colour(i),
                  x: r.left + view.left + layout.x[k], y: r.top + view.rowTop(layout.depth[k]),
                  width: layout.w[k], height: view.rowHeight - 1});
      }
      return out;
    },
    graphBox: view.graphBox,
  };
};
