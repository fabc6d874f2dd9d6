// `pnpm registry:check [file.json | -]`: validates a registry without starting anything (for CI and Helm values).
// Exit 0 when valid, 1 with every problem named, 2 on usage errors.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkRegistry } from "./check-registry.ts";

const args = process.argv.slice(2).filter((arg) => arg !== "--");
if (args.length > 1 || args[0] === "-h" || args[0] === "--help") {
  process.stderr.write("usage: pnpm registry:check [registry.json | -]   (no file: checks $KSERVE_MODEL_REGISTRY)\n");
  process.exit(2);
}
let text: string | undefined;
const file = args[0];
if (file !== undefined) {
  // pnpm runs scripts from the workspace root: resolve the path against the directory the user ran it from.
  const path = file === "-" ? 0 : resolve(process.env.INIT_CWD ?? process.cwd(), file);
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const result = checkRegistry(text, process.env);
(result.ok ? process.stdout : process.stderr).write(`${result.lines.join("\n")}\n`);
process.exit(result.ok ? 0 : 1);
