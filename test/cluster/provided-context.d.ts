import type { ClusterInfo } from "./control-plane.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared control plane started by test/cluster/global-setup.ts (all shared CRDs installed). */
    cluster: ClusterInfo;
  }
}
