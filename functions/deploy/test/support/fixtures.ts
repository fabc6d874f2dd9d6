import { type Config, type Env, loadConfig } from "@modelgate/config";
import { createLogger, type Logger } from "@modelgate/http";

/** A registry with every deploy feature, in three namespaces. */
export const REGISTRY = [
  {
    name: "anomaly-detector",
    service: "anomaly-detector-predictor",
    namespace: "ml",
    type: "anomaly",
    description: "Isolation forest over node metrics",
    versions: [
      { name: "v1", storageUri: "s3://models/anomaly/v1", modelFormat: { name: "sklearn" } },
      {
        name: "v2",
        storageUri: "s3://models/anomaly/v2",
        modelFormat: { name: "sklearn", version: "1" },
        runtime: "kserve-sklearnserver",
        default: true,
      },
      { name: "v3", storageUri: "s3://models/anomaly/v3", modelFormat: { name: "sklearn" } },
    ],
    deploy: {
      protocolVersion: "v2",
      minReplicas: 1,
      maxReplicas: 3,
      deploymentMode: "Standard",
      serviceAccountName: "model-reader",
      resources: { limits: { cpu: "1", memory: "1Gi" } },
    },
  },
  {
    name: "predictive-analytics",
    service: "forecaster",
    type: "predictive",
    versions: [
      { name: "2024-01", storageUri: "gs://m/forecast/1", modelFormat: { name: "xgboost" } },
      { name: "2024-02", storageUri: "gs://m/forecast/2", modelFormat: { name: "xgboost" } },
    ],
  },
  {
    name: "classifier",
    service: "classifier-predictor",
    namespace: "vision",
    type: "classification",
    versions: [{ name: "v1", storageUri: "pvc://models/classifier", modelFormat: { name: "onnx" } }],
    deploy: { inferenceService: "image-classifier" },
  },
  { name: "no-versions", service: "nv-predictor", type: "anomaly" },
  { name: "external", url: "http://example.com/model", type: "predictive", versions: [] },
  {
    name: "bad-name",
    service: "9lives-predictor",
    type: "anomaly",
    versions: [{ name: "v1", storageUri: "s3://x", modelFormat: { name: "sklearn" } }],
  },
];

/**
 * A config over {@link REGISTRY}, with `MODELGATE_AUTH=none` (tests that authenticate inject an authorizer, or
 * set `MODELGATE_AUTH=kubernetes`); `env` adds or overrides variables.
 */
export function testConfig(env: Env = {}): Config {
  return loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(REGISTRY), MODELGATE_AUTH: "none", ...env });
}

/** A logger capturing its JSON lines. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: "deploy",
    level: "debug",
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** The union of the JSON bodies the deploy function answers, loosely typed for assertions. */
export interface JsonBody {
  error: string;
  message: string;
  status: string;
  total: number;
  inferenceService: Record<string, unknown>;
  inferenceServices: { namespace: string; name: string }[];
  [key: string]: unknown;
}

/** A response's JSON body, typed for assertions. */
export async function json(res: Response): Promise<JsonBody> {
  return (await res.json()) as JsonBody;
}
