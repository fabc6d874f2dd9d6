export { codeOf, KubeApiError, type KubeStatus, KubeTransportError, kubeStatusOf } from "./api-errors.ts";
export {
  type ClusterSource,
  inClusterServer,
  NO_CLUSTER_MESSAGE,
  type ResolveSourceOptions,
  resolveClusterSource,
  SERVICE_ACCOUNT_DIR,
} from "./cluster-source.ts";
export { type KubeConnection, type KubeConnectionOptions, kubeConnection } from "./connection.ts";
export { type IsvcWatch, type IsvcWatchOptions, watchInferenceServices } from "./isvc-watch.ts";
export {
  FIELD_MANAGER,
  ISVC_API_VERSION,
  ISVC_GROUP,
  ISVC_PLURAL,
  ISVC_RESOURCE,
  ISVC_VERSION,
  type ReviewKind,
  SUBJECT_ACCESS_REVIEWS,
  TOKEN_REVIEWS,
} from "./resources.ts";
export type { KubeApiResponse, KubeCredentials, KubeRequest, KubeSend, KubeTransportOptions } from "./transport.ts";
