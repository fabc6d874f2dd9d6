import type { KubeObject } from "../../knative/manifests.ts";
import { platformImage } from "../topology.ts";

/**
 * What a platform team adds so that KServe can serve a registry version (docs/DEPLOYING.md, "Serving runtimes
 * and storage"): a ClusterServingRuntime for `modelFormat: sklearn`, running the image
 * test/platform/sklearn-runtime/build.sh makes (the PyPI `kserve` ModelServer with a model class of the project's
 * own), and a volume the models live on: a PersistentVolume on a directory of the node, bound to the claim
 * `model-store` that the registry's `pvc://model-store/<model>/<version>` URIs name. KServe mounts the claim's
 * subPath read-only at /mnt/models itself (its `enableDirectPvcVolumeMount`, on by default in 0.15): no storage
 * initializer runs.
 */

/** The ClusterServingRuntime's name (an InferenceService may name it in `runtime`; autoSelect picks it anyway). */
export const SKLEARN_RUNTIME = "modelgate-sklearn";
/** The claim the registry's `pvc://` URIs name. */
export const MODEL_STORE_CLAIM = "model-store";
/** The namespace models are deployed into (the base's KSERVE_NAMESPACE and KSERVE_ALLOWED_NAMESPACES). */
export const MODEL_NAMESPACE = "self-healing-platform";

const STORAGE_CLASS = "modelgate-model-store";

/** The sklearn runtime: V1 and V2 over REST on 8080, small requests (the node has 2 CPUs for everything). */
export function sklearnRuntime(): KubeObject {
  return {
    apiVersion: "serving.kserve.io/v1alpha1",
    kind: "ClusterServingRuntime",
    metadata: { name: SKLEARN_RUNTIME },
    spec: {
      supportedModelFormats: [{ name: "sklearn", autoSelect: true, priority: 1 }],
      protocolVersions: ["v1", "v2"],
      containers: [
        {
          name: "kserve-container",
          image: platformImage("sklearn-runtime"),
          imagePullPolicy: "IfNotPresent",
          // A model server that exits (no model.joblib, a model that does not load) says why in its last log
          // lines; these become the container's termination message, which Knative and KServe report.
          terminationMessagePolicy: "FallbackToLogsOnError",
          args: ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080", "--enable_grpc=false"],
          resources: {
            requests: { cpu: "100m", memory: "256Mi" },
            limits: { cpu: "1", memory: "1Gi" },
          },
        },
      ],
    },
  };
}

/** The model store: a PersistentVolume on `hostPath` (a node directory holding `<model>/<version>/`) and its claim. */
export function modelStore(hostPath: string): KubeObject[] {
  const volume = `${MODEL_STORE_CLAIM}-${MODEL_NAMESPACE}`;
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: MODEL_NAMESPACE } },
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: volume },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadOnlyMany"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: STORAGE_CLASS,
        hostPath: { path: hostPath, type: "Directory" },
        claimRef: { namespace: MODEL_NAMESPACE, name: MODEL_STORE_CLAIM },
      },
    },
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: MODEL_STORE_CLAIM, namespace: MODEL_NAMESPACE },
      spec: {
        accessModes: ["ReadOnlyMany"],
        storageClassName: STORAGE_CLASS,
        volumeName: volume,
        resources: { requests: { storage: "1Gi" } },
      },
    },
  ];
}
