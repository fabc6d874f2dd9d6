import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LiveRegistry, loadConfig, type RegistryChange, watchRegistryFile } from "../src/index.ts";
import { configIssues } from "./config-issues.ts";

const entry = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: `http://${name}`,
  type: "anomaly",
  ...extra,
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-registry-"));
  dirs.push(dir);
  return dir;
}

/**
 * A folder laid out as the kubelet mounts a ConfigMap: `registry.json -> ..data/registry.json`, `..data` a symlink
 * to a timestamped folder; `write` makes a new folder and swaps `..data` to it in one rename, as the kubelet does.
 */
function configMapVolume(text: string) {
  const dir = tempDir();
  let version = 0;
  const write = (content: string) => {
    version += 1;
    const folder = `..2026_12_01_${version}`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, "registry.json"), content);
    symlinkSync(folder, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  };
  write(text);
  symlinkSync("..data/registry.json", join(dir, "registry.json"));
  return { path: join(dir, "registry.json"), write };
}

describe("KSERVE_MODEL_REGISTRY_FILE at start", () => {
  it("loads the registry from the file, as the env var's text is loaded", () => {
    const { path } = configMapVolume(JSON.stringify([entry("a"), entry("b", { namespace: "ml" })]));
    const config = loadConfig({ KSERVE_MODEL_REGISTRY_FILE: path });
    expect(config.registrySource).toBe("KSERVE_MODEL_REGISTRY_FILE");
    expect(config.registryFile).toBe(path);
    expect(config.registry.entries.map((e) => `${e.namespace}/${e.name}`)).toEqual(["self-healing-platform/a", "ml/b"]);
  });

  it("names every problem of the file, with its path, and refuses to start", () => {
    const { path } = configMapVolume(JSON.stringify([entry("a", { type: "x" }), { name: "B" }]));
    expect(configIssues({ KSERVE_MODEL_REGISTRY_FILE: path })).toEqual([
      `KSERVE_MODEL_REGISTRY_FILE (${path})[0].type: must be one of anomaly, predictive, classification`,
      `KSERVE_MODEL_REGISTRY_FILE (${path})[1].name: must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
      `KSERVE_MODEL_REGISTRY_FILE (${path})[1].type: is required`,
      `KSERVE_MODEL_REGISTRY_FILE (${path})[1].service: is required (or set url)`,
    ]);
  });

  it("says why a file cannot be read, or is not JSON", () => {
    const missing = join(tempDir(), "nope.json");
    expect(configIssues({ KSERVE_MODEL_REGISTRY_FILE: missing })).toEqual([
      `KSERVE_MODEL_REGISTRY_FILE (${missing}): cannot be read (ENOENT)`,
    ]);
    const { path } = configMapVolume("[{");
    expect(configIssues({ KSERVE_MODEL_REGISTRY_FILE: path })).toEqual([
      expect.stringMatching(new RegExp(`^KSERVE_MODEL_REGISTRY_FILE \\(${path}\\): invalid JSON: `)),
    ]);
  });

  it("refuses the file together with KSERVE_MODEL_REGISTRY", () => {
    const { path } = configMapVolume("[]");
    expect(configIssues({ KSERVE_MODEL_REGISTRY_FILE: path, KSERVE_MODEL_REGISTRY: "[]" })).toEqual([
      "KSERVE_MODEL_REGISTRY_FILE: is set with KSERVE_MODEL_REGISTRY: set one of the two",
    ]);
  });
});

describe("watchRegistryFile", () => {
  function watched(text: string) {
    const volume = configMapVolume(text);
    const config = loadConfig({ KSERVE_MODEL_REGISTRY_FILE: volume.path });
    const live = new LiveRegistry(config.registry);
    const reloads: RegistryChange[] = [];
    const refusals: (readonly string[])[] = [];
    const watch = watchRegistryFile(volume.path, {
      live,
      defaults: { defaultNamespace: config.defaultNamespace, urlTemplate: config.urlTemplate },
      onReload: (change) => reloads.push(change),
      onRefused: (issues) => refusals.push(issues),
      settleMs: 20,
    });
    return { ...volume, live, reloads, refusals, watch };
  }

  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it("takes a new version swapped in as the kubelet does, telling what was added, changed and removed", async () => {
    const w = watched(JSON.stringify([entry("a"), entry("b")]));
    try {
      w.write(JSON.stringify([entry("b", { description: "new" }), entry("c")]));
      await until("the reload", () => w.reloads.length === 1);
      expect(w.reloads).toEqual([{ added: ["c"], changed: ["b"], removed: ["a"] }]);
      expect(w.live.current().entries.map((e) => e.name)).toEqual(["b", "c"]);
      expect(w.live.current().get("b")?.description).toBe("new");
      expect(w.refusals).toEqual([]);
    } finally {
      w.watch.close();
    }
  });

  it("refuses a version with any problem whole, naming each, and keeps serving the one before", async () => {
    const w = watched(JSON.stringify([entry("a")]));
    try {
      const before = w.live.current();
      w.write(JSON.stringify([entry("a"), entry("b", { type: "nope" }), entry("c", { port: 0 })]));
      await until("the refusal", () => w.refusals.length === 1);
      expect(w.refusals[0]).toEqual([
        `KSERVE_MODEL_REGISTRY_FILE (${w.path})[1].type: must be one of anomaly, predictive, classification`,
        `KSERVE_MODEL_REGISTRY_FILE (${w.path})[2].port: must be an integer from 1 to 65535`,
      ]);
      expect(w.live.current()).toBe(before);
      w.write(JSON.stringify([entry("a"), entry("b")]));
      await until("the reload after the fix", () => w.reloads.length === 1);
      expect(w.reloads[0]).toEqual({ added: ["b"], changed: [], removed: [] });
    } finally {
      w.watch.close();
    }
  });

  it("keeps serving through a half-written file and a deleted one, saying why each time", async () => {
    const w = watched(JSON.stringify([entry("a")]));
    try {
      const before = w.live.current();
      w.write('[{"name": "a", "url": "http://a", "ty');
      await until("the half-written refusal", () => w.refusals.length === 1);
      expect(w.refusals[0]?.[0]).toMatch(/: invalid JSON: /);
      unlinkSync(w.path);
      await until("the deleted refusal", () => w.refusals.length === 2);
      expect(w.refusals[1]).toEqual([`KSERVE_MODEL_REGISTRY_FILE (${w.path}): cannot be read (ENOENT)`]);
      expect(w.live.current()).toBe(before);
      expect(w.reloads).toEqual([]);
    } finally {
      w.watch.close();
    }
  });

  it("says nothing when the content is the same, or changes nothing that matters", async () => {
    const w = watched(JSON.stringify([entry("a")]));
    try {
      w.write(JSON.stringify([entry("a")]));
      w.write(JSON.stringify([entry("a")], null, 2));
      w.watch.check();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(w.reloads).toEqual([]);
      expect(w.refusals).toEqual([]);
    } finally {
      w.watch.close();
    }
  });

  it("reads the file on its poll too, where the file system sends no event", async () => {
    const volume = configMapVolume(JSON.stringify([entry("a")]));
    const config = loadConfig({ KSERVE_MODEL_REGISTRY_FILE: volume.path });
    const live = new LiveRegistry(config.registry);
    const reloads: RegistryChange[] = [];
    let text = JSON.stringify([entry("a")]);
    const watch = watchRegistryFile(join(tempDir(), "elsewhere", "registry.json"), {
      live,
      defaults: { defaultNamespace: config.defaultNamespace, urlTemplate: config.urlTemplate },
      onReload: (change) => reloads.push(change),
      onRefused: () => undefined,
      pollMs: 30,
      read: () => text,
    });
    try {
      text = JSON.stringify([entry("a"), entry("z")]);
      await until("the polled reload", () => reloads.length === 1);
      expect(reloads[0]).toEqual({ added: ["z"], changed: [], removed: [] });
    } finally {
      watch.close();
    }
  });
});
