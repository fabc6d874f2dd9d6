import * as z from "zod/mini";
import {
  DNS_1035_LABEL,
  DNS_1035_MESSAGE,
  DNS_1123_LABEL,
  DNS_1123_MESSAGE,
  LABEL_VALUE,
  LABEL_VALUE_MESSAGE,
} from "./dns.ts";
import "./zod-messages.ts";

/** The kinds of model a registry entry may declare. */
export const MODEL_TYPES = ["anomaly", "predictive", "classification"] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** How modelgate calls a model: KServe's V1 or V2 REST protocol, or OpenAI's API (as KServe serves it). */
export const PROTOCOLS = ["v1", "v2", "openai"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The KServe protocol versions an InferenceService may declare (`deploy.protocolVersion`). */
export const PROTOCOL_VERSIONS = ["v1", "v2"] as const;

/** Where a KServe OpenAI-compatible server serves OpenAI's API, unless an entry's `openaiPrefix` says. */
export const DEFAULT_OPENAI_PREFIX = "/openai";

/** KServe deployment modes modelgate may set on an InferenceService. */
export const DEPLOYMENT_MODES = ["Knative", "Standard"] as const;

type RawIssue = { readonly input?: unknown };
const required =
  (message: string) =>
  (issue: RawIssue): string =>
    issue.input === undefined ? "is required" : message;

const text = (message = "must be a string") => z.string({ error: required(message) });
const nonEmpty = (message = "must be a non-empty string") => text(message).check(z.minLength(1, { error: message }));
const dnsLabel = () => text(DNS_1123_MESSAGE).check(z.regex(DNS_1123_LABEL, { error: DNS_1123_MESSAGE }));
/** A DNS-1123 label, or "" for "the default" (Helm values often render an unset value as an empty string). */
const dnsLabelOrEmpty = () =>
  text(DNS_1123_MESSAGE).check(
    z.refine((value) => value === "" || DNS_1123_LABEL.test(value), { error: DNS_1123_MESSAGE }),
  );
const int = (min: number, max: number, message: string) =>
  z
    .number({ error: required(message) })
    .check(z.int({ error: message }), z.gte(min, { error: message }), z.lte(max, { error: message }));

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

const versionSchema = z.strictObject(
  {
    name: text(LABEL_VALUE_MESSAGE).check(
      z.minLength(1, { error: LABEL_VALUE_MESSAGE }),
      z.regex(LABEL_VALUE, { error: LABEL_VALUE_MESSAGE }),
    ),
    storageUri: nonEmpty(),
    modelFormat: z.strictObject(
      { name: nonEmpty(), version: z.optional(nonEmpty()) },
      { error: required("must be an object {name, version?}") },
    ),
    runtime: z.optional(nonEmpty()),
    default: z.optional(z.boolean({ error: "must be true or false" })),
  },
  { error: "must be an object" },
);
export type ModelVersion = z.infer<typeof versionSchema>;

const deploySchema = z
  .strictObject(
    {
      inferenceService: z.optional(text(DNS_1035_MESSAGE).check(z.regex(DNS_1035_LABEL, { error: DNS_1035_MESSAGE }))),
      protocolVersion: z.optional(z.enum(PROTOCOL_VERSIONS, { error: 'must be "v1" or "v2"' })),
      minReplicas: z.optional(int(0, 10_000, "must be an integer from 0 to 10000")),
      maxReplicas: z.optional(int(1, 10_000, "must be an integer from 1 to 10000")),
      deploymentMode: z.optional(z.enum(DEPLOYMENT_MODES, { error: 'must be "Knative" or "Standard"' })),
      serviceAccountName: z.optional(dnsLabel()),
      resources: z.optional(z.record(z.string(), z.unknown(), { error: "must be an object" })),
    },
    { error: "must be an object" },
  )
  .check(
    z.superRefine((deploy, ctx) => {
      if (
        deploy.minReplicas !== undefined &&
        deploy.maxReplicas !== undefined &&
        deploy.minReplicas > deploy.maxReplicas
      ) {
        ctx.addIssue({ code: "custom", path: ["maxReplicas"], message: "must be at least minReplicas" });
      }
    }),
  );
export type DeploySettings = z.infer<typeof deploySchema>;

/** One entry of `KSERVE_MODEL_REGISTRY`, as the user writes it (docs/CONFIGURATION.md, "Registry entries"). Unknown fields are errors. */
export const entrySchema = z
  .strictObject(
    {
      name: dnsLabel(),
      service: z.optional(dnsLabel()),
      namespace: z.optional(dnsLabelOrEmpty()),
      type: z.enum(MODEL_TYPES, { error: required(`must be one of ${MODEL_TYPES.join(", ")}`) }),
      description: z.optional(text()),
      modelName: z.optional(
        nonEmpty().check(z.regex(/^[^/\s?#]+$/, { error: 'must not contain "/", "?", "#" or spaces' })),
      ),
      port: z.optional(int(1, 65535, "must be an integer from 1 to 65535")),
      url: z.optional(
        text("must be an absolute http(s) URL").check(
          z.refine(isHttpUrl, { error: "must be an absolute http(s) URL" }),
        ),
      ),
      protocol: z.optional(z.enum(PROTOCOLS, { error: 'must be "v1", "v2" or "openai"' })),
      openaiPrefix: z.optional(
        text('must be a path such as "/openai"').check(
          z.regex(/^(\/[A-Za-z0-9._~-]+)+$/, { error: 'must be a path such as "/openai" (no trailing "/")' }),
        ),
      ),
      timeoutMs: z.optional(int(1, 3_600_000, "must be a positive integer (milliseconds, at most 3600000)")),
      versions: z.optional(z.array(versionSchema, { error: "must be an array of versions" })),
      deploy: z.optional(deploySchema),
    },
    { error: "must be an object" },
  )
  .check(
    z.superRefine(
      (entry, ctx) => {
        // Runs even when fields failed, so every problem is reported at once: values may be of any type here.
        if (entry.service === undefined && entry.url === undefined) {
          ctx.addIssue({ code: "custom", path: ["service"], message: "is required (or set url)" });
        }
        if (entry.openaiPrefix !== undefined && entry.protocol !== "openai") {
          ctx.addIssue({ code: "custom", path: ["openaiPrefix"], message: 'is only for "protocol": "openai"' });
        }
        const versions: unknown = entry.versions;
        if (!Array.isArray(versions)) return;
        const seen = new Map<string, number>();
        let defaults = 0;
        for (const [index, version] of (versions as Partial<ModelVersion>[]).entries()) {
          if (typeof version !== "object" || version === null || typeof version.name !== "string") continue;
          const first = seen.get(version.name);
          if (first !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: ["versions", index, "name"],
              message: `duplicate version "${version.name}" (also at versions[${first}])`,
            });
          } else seen.set(version.name, index);
          if (version.default === true && ++defaults > 1) {
            ctx.addIssue({
              code: "custom",
              path: ["versions", index, "default"],
              message: "only one version may be the default",
            });
          }
        }
      },
      {
        when: (payload) => typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value),
      },
    ),
  );

/** A registry entry as written by the user, after validation. */
export type RegistryEntryInput = z.infer<typeof entrySchema>;
