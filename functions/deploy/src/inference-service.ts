/** Object metadata as modelgate reads and writes it. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Server-side apply bookkeeping: which field manager owns which fields (read, and rewritten on create). */
  managedFields?: ManagedFieldsEntry[];
}

/** One entry of `metadata.managedFields`; modelgate reads `manager` and `operation` and keeps the rest as is. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  [field: string]: unknown;
}

/** One condition of a CR's status, as KServe writes it. */
export interface KubeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  severity?: string;
  lastTransitionTime?: string;
}

/** The part of an InferenceService's status modelgate reads. Everything optional: the API holds what it holds. */
export interface InferenceServiceStatus {
  url?: string;
  address?: { url?: string };
  conditions?: KubeCondition[];
  modelStatus?: {
    transitionStatus?: string;
    states?: { activeModelState?: string; targetModelState?: string };
    lastFailureInfo?: { reason?: string; message?: string; exitCode?: number };
  };
  /** Per component (`predictor`, ...): the Knative revisions and the traffic each gets (Serverless mode). */
  components?: Record<string, { traffic?: TrafficTarget[]; latestRolledoutRevision?: string }>;
}

/** One entry of a component's `traffic`, as Knative writes it and KServe copies it. */
export interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
  tag?: string;
}

/** The predictor's model, as modelgate builds it. */
export interface PredictorModel {
  modelFormat: { name: string; version?: string };
  storageUri: string;
  runtime?: string;
  protocolVersion?: string;
  resources?: Record<string, unknown>;
}

/** The spec modelgate writes. */
export interface InferenceServiceSpec {
  predictor: {
    model: PredictorModel;
    minReplicas?: number;
    maxReplicas?: number;
    serviceAccountName?: string;
    canaryTrafficPercent?: number;
  };
}

/** A `serving.kserve.io/v1beta1` InferenceService (what modelgate writes, and what it reads back). */
export interface InferenceService {
  apiVersion: string;
  kind: "InferenceService";
  metadata: ObjectMeta;
  spec: InferenceServiceSpec;
  status?: InferenceServiceStatus;
}
