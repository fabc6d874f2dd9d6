import { z } from "zod";
import {
  DNS_1035_LABEL,
  DNS_1035_MESSAGE,
  DNS_1123_LABEL,
  DNS_1123_MESSAGE,
  LABEL_VALUE,
  LABEL_VALUE_MESSAGE,
} from "./dns.ts";

/** The kinds of model a registry entry may declare. */
export const MODEL_TYPES = ["anomaly", "predictive", "classification"] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** KServe inference protocols. */
export const PROTOCOLS = ["v1", "v2"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** KServe deployment modes modelgate may set on an InferenceService. */
export const DEPLOYMENT_MODES = ["Knative", "Standard"] as const;

type RawIssue = { readonly input?: unknown };
const required =
  (message: string) =>
  (issue: RawIssue): string =>
    issue.input === undefined ? "is required" : message;

const text = (message = "must be a string") => z.string({ error: required(message) });
const nonEmpty = (message = "must be a non-empty string") => text(message).min(1, { error: message });
const dnsLabel = () => text(DNS_1123_MESSAGE).regex(DNS_1123_LABEL, { error: DNS_1123_MESSAGE });
const int = (min: number, max: number, message: string) =>
  z
    .number({ error: required(message) })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

const versionSchema = z.strictObject(
  {
    name: text(LABEL_VALUE_MESSAGE)
      .min(1, { error: LABEL_VALUE_MESSAGE })
      .regex(LABEL_VALUE, { error: LABEL_VALUE_MESSAGE }),
    storageUri: nonEmpty(),
    modelFormat: z.strictObject(
      { name: nonEmpty(), version: nonEmpty().optional() },
      { error: required("must be an object {name, version?}") },
    ),
    runtime: nonEmpty().optional(),
    default: z.boolean({ error: "must be true or false" }).optional(),
  },
  { error: "must be an object" },
);
export type ModelVersion = z.infer<typeof versionSchema>;

const deploySchema = z
  .strictObject(
    {
      inferenceService: text(DNS_1035_MESSAGE).regex(DNS_1035_LABEL, { error: DNS_1035_MESSAGE }).optional(),
      protocolVersion: z.enum(PROTOCOLS, { error: 'must be "v1" or "v2"' }).optional(),
      minReplicas: int(0, 10_000, "must be an integer from 0 to 10000").optional(),
      maxReplicas: int(1, 10_000, "must be an integer from 1 to 10000").optional(),
      deploymentMode: z.enum(DEPLOYMENT_MODES, { error: 'must be "Knative" or "Standard"' }).optional(),
      serviceAccountName: dnsLabel().optional(),
      resources: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
    },
    { error: "must be an object" },
  )
  .superRefine((deploy, ctx) => {
    if (
      deploy.minReplicas !== undefined &&
      deploy.maxReplicas !== undefined &&
      deploy.minReplicas > deploy.maxReplicas
    ) {
      ctx.addIssue({ code: "custom", path: ["maxReplicas"], message: "must be at least minReplicas" });
    }
  });
export type DeploySettings = z.infer<typeof deploySchema>;

/** One entry of `KSERVE_MODEL_REGISTRY`, as the user writes it (contract section 2). Unknown fields are errors. */
export const entrySchema = z
  .strictObject(
    {
      name: dnsLabel(),
      service: dnsLabel().optional(),
      namespace: dnsLabel().optional(),
      type: z.enum(MODEL_TYPES, { error: required(`must be one of ${MODEL_TYPES.join(", ")}`) }),
      description: text().optional(),
      modelName: nonEmpty()
        .regex(/^[^/\s?#]+$/, { error: 'must not contain "/", "?", "#" or spaces' })
        .optional(),
      port: int(1, 65535, "must be an integer from 1 to 65535").optional(),
      url: text("must be an absolute http(s) URL")
        .refine(isHttpUrl, { error: "must be an absolute http(s) URL" })
        .optional(),
      protocol: z.enum(PROTOCOLS, { error: 'must be "v1" or "v2"' }).optional(),
      timeoutMs: int(1, 3_600_000, "must be a positive integer (milliseconds, at most 3600000)").optional(),
      versions: z.array(versionSchema, { error: "must be an array of versions" }).optional(),
      deploy: deploySchema.optional(),
    },
    { error: "must be an object" },
  )
  .superRefine(
    (entry, ctx) => {
      // Runs even when fields failed, so every problem is reported at once: values may be of any type here.
      if (entry.service === undefined && entry.url === undefined) {
        ctx.addIssue({ code: "custom", path: ["service"], message: "is required (or set url)" });
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
    { when: (payload) => typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value) },
  );

/** A registry entry as written by the user, after validation. */
export type RegistryEntryInput = z.infer<typeof entrySchema>;
