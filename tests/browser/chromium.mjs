// Headless Chromium driven over the DevTools protocol, for the flame graph
// browser test and benchmark. The protocol travels over the pipe Chromium
// opens with --remote-debugging-pipe (fd 3 in, fd 4 out, messages ended by
// a NUL byte), so nothing listens on a port and no npm package is needed.
import {spawn} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Debian's package; ALLOCPROF_CHROMIUM names another build. Null when absent.
export function findChromium() {
  const candidate = process.env.ALLOCPROF_CHROMIUM || "/usr/bin/chromium";
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    return null;
  }
}

export class Browser {
  // A fresh profile directory each time: no state from an earlier run, and
  // none left behind (see close()).
  static async launch(executable, {width = 1200, height = 800} = {}) {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "allocprof-chromium-"));
    const args = [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      `--user-data-dir=${userDataDir}`, "--remote-debugging-pipe",
      "--hide-scrollbars", "--mute-audio", `--window-size=${width},${height}`, "about:blank",
    ];
    const child = spawn(executable, args, {stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"]});
    const browser = new Browser(child, userDataDir, width, height);
    await browser.send("Browser.getVersion");  // answers once the pipe is up
    return browser;
  }

  constructor(child, userDataDir, width, height) {
    this.child = child;
    this.userDataDir = userDataDir;
    this.width = width;
    this.height = height;
    this.nextId = 1;
    this.pending = new Map();  // id -> {resolve, reject, method}
    this.listeners = [];       // {method, sessionId, fn}
    this.stderr = "";
    this.exited = null;
    child.stderr.on("data", (d) => { this.stderr = (this.stderr + d).slice(-8000); });
    child.on("exit", (code, signal) => {
      this.exited = signal || code;
      for (const {reject, method} of this.pending.values()) {
        reject(new Error(`chromium exited (${this.exited}) during ${method}: ${this.stderr}`));
      }
      this.pending.clear();
    });
    let buffered = "";
    child.stdio[4].on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      let end;
      while ((end = buffered.indexOf("\0")) >= 0) {
        const message = JSON.parse(buffered.slice(0, end));
        buffered = buffered.slice(end + 1);
        this.dispatch(message);
      }
    });
  }

  dispatch(message) {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
      else call.resolve(message.result);
      return;
    }
    for (const l of this.listeners) {
      if (l.method === message.method && l.sessionId === message.sessionId) l.fn(message.params);
    }
  }

  send(method, params = {}, sessionId = undefined) {
    if (this.exited !== null) return Promise.reject(new Error(`chromium has exited: ${this.stderr}`));
    const id = this.nextId++;
    const message = {id, method, params};
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject, method});
      this.child.stdio[3].write(JSON.stringify(message) + "\0");
    });
  }

  on(method, sessionId, fn) {
    this.listeners.push({method, sessionId, fn});
  }

  async newPage() {
    const {targetId} = await this.send("Target.createTarget", {url: "about:blank"});
    const {sessionId} = await this.send("Target.attachToTarget", {targetId, flatten: true});
    const page = new Page(this, sessionId);
    await page.start();
    return page;
  }

  async close() {
    const exited = new Promise((resolve) => {
      if (this.exited !== null) resolve();
      else this.child.on("exit", resolve);
    });
    this.send("Browser.close").catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(this.userDataDir, {recursive: true, force: true});
  }
}

// One tab. Collects what a page must not do: throw, log errors, or ask the
// network for anything.
export class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.errors = [];
    this.requests = [];
    this.dialogAnswer = null;  // what the next prompt() is answered with
  }

  send(method, params = {}) { return this.browser.send(method, params, this.sessionId); }
  on(method, fn) { this.browser.on(method, this.sessionId, fn); }

  async start() {
    this.on("Runtime.exceptionThrown", (p) => {
      const d = p.exceptionDetails;
      this.errors.push(`uncaught: ${(d.exception && d.exception.description) || d.text}`);
    });
    this.on("Runtime.consoleAPICalled", (p) => {
      if (p.type === "error" || p.type === "assert") {
        this.errors.push(`console.${p.type}: ${p.args.map((a) => a.value ?? a.description).join(" ")}`);
      }
    });
    this.on("Log.entryAdded", (p) => {
      if (p.entry.level === "error") this.errors.push(`log: ${p.entry.text} ${p.entry.url || ""}`);
    });
    this.on("Network.requestWillBeSent", (p) => this.requests.push(p.request.url));
    this.on("Page.javascriptDialogOpening", (p) => {
      const answer = this.dialogAnswer;
      this.dialogAnswer = null;
      this.send("Page.handleJavaScriptDialog",
                answer === null ? {accept: false} : {accept: true, promptText: answer})
          .catch((e) => this.errors.push(`dialog: ${e.message}`));
      if (answer === null) this.errors.push(`unexpected dialog: ${p.message}`);
    });
    await Promise.all([this.send("Page.enable"), this.send("Runtime.enable"),
                       this.send("Log.enable"), this.send("Network.enable")]);
    await this.send("Emulation.setDeviceMetricsOverride", {
      width: this.browser.width, height: this.browser.height, deviceScaleFactor: 1, mobile: false,
    });
  }

  async open(url, timeoutMs = 60000) {
    const loaded = new Promise((resolve) => this.on("Page.loadEventFired", resolve));
    const {errorText} = await this.send("Page.navigate", {url});
    if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
    await withTimeout(loaded, timeoutMs, `loading ${url}`);
  }

  async eval(expression) {
    const r = await this.send("Runtime.evaluate",
                              {expression, returnByValue: true, awaitPromise: true});
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`${expression}: ${(d.exception && d.exception.description) || d.text}`);
    }
    return r.result.value;
  }

  async waitFor(expression, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.eval(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async mouseMove(x, y) {
    await this.send("Input.dispatchMouseEvent", {type: "mouseMoved", x, y});
  }

  async click(x, y) {
    await this.mouseMove(x, y);
    const base = {x, y, button: "left", clickCount: 1};
    await this.send("Input.dispatchMouseEvent", {type: "mousePressed", ...base});
    await this.send("Input.dispatchMouseEvent", {type: "mouseReleased", ...base});
  }

  // Clicks the middle of the element with this id.
  async clickElement(id) {
    const box = await this.eval(`(() => { const r = document.getElementById(${JSON.stringify(id)})` +
                                `.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })()`);
    await this.click(box.x + box.w / 2, box.y + box.h / 2);
  }

  async type(text) {
    await this.send("Input.insertText", {text});
  }

  async screenshot(file) {
    const {data} = await this.send("Page.captureScreenshot", {format: "png"});
    fs.writeFileSync(file, Buffer.from(data, "base64"));
  }
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
