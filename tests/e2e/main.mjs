// Runs every end-to-end test in order, each in its own app session, and prints
// `N passed, M failed` last. A failing test leaves a screenshot in tests/e2e/artifacts/.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";

// Every specs*.mjs file of this folder contributes its `tests`, specs.mjs first.
const files = readdirSync(new URL(".", import.meta.url))
  .filter((f) => /^specs.*\.mjs$/.test(f))
  .sort();
const tests = [];
for (const f of files) tests.push(...(await import(`./${f}`)).tests);

const only = process.argv[2];
/**
 * A hung session (an app that never starts) fails its test instead of the whole run; above
 * the sum of the waits a slow but working test makes (harness.mjs BOUND_MS).
 */
const PER_TEST_MS = 420_000;
const artifacts = new URL("./artifacts/", import.meta.url);
let passed = 0;
let failed = 0;

for (const [name, run] of tests) {
  if (only && !name.includes(only)) continue;
  const t0 = Date.now();
  try {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${PER_TEST_MS / 1000} s`)), PER_TEST_MS);
    });
    await Promise.race([run(name), limit]).finally(() => clearTimeout(timer));
    passed += 1;
    console.log(`ok    ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL  ${name}\n      ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n      ")}`);
  }
}
mkdirSync(artifacts, { recursive: true });
writeFileSync(new URL("last-run.txt", artifacts), `${passed} passed, ${failed} failed\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
