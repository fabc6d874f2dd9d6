import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";

/** The repository's `knative/` folder. */
export const KNATIVE_DIR = fileURLToPath(new URL("../../knative/", import.meta.url));
/** The ingress overlays, each a kustomization over `knative/base`. */
export const OVERLAYS = ["istio", "gateway-api"] as const;
export type Overlay = (typeof OVERLAYS)[number];
/** The kustomize Components under `knative/components`, each included by an overlay (`components: [...]`). */
export const COMPONENTS = ["cluster-wide"] as const;
export type Component = (typeof COMPONENTS)[number];

/** A Kubernetes object as a manifest holds it (anything beyond kind and metadata is read with care). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A patch of `patches`: a JSON 6902 patch (inline or in a file) and the objects it applies to. */
interface Patch {
  path?: string;
  patch?: string;
  target?: { group?: string; version?: string; kind?: string; name?: string; namespace?: string };
}

interface Kustomization {
  kind?: string;
  resources?: string[];
  components?: string[];
  patches?: Patch[];
  labels?: { pairs: Record<string, string> }[];
  configMapGenerator?: { name: string; namespace?: string; files?: string[] }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** Whether `value` is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asKubeObject(value: unknown, where: string): KubeObject {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== "string" ||
    typeof value.kind !== "string" ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== "string"
  ) {
    throw new Error(`${where}: not a Kubernetes object with apiVersion, kind and metadata.name`);
  }
  return value as KubeObject;
}

/** Every document of a multi-document YAML text, as Kubernetes objects (empty documents skipped). */
export function parseManifests(text: string, where: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(asKubeObject(value, where));
  }
  return objects;
}

function containersOf(object: KubeObject): Record<string, unknown>[] {
  const spec = object.spec;
  const template = isRecord(spec) ? spec.template : undefined;
  const podSpec = isRecord(template) ? template.spec : undefined;
  const containers = isRecord(podSpec) ? podSpec.containers : undefined;
  return Array.isArray(containers) ? containers.filter(isRecord) : [];
}

/**
 * Renders a kustomization without kustomize, for the few features `knative/` uses: `resources` (files and
 * folders), `components` (folders of kind Component: their resources join, and their transformers apply to,
 * everything accumulated so far), `labels` (metadata only), `configMapGenerator` with `files` (fixed names),
 * `images`, and `patches` that are JSON 6902 patches (ops `test` and `replace`) on a target of exact group,
 * version, kind, name and namespace. Anything else in a kustomization.yaml is an error, so this reader cannot
 * silently drift from what kustomize does (test/knative.cluster.test.ts also compares it with `kubectl kustomize`).
 */
export async function renderKustomization(dir: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  await accumulate(dir, objects, "Kustomization");
  return objects;
}

/** Adds what the kustomization (or Component) in `dir` makes to `objects`, then runs its transformers on them. */
async function accumulate(dir: string, objects: KubeObject[], kind: "Kustomization" | "Component"): Promise<void> {
  const file = join(dir, "kustomization.yaml");
  const parsed: unknown = parseAllDocuments(await readFile(file, "utf8"))[0]?.toJS();
  if (!isRecord(parsed)) throw new Error(`${file}: not a kustomization`);
  const known = [
    "apiVersion",
    "kind",
    "resources",
    "components",
    "labels",
    "configMapGenerator",
    "generatorOptions",
    "images",
    "patches",
  ];
  const unknown = Object.keys(parsed).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${file}: renderKustomization does not understand ${unknown.join(", ")}`);
  const k = parsed as Kustomization;
  if ((k.kind ?? "Kustomization") !== kind) throw new Error(`${file}: expected kind ${kind}, found ${k.kind}`);

  // A Kustomization transforms only its own objects; a Component those of the kustomization including it.
  const own: KubeObject[] = kind === "Component" ? objects : [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if ((await stat(path)).isDirectory()) {
      const sub: KubeObject[] = [];
      await accumulate(path, sub, "Kustomization");
      own.push(...sub);
    } else own.push(...parseManifests(await readFile(path, "utf8"), path));
  }
  for (const component of k.components ?? []) await accumulate(join(dir, component), own, "Component");
  for (const generator of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const path of generator.files ?? []) data[basename(path)] = await readFile(join(dir, path), "utf8");
    const metadata: KubeObject["metadata"] = { name: generator.name };
    if (generator.namespace !== undefined) metadata.namespace = generator.namespace;
    own.push({ apiVersion: "v1", kind: "ConfigMap", metadata, data });
  }
  for (const patch of k.patches ?? []) await applyPatch(dir, file, patch, own);
  for (const object of own) {
    for (const { pairs } of k.labels ?? []) object.metadata.labels = { ...object.metadata.labels, ...pairs };
    for (const container of containersOf(object)) {
      const image = k.images?.find((candidate) => candidate.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ""}`;
    }
  }
  if (kind === "Kustomization") objects.push(...own);
}

function matchesTarget(object: KubeObject, target: NonNullable<Patch["target"]>): boolean {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.namespace === undefined || target.namespace === object.metadata.namespace)
  );
}

