// The flame graph benchmark: writes the HTML and SVG flame graphs of 10,000
// distinct stacks of 200 frames (bench_profile.cc), opens each in headless
// Chromium a few times and prints what the page measured itself, in
// milliseconds since navigation start: data parsed and tree built, first
// full draw done, first frame painted; then how long a zoom and a search
// take to redraw. Figures only; nothing is judged.
//
// node bench_flamegraph.mjs --writer <flamegraph_bench_profile> --out <dir>
//                           [--runs 3] [--disjoint]
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {Browser, findChromium} from "./chromium.mjs";

const args = {runs: "3"};
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, "");
  if (key === "disjoint") args.disjoint = true;
  else args[key] = process.argv[++i];
}
if (!args.writer || !args.out) {
  console.error("usage: bench_flamegraph.mjs --writer <flamegraph_bench_profile> --out <dir> " +
                "[--runs N] [--disjoint]");
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(0).padStart(6) + " ms";
const mib = (bytes) => (bytes / 1048576).toFixed(2) + " MiB";

// Loads `file` `runs` times in fresh tabs; the medians of what the page
// measured.
async function measure(browser, file, runs) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage();
    await page.open(pathToFileURL(file).href, 120000);
    await page.waitFor("window.flamegraph && window.flamegraph.timing.painted > 0", 120000);
    const t = await page.eval(`(() => {
      const fg = window.flamegraph, t = fg.timing;
      const frames = fg.frames();
      const wide = frames.filter((f) => f.depth === 30).sort((a, b) => b.width - a.width)[0];
      let start = performance.now();
      fg.zoom(wide ? wide.node : 0);
      const zoom = performance.now() - start;
      fg.reset();
      start = performance.now();
      fg.search("Parser");
      const search = performance.now() - start;
      return {parsed: t.parsed, drawn: t.drawn, painted: t.painted, frames: frames.length,
              nodes: fg.model.n, zoom, search};
    })()`);
    if (page.errors.length) throw new Error(`${file}: page errors: ${page.errors.join(" | ")}`);
    results.push(t);
    await page.send("Page.close").catch(() => {});
  }
  const m = {};
  for (const key of Object.keys(results[0])) m[key] = median(results.map((x) => x[key]));
  return m;
}

async function main() {
  const chromium = findChromium();
  if (!chromium) {
    console.log("no Chromium at /usr/bin/chromium (apt-get install chromium): nothing to measure");
    process.exit(1);
  }
  fs.mkdirSync(args.out, {recursive: true});
  const stem = path.join(args.out, args.disjoint ? "bench_disjoint" : "bench");
  const files = [stem + ".html", stem + ".svg"];
  const written = execFileSync(args.writer, [...files.flatMap((f) => ["--out", f]),
                                             ...(args.disjoint ? ["--disjoint"] : [])],
                               {encoding: "utf8"}).trim().split("\n").map((l) => JSON.parse(l));
  const w = written[0];
  console.log(`profile: ${w.stacks} distinct stacks x ${w.frames_per_stack} frames` +
              `${w.disjoint ? " (all diverging under main)" : ""}: ` +
              `${w.tree_nodes} tree nodes, ${w.distinct_frames} distinct frames; ` +
              `tree built in ${w.tree_ms.toFixed(0)} ms`);

  const browser = await Browser.launch(chromium, {width: 1600, height: 1000});
  try {
    for (const file of written) {
      const m = await measure(browser, file.file, Number(args.runs));
      console.log(`${path.basename(file.file)}: ${mib(file.file_bytes)} (${file.file_bytes} bytes), ` +
                  `written in ${file.write_ms.toFixed(0)} ms; Chromium, median of ${args.runs} loads:`);
      console.log(`  data parsed, tree built   ${ms(m.parsed)} after navigation start`);
      console.log(`  first full draw done      ${ms(m.drawn)}   (${m.frames} of ${m.nodes} frames wide enough to draw)`);
      console.log(`  first frame painted       ${ms(m.painted)}`);
      console.log(`  zoom into a frame, redraw ${ms(m.zoom)}`);
      console.log(`  search and redraw         ${ms(m.search)}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`bench_flamegraph: ${e.stack || e}`);
  process.exit(1);
});
