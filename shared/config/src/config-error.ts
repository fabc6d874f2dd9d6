/**
 * Thrown by {@link loadConfig} when the environment is invalid. `issues` names every problem at once,
 * each prefixed by the variable (and registry entry index and field) it concerns.
 *
 * @example
 * try { loadConfig(env) } catch (e) { if (e instanceof ConfigError) console.error(e.issues.join("\n")) }
 */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}
