import { HttpError } from "@modelgate/http";
import type { Authorizer, Caller, DeployVerb } from "../../src/authorizer.ts";

/**
 * An Authorizer for tests: `Bearer good` is user alice; anything else 401. `allow` lists the `verb@namespace`
 * pairs alice may do (`""` as namespace = every namespace). Records every call in order.
 */
export class FakeAuthorizer implements Authorizer {
  readonly calls: string[] = [];
  readonly allow: Set<string>;

  constructor(allow: string[] = []) {
    this.allow = new Set(allow);
  }

  async authenticate(authorization: string | undefined, options: { audience?: string }): Promise<Caller> {
    this.calls.push(`authenticate ${authorization ?? "-"} ${options.audience ?? "-"}`);
    if (authorization !== "Bearer good") {
      throw new HttpError(401, "missing or invalid bearer token", { headers: { "WWW-Authenticate": "Bearer" } });
    }
    return { username: "alice", uid: "u-alice", groups: ["devs"] };
  }

  async authorize(caller: Caller, verbs: readonly DeployVerb[], namespace: string): Promise<void> {
    this.calls.push(`authorize ${caller.username} ${verbs.join("+")} ${namespace === "" ? "*" : namespace}`);
    for (const verb of verbs) {
      if (!this.allow.has(`${verb}@${namespace}`)) {
        throw new HttpError(
          403,
          `${caller.username} may not ${verb} inferenceservices.serving.kserve.io in namespace ${namespace}`,
        );
      }
    }
  }
}
