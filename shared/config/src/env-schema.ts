import * as z from "zod/mini";
import { DNS_1123_LABEL, DNS_1123_MESSAGE } from "./dns.ts";
import { parseDuration } from "./duration.ts";
import { entrySchema, type RegistryEntryInput } from "./entry-schema.ts";
import { DEFAULT_URL_TEMPLATE, URL_TEMPLATE_PLACEHOLDERS } from "./model-entry.ts";
import "./zod-messages.ts";

/** The environment as modelgate reads it: every variable optional, every value a string. */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_NAMESPACE = "self-healing-platform";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const AUTH_MODES = ["kubernetes", "none"] as const;
/**
 * How long a server waits for a request's headers, for the whole request, and on an idle keep-alive
 * connection (docs/CONFIGURATION.md, "Variables"): a client that trickles its headers is cut off.
 */
export const SERVER_TIMEOUT_DEFAULTS = { headersMs: 10_000, requestMs: 60_000, keepAliveMs: 5_000 } as const;

/**
 * Reports a problem from inside a transform. zod/mini hands transforms the parse payload itself, without the
 * `addIssue` of zod's classic build: this does what that one does with a custom issue.
 */
function addIssue(payload: z.core.ParsePayload, issue: { message: string; path?: PropertyKey[] }): void {
  payload.issues.push({ code: "custom", input: payload.value, ...issue });
}

/** Unset and empty are the same thing for every variable. */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (value === "" ? undefined : value)),
    z.optional(schema),
  );

const bool = optional(
  z.pipe(
    z.string(),
    z.transform((value, ctx) => {
      const lower = value.trim().toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      addIssue(ctx, { message: `must be "true" or "false", got "${value}"` });
      return z.NEVER;
    }),
  ),
);

const integer = (min: number, max: number) =>
  optional(
    z.pipe(
      z.string(),
      z.transform((value, ctx) => {
        const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
        if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
        addIssue(ctx, { message: `must be an integer from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }),
    ),
  );

const namespace = optional(z.string().check(z.regex(DNS_1123_LABEL, { error: DNS_1123_MESSAGE })));

const duration = optional(
  z.pipe(
    z.string(),
    z.transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms !== undefined) return ms;
      addIssue(ctx, { message: `must be a duration such as 500ms, 30s or 2m, got "${value}"` });
      return z.NEVER;
    }),
  ),
);

const urlTemplate = optional(
  z.string().check(
    z.superRefine((value, ctx) => {
      for (const [, key] of value.matchAll(/\{(\w+)\}/g)) {
        if (!(URL_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(key ?? "")) {
          ctx.addIssue({
            code: "custom",
            message: `unknown placeholder {${key}} (known: ${URL_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
          });
        }
      }
      const sample = value.replace(/\{port\}/g, ":8080").replace(/\{\w+\}/g, "x");
      if (!URL.canParse(sample) || !/^https?:$/.test(new URL(sample).protocol)) {
        ctx.addIssue({ code: "custom", message: "must produce an absolute http(s) URL" });
      }
    }),
  ),
);

const allowedNamespaces = optional(
  z.pipe(
    z.string(),
    z.transform((value, ctx) => {
      const items = value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
      if (items.length === 1 && items[0] === "*") return "*" as const;
      for (const item of items) {
        if (!DNS_1123_LABEL.test(item)) {
          addIssue(ctx, {
            message: `"${item}" ${DNS_1123_MESSAGE} (or use "*" alone for any namespace)`,
          });
        }
      }
      if (items.length === 0) addIssue(ctx, { message: 'must name at least one namespace, or "*"' });
      return items;
    }),
  ),
);

