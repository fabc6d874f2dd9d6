import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

/** The repository's `knative/` folder. */
export const KNATIVE_DIR = fileURLToPath(new URL("../../knative/", import.meta.url));
/** The ingress overlays, each a kustomization over `knative/base`. */
export const OVERLAYS = ["istio", "gateway-api"] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** A Kubernetes object as a manifest holds it (anything beyond kind and metadata is read with care). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  resources?: string[];
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
 * folders), `labels` (metadata only), `configMapGenerator` with `files` (fixed names), and `images`. Anything
 * else in a kustomization.yaml is an error, so this reader cannot silently drift from what kustomize does
 * (test/knative.cluster.test.ts also compares it with `kubectl kustomize`).
 */
export async function renderKustomization(dir: string): Promise<KubeObject[]> {
  const file = join(dir, "kustomization.yaml");
  const parsed: unknown = parseAllDocuments(await readFile(file, "utf8"))[0]?.toJS();
  if (!isRecord(parsed)) throw new Error(`${file}: not a kustomization`);
  const known = ["apiVersion", "kind", "resources", "labels", "configMapGenerator", "generatorOptions", "images"];
  const unknown = Object.keys(parsed).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${file}: renderKustomization does not understand ${unknown.join(", ")}`);
  const k = parsed as Kustomization;

  const objects: KubeObject[] = [];
  for (const generator of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const path of generator.files ?? []) data[basename(path)] = await readFile(join(dir, path), "utf8");
    const metadata: KubeObject["metadata"] = { name: generator.name };
    if (generator.namespace !== undefined) metadata.namespace = generator.namespace;
    objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata, data });
  }
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if ((await stat(path)).isDirectory()) objects.push(...(await renderKustomization(path)));
    else objects.push(...parseManifests(await readFile(path, "utf8"), path));
  }
  for (const object of objects) {
    for (const { pairs } of k.labels ?? []) object.metadata.labels = { ...object.metadata.labels, ...pairs };
    for (const container of containersOf(object)) {
      const image = k.images?.find((candidate) => candidate.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ""}`;
    }
  }
  return objects;
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
