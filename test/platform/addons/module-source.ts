import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { isRecord, type KubeObject, parseManifests } from "../../knative/manifests.ts";
import { VERSIONS } from "../topology.ts";

/**
 * Where the add-on manifests come from: the `config/` folders of the Go modules build.sh builds, as the Go
 * module proxy serves them (the read-only module cache). Nothing upstream is copied into the repo: each dir is
 * found at run time with `go mod download -json`, which also fetches a module the cache lacks.
 */

const run = promisify(execFile);
const dirs = new Map<string, Promise<string>>();

/** The source dir of module `path` at `version` (downloaded by `go mod download` when not cached yet). */
export function moduleDir(path: string, version: string): Promise<string> {
  const key = `${path}@${version}`;
  let dir = dirs.get(key);
  if (!dir) {
    dir = download(key);
    dirs.set(key, dir);
  }
  return dir;
}

async function download(module: string): Promise<string> {
  // Outside any main module (tmpdir, GOWORK=off), so no go.mod or go.work around changes what is resolved.
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOWORK: "off", GOTOOLCHAIN: "local" };
  let stdout: string;
  try {
    ({ stdout } = await run("go", ["mod", "download", "-json", module], { cwd: tmpdir(), env }));
  } catch (err) {
    const out = typeof err === "object" && err !== null && "stdout" in err ? String(err.stdout) : "";
    throw new Error(`go mod download ${module} failed (is go on PATH, does the proxy serve it?): ${out || err}`);
  }
  const info: unknown = JSON.parse(stdout);
  const dir = typeof info === "object" && info !== null && "Dir" in info ? info.Dir : undefined;
  if (typeof dir !== "string" || dir === "") throw new Error(`go mod download ${module}: no Dir in ${stdout}`);
  return dir;
}

/** A version pinned in versions.sh (e.g. `KNATIVE_SERVING_VERSION`); throws when it is not there. */
export function pinned(key: string): string {
  const version = VERSIONS[key];
  if (!version) throw new Error(`test/platform/versions.sh pins no ${key}`);
  return version;
}

/** The version of `path` that the go.mod in `moduleRoot` requires (a replace of it is refused: not expected). */
export async function requiredVersion(moduleRoot: string, path: string): Promise<string> {
  const goMod = await readFile(join(moduleRoot, "go.mod"), "utf8");
  const quoted = path.replaceAll(".", "\\.");
  if (new RegExp(`^\\s*(replace\\s+)?${quoted}(\\s+v\\S+)?\\s+=>`, "m").test(goMod))
    throw new Error(`${moduleRoot}/go.mod replaces ${path}: its config/ would not be the one built`);
  const match = new RegExp(`^\\s*(?:require\\s+)?${quoted}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`${moduleRoot}/go.mod does not require ${path}`);
  return match[1];
}

/** A YAML file's objects, each labelled with where it came from in errors. */
export async function readManifestFile(file: string): Promise<KubeObject[]> {
  return parseManifests(await readFile(file, "utf8"), file);
}

/**
 * Every object of the `.yaml` / `.yml` files under `dir` (recursively), in path order, as `kubectl apply -R -f`
 * reads them. Anything else (placeholder.go, README.md, the `*.yaml~<commit>` leftovers of symlinks that some
 * module zips carry) is skipped, and so is a kustomization.yaml (not an object).
 */
export async function readManifestDir(dir: string): Promise<KubeObject[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name) && entry.name !== "kustomization.yaml")
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const objects: KubeObject[] = [];
  for (const file of files) objects.push(...(await readManifestFile(file)));
  return objects;
}

/**
 * The objects of the files a kustomization.yaml in `dir` lists under `resources` (files only, in its order), each
 * with the file it came from (relative to `dir`). Its transformers are not applied: callers do what matters.
 */
export async function kustomizationResources(dir: string): Promise<{ file: string; object: KubeObject }[]> {
  const resources = (await readYamlMap(join(dir, "kustomization.yaml"))).resources;
  if (!Array.isArray(resources)) throw new Error(`${dir}/kustomization.yaml lists no resources`);
  const found: { file: string; object: KubeObject }[] = [];
  for (const file of resources) {
    if (typeof file !== "string" || !/\.ya?ml$/.test(file))
      throw new Error(`${dir}/kustomization.yaml: resource ${String(file)} is not a file`);
    for (const object of await readManifestFile(join(dir, file))) found.push({ file, object });
  }
  return found;
}

async function readYamlMap(file: string): Promise<Record<string, unknown>> {
  const value: unknown = parse(await readFile(file, "utf8"));
  if (!isRecord(value)) throw new Error(`${file}: not a YAML map`);
  return value;
}
