import type { PlatformInfo } from "./platform.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The one platform started by test/platform/global-setup.ts, with modelgate installed and Ready. */
    platform: PlatformInfo;
  }
}
