import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AdminTarget, adminConnection, kubeRequest, statusMessage } from "./kube-request.ts";

const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** `<repo root>/../shared`: the read-only folder beside the repo (resolved from this file's location). */
export function sharedDir(): string {
  return fileURLToPath(new URL("../../../shared", import.meta.url));
}

/**
 * Absolute paths of every `*.yaml` under `<shared>/crds` (recursively, sorted): the upstream CRDs of
 * KServe, Knative Serving/Eventing, Gateway API and Istio. Throws when the folder is missing or empty.
 */
export function listSharedCrdFiles(shared: string = sharedDir()): string[] {
  const crds = join(shared, "crds");
  if (!existsSync(crds)) throw new Error(`no CRD folder at ${crds}: the shared folder must sit beside the repo`);
  const files = readdirSync(crds, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .map((f) => join(crds, f))
    .sort();
  if (files.length === 0) throw new Error(`no *.yaml files under ${crds}`);
  return files;
}

/** Non-empty YAML documents of a file (split on `---` lines; comment-only documents dropped). */
function yamlDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*$/m)
    .filter((doc) => doc.split("\n").some((line) => line.trim() !== "" && !line.trimStart().startsWith("#")));
}

function objectName(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  if ("metadata" in body && typeof body.metadata === "object" && body.metadata !== null) {
    const m = body.metadata;
    if ("name" in m && typeof m.name === "string") return m.name;
  }
  // a Status (e.g. AlreadyExists) names the object in details.name
  if ("details" in body && typeof body.details === "object" && body.details !== null) {
    const d = body.details;
    if ("name" in d && typeof d.name === "string") return d.name;
  }
  return undefined;
}

function condition(body: unknown, type: string): { status?: unknown; message?: unknown } | undefined {
  if (typeof body !== "object" || body === null || !("status" in body)) return undefined;
  const status = body.status;
  if (typeof status !== "object" || status === null || !("conditions" in status)) return undefined;
  const conditions = status.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c: unknown) => typeof c === "object" && c !== null && "type" in c && c.type === type);
}

/**
 * Creates the CRDs in `files` with a plain POST each (YAML sent as is: no client-side apply, which the
 * ~1.9 MB KServe CRD would overflow), tolerating AlreadyExists, then waits until every one is
 * `Established`. Resolves to the CRD names.
 */
export async function installCrds(
  cp: AdminTarget,
  files: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<string[]> {
  const conn = adminConnection(cp);
  const docs = (
    await Promise.all(
      files.map(async (file) => yamlDocuments(await readFile(file, "utf8")).map((yaml) => ({ file, yaml }))),
    )
  ).flat();
  const names = await Promise.all(
    docs.map(async ({ file, yaml }) => {
      const res = await kubeRequest(conn, "POST", CRD_PATH, yaml, { contentType: "application/yaml" });
      const name = objectName(res.body);
      if ((res.status !== 201 && res.status !== 409) || name === undefined) {
        throw new Error(`creating the CRD of ${file} failed: HTTP ${res.status}: ${statusMessage(res)}`);
      }
      return name;
    }),
  );
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(names);
  while (pending.size > 0) {
    await Promise.all(
      [...pending].map(async (name) => {
        const res = await kubeRequest(conn, "GET", `${CRD_PATH}/${name}`);
        if (condition(res.body, "Established")?.status === "True") pending.delete(name);
        const accepted = condition(res.body, "NamesAccepted");
        if (accepted?.status === "False")
          throw new Error(`CRD ${name}: names not accepted: ${String(accepted.message)}`);
      }),
    );
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new Error(`CRDs not Established after ${timeoutMs} ms: ${[...pending].join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return names;
}
