// Opens the flame graphs of a made-up profile (demo_profile.cc) in headless
// Chromium from file:// URLs and uses them as a person would: hover, click
// to zoom, reset, search. Fails on any script error or network request.
// Screenshots are left in --out for a person to look at.
//
// node flamegraph_browser_test.mjs --writer <flamegraph_demo_profile> --out <dir>
// Exit status: 0 passed, 1 failed, 77 skipped (no Chromium installed).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {Browser, findChromium} from "./chromium.mjs";

// The demo profile's figures (demo_profile.cc).
const KIB = 1024, MIB = 1024 * KIB;
const kDemo = {
  leak: "leak_buffer", leakBytes: 3 * MIB, leakObjects: 3072,
  parent: "handle_request", parentBytes: 4 * MIB,
  total: 3 * MIB + 1 * MIB + 256 * KIB + 512 * KIB + 128 * KIB + 64 * KIB + 100 * KIB,
  hostile: ["</script><script>window.pwned=1</script>",
            "operator<<(std::ostream&, Foo<\"a\" & 'b'> const&)",
            "\u65e5\u672c\u8a9e;name"],
  target: "PID 4242 (demo-server)",
};
const MATCH_COLOUR = "rgb(230,0,230)";

function parseArgs() {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) {
    args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
  }
  if (!args.writer || !args.out) {
    console.error("usage: flamegraph_browser_test.mjs --writer <flamegraph_demo_profile> --out <dir>");
    process.exit(2);
  }
  return args;
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
  return ok;
}

const near = (a, b, tolerance) => Math.abs(a - b) <= tolerance;
const percent = (x) => (100 * x).toFixed(1) + "%";
const centre = (f) => [f.x + f.width / 2, f.y + f.height / 2];
const byName = (frames, name) => frames.find((f) => f.name === name);

// Both pages have the same window.flamegraph interface; only their controls
// differ (a text field in HTML, a prompt() in SVG).
const kControls = {
  html: {
    reset: "reset",
    search: async (page, term) => {
      // The field opens holding the default focus.
      await page.eval("document.getElementById('search').value = ''");
      await page.clickElement("search");
      await page.type(term);
    },
    status: "document.getElementById('status').textContent",
    warnings: "document.getElementById('warnings').innerText",
    warningsShown: "document.getElementById('warnings').offsetHeight > 0",
    tooltip: "document.getElementById('tooltip').hidden ? '' : document.getElementById('tooltip').innerText",
    title: "document.getElementById('title').textContent",
  },
  svg: {
    reset: "reset-button",
    search: async (page, term) => {
      page.dialogAnswer = term;
      await page.clickElement("search-button");
    },
    status: "document.getElementById('status').textContent",
    warnings: "[...document.querySelectorAll('.warning')].map((e) => e.textContent).join('\\n')",
    warningsShown: "document.querySelectorAll('.warning').length > 0",
    tooltip: "document.getElementById('tooltip').getAttribute('visibility') === 'visible' ? " +
             "document.getElementById('tooltip').textContent : ''",
    title: "document.getElementById('title').textContent",
  },
};

