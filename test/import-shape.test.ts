import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The workspace's shape (docs/adr/0001-layout-and-runtime.md): imports run `tools/`, `test/` → `functions/` →
 * `shared/`. No file under `shared/` imports a function, and no function imports another.
 */
const ROOT = resolve(import.meta.dirname, "..");

/** A workspace package: its folder (relative to the root, e.g. `functions/predict`) and its npm name. */
interface WorkspacePackage {
  readonly dir: string;
  readonly name: string;
}

function packagesUnder(group: "functions" | "shared" | "tools"): WorkspacePackage[] {
  return readdirSync(join(ROOT, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = `${group}/${entry.name}`;
      const manifest = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as { name: string };
      return { dir, name: manifest.name };
    });
}

const PACKAGES = [...packagesUnder("functions"), ...packagesUnder("shared"), ...packagesUnder("tools")];

/** Every `.ts` file under `dir`, skipping dependencies and build output. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter(
      (path) => path.endsWith(".ts") && !path.split(sep).some((part) => part === "node_modules" || part === "dist"),
    )
    .map((path) => join(dir, path));
}

/** The module specifiers a source imports or re-exports, statically or with `import()`. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)) {
    if (match[1] !== undefined) found.push(match[1]);
  }
  return found;
}

/** The workspace package (its folder) an import specifier of `file` lands in, or undefined (npm, node builtins). */
function packageOf(file: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier))
      .split(sep)
      .join("/");
    return PACKAGES.find((pkg) => target === pkg.dir || target.startsWith(`${pkg.dir}/`))?.dir;
  }
  return PACKAGES.find((pkg) => specifier === pkg.name || specifier.startsWith(`${pkg.name}/`))?.dir;
}

/** `file → package` for every import of a file under `from` that lands in a package outside it. */
function arrowsOut(from: WorkspacePackage): string[] {
  return sourceFiles(from.dir).flatMap((file) =>
    specifiersOf(readFileSync(join(ROOT, file), "utf8"))
      .map((specifier) => packageOf(file, specifier))
      .filter((target): target is string => target !== undefined && target !== from.dir)
      .map((target) => `${file} → ${target}`),
  );
}

const isFunction = (arrow: string) => /→ functions\//.test(arrow);

describe("the workspace's import shape", () => {
  it("reads imports of every kind, and resolves relative and package specifiers to workspace packages", () => {
    const source = `import { a } from "@modelgate/predict";\nexport { b } from '../../functions/models/src/app.ts';\nconst c = await import("@modelgate/http");\nimport type { D } from "hono";`;
    expect(specifiersOf(source)).toEqual([
      "@modelgate/predict",
      "../../functions/models/src/app.ts",
      "@modelgate/http",
      "hono",
    ]);
    expect(packageOf("shared/http/src/x.ts", "@modelgate/predict")).toBe("functions/predict");
    expect(packageOf("shared/http/src/x.ts", "../../../functions/models/src/app.ts")).toBe("functions/models");
    expect(packageOf("shared/http/src/x.ts", "./logger.ts")).toBe("shared/http");
    expect(packageOf("shared/http/src/x.ts", "hono")).toBeUndefined();
  });

  it("finds the packages and their cross-package imports (the checks below have something to check)", () => {
    expect(PACKAGES.map((pkg) => pkg.dir)).toEqual(expect.arrayContaining(["functions/deploy", "shared/http"]));
    expect(PACKAGES.flatMap(arrowsOut).filter(isFunction).length).toBeGreaterThan(0);
  });

  it("no file under shared/ imports a function", () => {
    const shared = PACKAGES.filter((pkg) => pkg.dir.startsWith("shared/"));
    expect(shared.flatMap(arrowsOut).filter(isFunction)).toEqual([]);
  });

  it("no function imports another", () => {
    const functions = PACKAGES.filter((pkg) => pkg.dir.startsWith("functions/"));
    expect(functions.flatMap(arrowsOut).filter(isFunction)).toEqual([]);
  });

  it("no shared or function package.json depends on a function", () => {
    const functionNames = new Set(PACKAGES.filter((pkg) => pkg.dir.startsWith("functions/")).map((pkg) => pkg.name));
    const offenders = PACKAGES.filter((pkg) => !pkg.dir.startsWith("tools/")).flatMap((pkg) => {
      const manifest = JSON.parse(readFileSync(join(ROOT, pkg.dir, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
      return deps.filter((dep) => functionNames.has(dep) && dep !== pkg.name).map((dep) => `${pkg.dir} → ${dep}`);
    });
    expect(offenders).toEqual([]);
  });
});
