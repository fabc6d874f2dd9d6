import type * as z from "zod/mini";

/**
 * Renders a zod issue path the way users write it: `KSERVE_MODEL_REGISTRY[2].versions[0].name`.
 *
 * @example
 * formatPath(["KSERVE_MODEL_REGISTRY", 2, "namespace"]) // "KSERVE_MODEL_REGISTRY[2].namespace"
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One line per problem; unknown fields get a line each, naming the field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown field`);
      continue;
    }
    const where = formatPath(issue.path);
    lines.push(where === "" ? issue.message : `${where}: ${issue.message}`);
  }
  return lines;
}