async function testFlameGraph(browser, file, kind, outDir) {
  const label = path.basename(file);
  const c = kControls[kind];
  const url = pathToFileURL(file).href;
  const page = await browser.newPage();
  await page.open(url);
  await page.waitFor("window.flamegraph && window.flamegraph.ready");

  // What is drawn, and in proportion.
  const graph = await page.eval("flamegraph.graphBox()");
  let frames = await page.eval("flamegraph.frames()");
  const root = byName(frames, "all");
  check(root && near(root.width, graph.width, 0.5), `${label}: the root spans the graph`);
  const leak = byName(frames, kDemo.leak), parent = byName(frames, kDemo.parent);
  if (!check(leak && parent, `${label}: ${kDemo.leak} and ${kDemo.parent} are drawn`)) return page;
  const ratio = leak.width / parent.width;
  check(near(ratio, kDemo.leakBytes / kDemo.parentBytes, 0.002),
        `${label}: ${kDemo.leak} is 3/4 of ${kDemo.parent}'s width (${ratio.toFixed(4)})`);
  check(near(leak.width / root.width, kDemo.leakBytes / kDemo.total, 0.002),
        `${label}: ${kDemo.leak}'s share of the root's width is its share of the bytes`);
  check(leak.depth === parent.depth + 1 && leak.y < parent.y && near(leak.x, parent.x, 0.01),
        `${label}: ${kDemo.leak} sits on ${kDemo.parent}, leftmost as the widest callee`);
  check(!byName(frames, "freed_everything"), `${label}: a stack with nothing in use is left out`);
  check(!!byName(frames, "[stack lost]") && !!byName(frames, "worker_thread"),
        `${label}: the lost stack hangs under [stack lost]`);
  const kinds = new Set(frames.map((f) => f.kind));
  check(["program", "library", "allocator", "jit", "unknown", "python"].every((k) => kinds.has(k)),
        `${label}: frames of every kind are drawn (${[...kinds].join(", ")})`);
  check(kDemo.hostile.every((n) => byName(frames, n)), `${label}: hostile names come through as text`);
  check(await page.eval("window.pwned === undefined"), `${label}: no frame name ran as script`);
  const title = await page.eval(c.title);
  check(title.includes(kDemo.target), `${label}: the title names the target ("${title}")`);
  // The default focus: the program's own frame of the widest stack.
  const opened = await page.eval(c.status);
  check(opened.startsWith("Matched") && leak.matched &&
        frames.filter((f) => f.matched).every((f) => f.name === kDemo.leak),
        `${label}: it opens with ${kDemo.leak} highlighted (${JSON.stringify(opened)})`);
  const warnings = await page.eval(c.warnings);
  check(await page.eval(c.warningsShown) && warnings.includes("lower bounds") &&
        warnings.includes("12 events (ring buffer full)"),
        `${label}: a visible warning says figures are lower bounds and lists the losses`);

  // Tooltip.
  await page.mouseMove(...centre(leak));
  const tooltip = await page.waitFor(c.tooltip, 5000).catch(() => "");
  check(tooltip.includes(kDemo.leak) && tooltip.includes("/usr/bin/demo-server") &&
        tooltip.includes("3.0 MiB (3,145,728 B)") &&
        tooltip.includes(percent(kDemo.leakBytes / kDemo.total) + " of all") &&
        tooltip.includes("objects: 3,072"),
        `${label}: the tooltip gives name, module, bytes, share and objects (${JSON.stringify(tooltip)})`);
  await page.screenshot(path.join(outDir, `${label}.png`));

  // Click to zoom: the frame takes the full width.
  await page.click(...centre(leak));
  await page.waitFor(`flamegraph.zoomed() !== 0`, 5000).catch(() => {});
  frames = await page.eval("flamegraph.frames()");
  const zoomed = byName(frames, kDemo.leak);
  check(zoomed && near(zoomed.width, graph.width, 0.5) && near(zoomed.x, graph.x, 0.5),
        `${label}: clicking ${kDemo.leak} zooms it to the full width (${zoomed && zoomed.width.toFixed(1)} of ${graph.width})`);
  check(!byName(frames, "parse_header"), `${label}: its siblings leave the picture`);
  const malloc = frames.find((f) => f.name === "malloc" && zoomed && f.depth === zoomed.depth + 1);
  check(malloc && near(malloc.width, graph.width, 0.5), `${label}: its callee is full width too`);
  await page.screenshot(path.join(outDir, `${label}.zoomed.png`));

  // Reset.
  await page.clickElement(c.reset);
  await page.waitFor("flamegraph.zoomed() === 0", 5000).catch(() => {});
  frames = await page.eval("flamegraph.frames()");
  const again = byName(frames, kDemo.leak), parentAgain = byName(frames, kDemo.parent);
  check(again && parentAgain && near(again.width / parentAgain.width, ratio, 0.0001) &&
        !!byName(frames, "parse_header"),
        `${label}: reset zoom brings the whole graph back`);

  // Search: matches highlighted, their share shown.
  await c.search(page, "LEAK");
  const status = await page.waitFor(`(${c.status}).startsWith("Matched")`, 5000)
      .then(() => page.eval(c.status)).catch(() => page.eval(c.status));
  const share = percent(kDemo.leakBytes / kDemo.total);
  check(status === `Matched: ${share} of all, 3.0 MiB, in 1 function`,
        `${label}: searching "LEAK" shows the matches' share (${JSON.stringify(status)})`);
  frames = await page.eval("flamegraph.frames()");
  const matched = frames.filter((f) => f.matched).map((f) => f.name);
  check(matched.length === 1 && matched[0] === kDemo.leak &&
        byName(frames, kDemo.leak).colour === MATCH_COLOUR,
        `${label}: only ${kDemo.leak} is highlighted (${matched.join(", ")})`);
  await page.mouseMove(0, 0);
  await page.screenshot(path.join(outDir, `${label}.search.png`));
  return page;
}

