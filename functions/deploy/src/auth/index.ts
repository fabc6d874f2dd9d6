export {
  type KubeApiResponse,
  type KubePost,
  type KubeTransportOptions,
  kubeConfigTransport,
} from "../kube-transport.ts";
export { accessKey, accessReview, INFERENCE_SERVICES, KSERVE_GROUP, readAccessReview } from "./access-review.ts";
export { bearerToken, unauthorized, WWW_AUTHENTICATE } from "./bearer-token.ts";
export { createAuthorizer } from "./create-authorizer.ts";
export {
  type CacheBounds,
  KubernetesAuthorizer,
  type KubernetesAuthorizerOptions,
  MAX_ACCESS_CACHE_TTL_MS,
  MAX_TOKEN_CACHE_TTL_MS,
} from "./kubernetes-authorizer.ts";
export { type KubeConfigLoader, lazyTransport } from "./lazy-transport.ts";
export { kubeConfigLoader } from "./load-kube-config.ts";
export { createReview, SUBJECT_ACCESS_REVIEWS, TOKEN_REVIEWS } from "./review-call.ts";
export { jwtExpiry, readTokenReview, tokenKey, tokenReview } from "./token-review.ts";
export { TtlCache, type TtlCacheOptions } from "./ttl-cache.ts";
