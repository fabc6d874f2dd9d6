import { existsSync, readFileSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";

/** The functions that get a bundle and an image (same names as the Knative Services). */
export const BUNDLED_FUNCTIONS = ["models", "predict", "deploy"] as const;
export type BundledFunction = (typeof BUNDLED_FUNCTIONS)[number];

/** The bundle's entry, relative to `functions/<fn>/`: what the image's `CMD` runs (`node dist/main.mjs`). */
export const BUNDLE_ENTRY = "dist/main.mjs";

/**
 * Packages left out of the bundles on purpose: `ws` (used by `@kubernetes/client-node`) requires these optional
 * native add-ons inside try/catch and uses its own JavaScript code when they are absent, as in the image.
 */
export const OPTIONAL_EXTERNALS = ["bufferutil", "utf-8-validate"] as const;

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One output file of a bundle. */
export interface BundleFile {
  /** Relative to the bundle's parent folder, e.g. `dist/main.mjs` or `dist/chunks/dist-AB12CD34.mjs`. */
  path: string;
  bytes: number;
  /** Other output files it imports (same form as `path`): statically, or by `import()` (lazy chunks). */
  imports: { path: string; dynamic: boolean }[];
  /** What it imports from outside the bundle (only Node built-ins, e.g. `node:http`, if nothing leaked). */
  externals: string[];
  /** The source files bundled into it, relative to the repository root (node_modules paths included). */
  inputs: string[];
}

/** What {@link buildFunction} produced for one function. */
export interface BundleResult {
  fn: BundledFunction;
  /** Absolute path of the output folder (`functions/<fn>/dist` unless `outDir` was given). */
  distDir: string;
  /** Absolute path of the entry (`<distDir>/main.mjs`). */
  entry: string;
  files: BundleFile[];
  /** Sum of all files. */
  totalBytes: number;
}

/** Options of {@link buildFunction} and {@link buildAll}. */
export interface BuildOptions {
  /** Repository root; default the parent of `scripts/`. */
  root?: string;
  /**
   * Where to write one function's bundle instead of `functions/<fn>/dist` (tests build into temp folders);
   * for {@link buildAll}, a folder that gets `<fn>/dist` per function.
   */
  outDir?: string;
}

// CommonJS dependencies bundled into ESM still call `require("node:…")`: give each chunk a real `require`.
const REQUIRE_SHIM =
  'import{createRequire as __mgCreateRequire}from"node:module";const require=__mgCreateRequire(import.meta.url);';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const WRAPPER_NAMESPACE = "cjs-dynamic-import";

/** Whether Node would load `file` as CommonJS (`.cjs`, or `.js` under a package.json without `"type": "module"`). */
export function isCommonJsFile(file: string): boolean {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type !== "module";
    if (dirname(dir) === dir) return true;
  }
}

/**
 * `await import("some-cjs-package")` gets the package's named exports in Node (cjs-module-lexer), but an
 * esbuild chunk made from a CommonJS module exports only `default` (so `const { HTTP } = await
 * import("cloudevents")` would get `undefined`). This plugin puts a small ESM wrapper in front of every
 * CommonJS package that is imported dynamically: it re-exports each own key of `module.exports` (read once at
 * build time) as a named export, plus `default`, which is what Node gives.
 */
export function cjsDynamicImportInterop(): Plugin {
  return {
    name: "cjs-dynamic-import-interop",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== "dynamic-import" || args.pluginData === WRAPPER_NAMESPACE) return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          kind: "import-statement",
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: WRAPPER_NAMESPACE,
        });
        if (resolved.errors.length > 0 || resolved.external || !isCommonJsFile(resolved.path)) return undefined;
        return { path: resolved.path, namespace: WRAPPER_NAMESPACE };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: WRAPPER_NAMESPACE }, (args) => {
        const exported = createRequire(args.path)(args.path) as Record<string, unknown>;
        const names = Object.keys(exported).filter((name) => name !== "default" && IDENTIFIER.test(name));
        const lines = [
          `const cjs = require(${JSON.stringify(args.path)});`,
          "export default cjs;",
          ...names.map((name) => `export const ${name} = cjs[${JSON.stringify(name)}];`),
        ];
        return { contents: lines.join("\n"), loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * Bundles `functions/<fn>/src/main.ts` into `functions/<fn>/dist/` (emptied first): platform node, target
 * node24, ESM (`.mjs`, so Node needs no package.json to know), minified (keeping class and function names,
 * which logs show as error types), with code splitting so that what a
 * function imports dynamically (the deploy function's `@kubernetes/client-node`) lands in its own chunk,
 * loaded on first use instead of at start-up. Everything is inlined: the bundle needs no node_modules.
 * Throws when the entry is missing or esbuild reports an error.
 *
 * @example
 * const { entry, totalBytes } = await buildFunction("models");
 */
export async function buildFunction(fn: BundledFunction, options: BuildOptions = {}): Promise<BundleResult> {
  const root = options.root ?? ROOT;
  const fnDir = join(root, "functions", fn);
  const source = join(fnDir, "src", "main.ts");
  if (!existsSync(source)) throw new Error(`cannot bundle ${fn}: ${relative(root, source)} does not exist`);
  const distDir = options.outDir ?? join(fnDir, "dist");
  await rm(distDir, { recursive: true, force: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: source },
    outdir: distDir,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    splitting: true,
    minify: true,
    keepNames: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    banner: { js: REQUIRE_SHIM },
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "linked",
    external: [...OPTIONAL_EXTERNALS],
    metafile: true,
    plugins: [cjsDynamicImportInterop()],
    logLevel: "silent",
  });
  if (result.errors.length > 0) {
    throw new Error(`esbuild failed for ${fn}: ${result.errors.map((e) => e.text).join("; ")}`);
  }
  const files = await listOutputs(result.metafile, root, dirname(distDir));
  return {
    fn,
    distDir,
    entry: join(distDir, "main.mjs"),
    files,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
  };
}

async function listOutputs(metafile: Metafile, root: string, base: string): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  const local = (output: string) => relative(base, join(root, output));
  for (const [output, info] of Object.entries(metafile.outputs)) {
    files.push({
      path: local(output),
      bytes: (await stat(join(root, output))).size,
      imports: info.imports
        .filter((item) => item.external !== true)
        .map((item) => ({ path: local(item.path), dynamic: item.kind === "dynamic-import" })),
      externals: [...new Set(info.imports.filter((item) => item.external === true).map((item) => item.path))],
      inputs: Object.keys(info.inputs),
    });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Bundles every function (see {@link buildFunction}), one after the other.
 *
 * @example
 * for (const bundle of await buildAll()) console.log(bundle.fn, bundle.totalBytes);
 */
export async function buildAll(options: BuildOptions = {}): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const fn of BUNDLED_FUNCTIONS) {
    const outDir = options.outDir === undefined ? undefined : join(options.outDir, fn, "dist");
    results.push(await buildFunction(fn, outDir === undefined ? options : { ...options, outDir }));
  }
  return results;
}

/** Human-readable size: `123.4 kB`. */
export function formatBytes(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}

async function main(): Promise<void> {
  for (const bundle of await buildAll()) {
    process.stdout.write(`${bundle.fn}: ${formatBytes(bundle.totalBytes)} in ${relative(ROOT, bundle.distDir)}/\n`);
    for (const file of bundle.files) {
      const lazy = bundle.files.some((other) => other.imports.some((i) => i.dynamic && i.path === file.path));
      process.stdout.write(
        `  ${file.path.padEnd(44)} ${formatBytes(file.bytes).padStart(10)}${lazy ? "  (lazy)" : ""}\n`,
      );
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
