import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { platformAddons } from "./addons/index.ts";

/**
 * Writes the platform's add-on stages as YAML, one file per stage (`<n>-<stage>.yaml`, objects in apply order), to
 * look at them or to try them by hand: `tsx test/platform/render-addons.ts DIR`. The KServe webhook certificate
 * is a placeholder (the harness makes a real one).
 */

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: tsx test/platform/render-addons.ts OUTPUT_DIR\n");
  process.exit(2);
}
const placeholder = (what: string) => `-----BEGIN ${what}-----\nplaceholder\n-----END ${what}-----\n`;
const stages = await platformAddons({
  kserveWebhook: {
    caPem: placeholder("CERTIFICATE"),
    certPem: placeholder("CERTIFICATE"),
    keyPem: placeholder("PRIVATE KEY"),
  },
  modelStorePath: "/model-store",
});
const dir = resolve(out);
await mkdir(dir, { recursive: true });
for (const [index, stage] of stages.entries()) {
  const file = join(dir, `${index + 1}-${stage.name}.yaml`);
  await writeFile(file, stage.objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n"));
  const waits = stage.waitFor.map((w) => `${w.kind} ${w.namespace}/${w.name ?? "*"}`).join(", ") || "CRDs Established";
  process.stdout.write(`${file}: ${stage.objects.length} objects; then wait for ${waits}\n`);
}
