/**
 * The names of what the deploy function asks the API server for, in one place: KServe's InferenceService CRD
 * (what it writes) and the two reviews of its authorizer (docs/SECURITY.md).
 */

/** Group, version and plural of the KServe InferenceService CRD. */
export const ISVC_GROUP = "serving.kserve.io";
export const ISVC_VERSION = "v1beta1";
export const ISVC_PLURAL = "inferenceservices";
export const ISVC_API_VERSION = `${ISVC_GROUP}/${ISVC_VERSION}`;
/** How errors and logs name the resource: `inferenceservices.serving.kserve.io`. */
export const ISVC_RESOURCE = `${ISVC_PLURAL}.${ISVC_GROUP}`;

/** The field manager of modelgate's server-side applies. */
export const FIELD_MANAGER = "modelgate";

/** A review the authorizer creates: where it is posted, and how errors name it. */
export interface ReviewKind {
  path: string;
  /** E.g. `tokenreviews.authentication.k8s.io`. */
  resource: string;
}

export const TOKEN_REVIEWS: ReviewKind = {
  path: "/apis/authentication.k8s.io/v1/tokenreviews",
  resource: "tokenreviews.authentication.k8s.io",
};

export const SUBJECT_ACCESS_REVIEWS: ReviewKind = {
  path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
  resource: "subjectaccessreviews.authorization.k8s.io",
};
