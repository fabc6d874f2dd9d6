import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Gateway, startGateway } from "@modelgate/gateway";
import { createLogger } from "@modelgate/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The README's JavaScript block (the npm `openai` SDK pointed at modelgate), run as written with this Node
 * against the local gateway on its example registry (the sample model's echo `assistant`). Only the gateway's
 * address is changed (a free port instead of 8080). Its trailing `// ...` lines are what it prints.
 */
const ROOT = resolve(import.meta.dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

let gateway: Gateway;

beforeAll(async () => {
  const logger = createLogger({ name: "readme-test", level: "silent" });
  gateway = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger });
});

afterAll(() => gateway?.close());

describe("README: the openai client against ./dev start", () => {
  it("has one JavaScript block, which prints what it says it prints", async () => {
    expect(blocks).toHaveLength(1);
    const lines = (blocks[0] ?? "").trimEnd().split("\n");
    const shown = lines.filter((line) => line.startsWith("// ")).map((line) => line.slice(3));
    expect(shown.length).toBeGreaterThan(0);
    const script = lines
      .filter((line) => !line.startsWith("// "))
      .join("\n")
      .replaceAll("localhost:8080", new URL(gateway.served.url).host);
    // Run from test/, whose package has the openai SDK.
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: import.meta.dirname,
      timeout: 30_000,
    });
    expect(stdout.trimEnd().split("\n")).toEqual(shown);
  });
});