/** `KSERVE_MODEL_REGISTRY`: JSON text → validated entries, every problem reported with index and field. */
const registryJson = optional(
  z.pipe(
    z.string(),
    z.transform((text, ctx): RegistryEntryInput[] => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        addIssue(ctx, { message: `invalid JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
      if (!Array.isArray(json)) {
        addIssue(ctx, { message: "must be a JSON array of registry entries" });
        return z.NEVER;
      }
      const entries: RegistryEntryInput[] = [];
      const seen = new Map<string, number>();
      for (const [index, item] of json.entries()) {
        const result = entrySchema.safeParse(item);
        if (!result.success) {
          // Kept whole (code, keys…) so that formatIssues renders them as the entry schema reported them.
          for (const issue of result.error.issues)
            ctx.issues.push({ ...issue, input: ctx.value, path: [index, ...issue.path] } as z.core.$ZodRawIssue);
        } else entries.push(result.data);
        const name = (item as { name?: unknown } | null)?.name;
        if (typeof name === "string") {
          const first = seen.get(name);
          if (first === undefined) seen.set(name, index);
          else
            addIssue(ctx, {
              path: [index, "name"],
              message: `duplicate name "${name}" (also at [${first}])`,
            });
        }
      }
      return entries;
    }),
  ),
);

const legacyService = optional(z.string().check(z.regex(DNS_1123_LABEL, { error: DNS_1123_MESSAGE })));

/** Every variable modelgate reads, in one schema (docs/CONFIGURATION.md, "Variables"). */
export const envSchema = z
  .object({
    KSERVE_MODEL_REGISTRY: registryJson,
    KSERVE_MODEL_REGISTRY_FILE: optional(z.string().check(z.trim(), z.minLength(1, { error: "must be a file path" }))),
    KSERVE_NAMESPACE: namespace,
    KUBERNETES_DEFAULT_NAMESPACE: namespace,
    KSERVE_URL_TEMPLATE: urlTemplate,
    KSERVE_ANOMALY_DETECTOR_SERVICE: legacyService,
    KSERVE_PREDICTIVE_ANALYTICS_SERVICE: legacyService,
    KSERVE_TIMEOUT: duration,
    KSERVE_ENABLED: bool,
    KSERVE_ALLOWED_NAMESPACES: allowedNamespaces,
    KUBERNETES_IN_CLUSTER: bool,
    KUBERNETES_KUBECONFIG: optional(z.string()),
    KUBECONFIG: optional(z.string()),
    KUBERNETES_SERVICE_HOST: optional(z.string()),
    KUBERNETES_SERVICE_PORT: integer(1, 65535),
    KUBERNETES_SERVICE_ACCOUNT_DIR: optional(z.string()),
    MAX_BODY_BYTES: integer(1, 1024 * 1024 * 1024),
    PORT: integer(0, 65535),
    MODELGATE_HOST: optional(z.string().check(z.trim(), z.minLength(1))),
    SERVER_HEADERS_TIMEOUT: duration,
    SERVER_REQUEST_TIMEOUT: duration,
    SERVER_KEEP_ALIVE_TIMEOUT: duration,
    LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
    MODELGATE_AUTH: optional(z.enum(AUTH_MODES, { error: 'must be "kubernetes" or "none"' })),
    MODELGATE_EVENTS_AUDIENCE: optional(z.string().check(z.trim(), z.minLength(1))),
  })
  .check(
    z.superRefine(
      (env, ctx) => {
        if (env.KSERVE_MODEL_REGISTRY !== undefined && env.KSERVE_MODEL_REGISTRY_FILE !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["KSERVE_MODEL_REGISTRY_FILE"],
            message: "is set with KSERVE_MODEL_REGISTRY: set one of the two",
          });
        }
        const a = env.KSERVE_NAMESPACE;
        const b = env.KUBERNETES_DEFAULT_NAMESPACE;
        if (typeof a === "string" && typeof b === "string" && a !== "" && b !== "" && a !== b) {
          ctx.addIssue({
            code: "custom",
            path: ["KSERVE_NAMESPACE"],
            message: `differs from KUBERNETES_DEFAULT_NAMESPACE ("${a}" vs "${b}"): set one, or both to the same namespace`,
          });
        }
        const headers = env.SERVER_HEADERS_TIMEOUT ?? SERVER_TIMEOUT_DEFAULTS.headersMs;
        const request = env.SERVER_REQUEST_TIMEOUT ?? SERVER_TIMEOUT_DEFAULTS.requestMs;
        if (typeof headers === "number" && typeof request === "number" && headers > request) {
          ctx.addIssue({
            code: "custom",
            path: ["SERVER_HEADERS_TIMEOUT"],
            message: `must not exceed SERVER_REQUEST_TIMEOUT (${headers} ms > ${request} ms): the headers are part of the request`,
          });
        }
      },
      { when: () => true },
    ),
  );

export type ParsedEnv = z.infer<typeof envSchema>;
export { DEFAULT_URL_TEMPLATE };