async function testInverted(browser, file) {
  const label = path.basename(file);
  const page = await browser.newPage();
  await page.open(pathToFileURL(file).href);
  await page.waitFor("window.flamegraph && window.flamegraph.ready");
  const frames = await page.eval("flamegraph.frames()");
  const root = byName(frames, "all");
  const top = frames.filter((f) => f.depth === 1).map((f) => f.name);
  const leak = byName(frames, kDemo.leak);
  const firstMalloc = frames.find((f) => f.depth === 1 && f.name === "malloc");
  check(top[0] === "malloc" && top.includes("mmap") && root && firstMalloc && root.y < firstMalloc.y,
        `${label}: the allocator is the first row under the root, at the top (${top.join(", ")})`);
  check(leak && firstMalloc && leak.y > firstMalloc.y, `${label}: callers hang below it`);
  return page;
}

async function testDiff(browser, file, outDir) {
  const label = path.basename(file);
  const page = await browser.newPage();
  await page.open(pathToFileURL(file).href);
  await page.waitFor("window.flamegraph && window.flamegraph.ready");
  const frames = await page.eval("flamegraph.frames()");
  const leak = byName(frames, kDemo.leak), parse = byName(frames, "parse_header");
  const rgb = (f) => (f ? f.colour.match(/\d+/g).map(Number) : [0, 0, 0]);
  const [lr, lg, lb] = rgb(leak), [pr, pg, pb] = rgb(parse);
  check(leak && lr === 255 && lg < 200 && lg === lb, `${label}: the grown leak is red (${leak && leak.colour})`);
  check(parse && pb === 255 && pr < 200 && pr === pg, `${label}: the shrunk parser is blue (${parse && parse.colour})`);
  check(leak && parse && near(leak.width / parse.width, 3, 0.01), `${label}: widths are now's`);
  await page.mouseMove(...centre(leak));
  const tooltip = await page.waitFor(kControls.html.tooltip, 5000).catch(() => "");
  check(tooltip.includes("base 1.0 MiB") && tooltip.includes("now 3.0 MiB") &&
        tooltip.includes("(+200.0%)"),
        `${label}: the tooltip gives the change (${JSON.stringify(tooltip)})`);
  await page.screenshot(path.join(outDir, `${label}.png`));
  return page;
}

async function main() {
  const args = parseArgs();
  const chromium = findChromium();
  if (!chromium) {
    console.log("SKIP: no Chromium at /usr/bin/chromium (apt-get install chromium), " +
                "nor at $ALLOCPROF_CHROMIUM");
    process.exit(77);
  }
  fs.rmSync(args.out, {recursive: true, force: true});
  fs.mkdirSync(args.out, {recursive: true});
  execFileSync(args.writer, [args.out], {stdio: "inherit"});

  const browser = await Browser.launch(chromium);
  const pages = [];
  try {
    pages.push(await testFlameGraph(browser, path.join(args.out, "flamegraph.html"), "html", args.out));
    pages.push(await testFlameGraph(browser, path.join(args.out, "flamegraph.svg"), "svg", args.out));
    pages.push(await testInverted(browser, path.join(args.out, "flamegraph_inverted.html")));
    pages.push(await testDiff(browser, path.join(args.out, "flamegraph_diff.html"), args.out));
    for (const page of pages) {
      check(page.errors.length === 0, `no script or console errors (${page.errors.join(" | ")})`);
      const elsewhere = page.requests.filter((u) => !u.startsWith("file://"));
      check(elsewhere.length === 0, `no request leaves the file (${elsewhere.join(", ")})`);
    }
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${args.out}`);
  if (failures) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log("all checks passed");
}

main().catch((e) => {
  console.error(`FAIL ${e.stack || e}`);
  process.exit(1);
});