async function applyPatch(dir: string, file: string, patch: Patch, objects: KubeObject[]): Promise<void> {
  const unknown = Object.keys(patch).filter((key) => !["path", "patch", "target"].includes(key));
  const targetKeys = Object.keys(patch.target ?? {}).filter(
    (key) => !["group", "version", "kind", "name", "namespace"].includes(key),
  );
  if (unknown.length > 0 || targetKeys.length > 0 || !patch.target)
    throw new Error(
      `${file}: renderKustomization understands patches with a target of group/version/kind/name/namespace`,
    );
  const text = patch.patch ?? (patch.path === undefined ? undefined : await readFile(join(dir, patch.path), "utf8"));
  const ops: unknown = text === undefined ? undefined : parseAllDocuments(text)[0]?.toJS();
  if (!Array.isArray(ops)) throw new Error(`${file}: renderKustomization understands JSON 6902 patches only`);
  const targets = objects.filter((object) => matchesTarget(object, patch.target ?? {}));
  if (targets.length === 0) throw new Error(`${file}: no object matches patch target ${JSON.stringify(patch.target)}`);
  for (const target of targets) {
    for (const op of ops) {
      if (!isRecord(op) || typeof op.path !== "string" || (op.op !== "test" && op.op !== "replace"))
        throw new Error(`${file}: renderKustomization understands JSON 6902 ops test and replace only`);
      const steps = op.path
        .split("/")
        .slice(1)
        .map((step) => step.replaceAll("~1", "/").replaceAll("~0", "~"));
      const last = steps.pop();
      let parent: unknown = target;
      for (const step of steps)
        parent = isRecord(parent) || Array.isArray(parent) ? (parent as never)[step] : undefined;
      if (last === undefined || !(isRecord(parent) || Array.isArray(parent)) || !(last in parent))
        throw new Error(`${file}: patch path ${op.path} does not exist in ${target.kind} ${target.metadata.name}`);
      const holder = parent as Record<string, unknown>;
      if (op.op === "test" && !isDeepStrictEqual(holder[last], op.value))
        throw new Error(`${file}: patch test of ${op.path} failed in ${target.kind} ${target.metadata.name}`);
      if (op.op === "replace") holder[last] = op.value;
    }
  }
}

/**
 * Writes a throw-away overlay to a temporary folder: `resources` and `components` are folders under `knative/`
 * (e.g. "overlays/istio", "components/cluster-wide"), referenced by relative paths (kustomize refuses absolute
 * ones); `root` replaces `knative/` (a copy of it). Returns its folder and a function that removes it.
 */
export async function writeOverlay(spec: {
  resources: string[];
  components?: string[];
  root?: string;
}): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "modelgate-overlay-"));
  const rel = (path: string) => relative(dir, join(spec.root ?? KNATIVE_DIR, path));
  const lines = [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "resources:",
    ...spec.resources.map((path) => `  - ${rel(path)}`),
    ...(spec.components?.length ? ["components:", ...spec.components.map((path) => `  - ${rel(path)}`)] : []),
  ];
  await writeFile(join(dir, "kustomization.yaml"), `${lines.join("\n")}\n`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `kubectl kustomize DIR`, parsed. Throws with kubectl's stderr when it fails. */
export function kubectlKustomize(kubectl: string, dir: string): Promise<KubeObject[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ["kustomize", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(parseManifests(stdout, `kubectl kustomize ${dir}`));
      else reject(new Error(`kubectl kustomize ${dir} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

/** The objects of one kind. */
export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

/** The Knative Services (`serving.knative.dev/v1`, kind Service) among `objects`. */
export function knativeServices(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((object) => object.kind === "Service" && object.apiVersion === "serving.knative.dev/v1");
}

/** The value of env var `name` of the first container of a Knative Service, when set by `value`. */
export function envValue(service: KubeObject, name: string): string | undefined {
  const env = containersOf(service)[0]?.env;
  if (!Array.isArray(env)) return undefined;
  const entry = env.filter(isRecord).find((item) => item.name === name);
  return typeof entry?.value === "string" ? entry.value : undefined;
}

/**
 * A copy of `knative/` in a temporary folder with one file edited (`edit` gets and returns its text, and must
 * change it). Returns the copy's folder (a `root` for writeOverlay) and a function that removes it.
 */
export async function editedKnativeCopy(
  file: string,
  edit: (text: string) => string,
): Promise<{ root: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "modelgate-knative-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const root = join(dir, "knative");
    await cp(KNATIVE_DIR, root, { recursive: true });
    const text = await readFile(join(root, file), "utf8");
    const edited = edit(text);
    if (edited === text) throw new Error(`editedKnativeCopy: the edit left ${file} unchanged`);
    await writeFile(join(root, file), edited);
    return { root, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** knative/base/deploy.yaml with LOG_LEVEL moved to the end of deploy's env (the other variables shift up). */
export function moveLogLevelLast(deployYaml: string): string {
  const logLevel = "            - name: LOG_LEVEL\n              value: info\n";
  return deployYaml
    .replace(logLevel, "")
    .replace("            - name: MAX_BODY_BYTES\n", `${logLevel}            - name: MAX_BODY_BYTES\n`);
}
