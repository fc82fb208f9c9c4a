// Measures Kassa's start-up and idle memory on the real window (run by measure-startup.sh,
// which builds the binary and starts Xvfb). For each run it launches the binary, waits for
// the log line the window sends when a screen is ready for input, signs the demo cashier in
// with real key presses (xdotool), waits for the checkout screen, lets the app idle, and sums
// RSS and PSS over the app and its WebKit processes from /proc.
//
// Figures: "first start" uses a fresh data directory (the ledger is created and demo mode
// seeds the store, catalog and PIN hashes); "start" reuses it, as every later start does.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env.KASSA_BIN;
const RUNS = Number(process.env.KASSA_RUNS ?? 5);
const IDLE_MS = Number(process.env.KASSA_IDLE_MS ?? 10000);
if (!BIN) throw new Error("KASSA_BIN must name the kassa binary");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts kassa; resolves each `window ready for input` line with the wall time it arrived. */
function launch(dataDir) {
  const t0 = performance.now();
  const child = spawn(BIN, [], {
    env: { ...process.env, KASSA_DATA_DIR: dataDir, KASSA_LOG: "info", NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const waiters = new Map();
  const seen = new Map();
  let buf = "";
  child.stderr.on("data", (chunk) => {
    buf += chunk.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /window ready for input.*screen=(\S+)|screen=(\S+).*window ready for input/.exec(line.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) {
        const screen = m[1] ?? m[2];
        const at = performance.now();
        seen.set(screen, at);
        waiters.get(screen)?.(at);
      }
    }
  });
  const ready = (screen, timeout = 60000) =>
    new Promise((resolve, reject) => {
      if (seen.has(screen)) return resolve(seen.get(screen));
      waiters.set(screen, resolve);
      setTimeout(() => reject(new Error(`no "${screen}" ready line within ${timeout} ms`)), timeout);
    });
  return { child, t0, ready };
}

function descendants(pid) {
  const out = [pid];
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(...descendants(Number(p)));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function memory(pid) {
  const procs = [];
  for (const p of descendants(pid)) {
    try {
      const name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      const roll = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(roll)?.[1] ?? 0);
      procs.push({ pid: p, name, rss: kb("Rss"), pss: kb("Pss") });
    } catch {
      // Gone, or not readable.
    }
  }
  return procs;
}

function xdo(...args) {
  execFileSync("xdotool", args);
}

async function run(dataDir) {
  const app = launch(dataDir);
  try {
    const signIn = (await app.ready("sign-in")) - app.t0;
    // A cashier at the till: point at the window, pick "Park Jun" (Shift+Tab from the PIN
    // field reaches the last account), type the PIN, Enter.
    await sleep(300);
    xdo("mousemove", "640", "400");
    xdo("key", "shift+Tab", "space");
    xdo("type", "--delay", "20", "0000");
    const submit = performance.now();
    xdo("key", "Return");
    const checkout = (await app.ready("checkout")) - submit;
    await sleep(IDLE_MS);
    const procs = memory(app.child.pid);
    return { signIn, checkout, procs };
  } finally {
    app.child.kill("SIGTERM");
    await new Promise((r) => app.child.once("exit", r));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

const results = { first: [], again: [] };
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), "kassa-measure-"));
  try {
    results.first.push(await run(dir));
    results.again.push(await run(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(".");
}
console.log("\n");

for (const [label, rs] of [["first start (new ledger, demo seeding)", results.first], ["start (existing ledger)", results.again]]) {
  console.log(`${label}, median of ${rs.length}:`);
  console.log(`  launch → sign-in screen ready for input: ${ms(median(rs.map((r) => r.signIn)))}`);
  console.log(`  PIN entered → checkout ready for input:  ${ms(median(rs.map((r) => r.checkout)))}`);
}
const last = results.again[results.again.length - 1];
console.log(`\nidle memory after ${IDLE_MS / 1000} s on the checkout screen (last run):`);
for (const p of last.procs) console.log(`  ${p.name.padEnd(22)} pid ${String(p.pid).padEnd(8)} RSS ${mb(p.rss).padStart(7)}  PSS ${mb(p.pss).padStart(7)}`);
const total = (k) => last.procs.reduce((s, p) => s + p[k], 0);
console.log(`  ${"total".padEnd(31)} RSS ${mb(total("rss")).padStart(7)}  PSS ${mb(total("pss")).padStart(7)}`);
const rssAll = results.again.map((r) => r.procs.reduce((s, p) => s + p.rss, 0));
const pssAll = results.again.map((r) => r.procs.reduce((s, p) => s + p.pss, 0));
console.log(`  median over runs: RSS ${mb(median(rssAll))}, PSS ${mb(median(pssAll))}`);
