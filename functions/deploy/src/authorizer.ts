/**
 * The authorization seam of the deploy function (docs/SECURITY.md). The deploy function calls an
 * {@link Authorizer} when there is one (`MODELGATE_AUTH=kubernetes`) and skips both steps when not
 * (`MODELGATE_AUTH=none`). The implementation (TokenReview + SubjectAccessReview over the deploy function's
 * one Kubernetes connection) lives in `src/auth/`.
 *
 * @example
 * const caller = await authorizer.authenticate(c.req.header("authorization"), {});
 * await authorizer.authorize(caller, ["create", "patch"], "ml");
 */

/** Who sent a request, as the API server's TokenReview reported it. */
export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The verbs the deploy function asks about, on `inferenceservices.serving.kserve.io`. */
export type DeployVerb = "create" | "patch" | "delete" | "get" | "list";

/** Authentication and authorization of deploy routes and events. */
export interface Authorizer {
  /** 401 HttpError (with WWW-Authenticate: Bearer) when missing/invalid, 503 when the API is unreachable. */
  authenticate(authorization: string | undefined, options: { audience?: string }): Promise<Caller>;
  /**
   * 403 HttpError naming verb, resource and namespace when denied; 503 when unreachable.
   * The deploy function passes `""` as `namespace` to ask about every namespace at once (a list across the
   * cluster when `KSERVE_ALLOWED_NAMESPACES=*`), as a SubjectAccessReview does.
   */
  authorize(caller: Caller, verbs: readonly DeployVerb[], namespace: string): Promise<void>;
}
