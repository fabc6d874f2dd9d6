import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Gateway, startGateway } from "@modelgate/gateway";
import { createLogger } from "@modelgate/http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * The README's Python block (the `kserve` package's own client pointed at modelgate), run as written with the
 * kserve test venv's interpreter against the local gateway on its example registry. Only the gateway's address
 * is changed (a free port instead of 8080). Its last line, `# ...`, is what it prints.
 */
const ROOT = resolve(import.meta.dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const { python } = inject("kserve");

const blocks = [...README.matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

let gateway: Gateway;

beforeAll(async () => {
  const logger = createLogger({ name: "readme-test", level: "silent" });
  gateway = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger });
});

afterAll(() => gateway?.close());

describe("README: the kserve client against ./dev start", () => {
  it("has one Python block, which prints what it says it prints", async () => {
    expect(blocks).toHaveLength(1);
    const block = blocks[0] ?? "";
    const lines = block.trimEnd().split("\n");
    const expected = lines.at(-1) ?? "";
    expect(expected).toMatch(/^# \{/);
    const script = lines.slice(0, -1).join("\n").replaceAll("localhost:8080", new URL(gateway.served.url).host);
    const { stdout } = await promisify(execFile)(python, ["-c", script], { timeout: 60_000 });
    expect(stdout.trim()).toBe(expected.slice(2));
  });
});
