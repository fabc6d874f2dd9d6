import { readFileSync } from "node:fs";

/** The example registry shipped in the repo (`tools/gateway/example-registry.json`). */
export function exampleRegistry(path = new URL("../example-registry.json", import.meta.url)): unknown[] {
  return JSON.parse(readFileSync(path, "utf8")) as unknown[];
}
