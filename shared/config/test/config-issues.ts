import { ConfigError, type Env, loadConfig } from "../src/index.ts";

/**
 * The issues `loadConfig(env)` reports; fails the test when it does not throw a {@link ConfigError}.
 *
 * @example
 * expect(configIssues({ PORT: "x" })).toEqual(["PORT: must be an integer from 0 to 65535"]);
 */
export function configIssues(env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
