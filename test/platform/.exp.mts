import { readdirSync } from "node:fs";
import { join } from "node:path";
import { platformAddons } from "./addons/index.ts";
import { applyObjects, waitForCrds, waitForDeployments } from "./apply.ts";
import { kubectl } from "./kubectl.ts";
import { startNode } from "./node.ts";

const dir = "/root/.cache/modelgate/platform-1";
const images = readdirSync(join(dir, "images"))
  .filter((f) => f.endsWith(".tar"))
  .map((f) => join(dir, "images", f));
const t = performance.now();
const lap = (m: string) => console.log(`${((performance.now() - t) / 1000).toFixed(1)}s ${m}`);
const node = await startNode({ binDir: join(dir, "bin"), images, keepState: true });
lap(`node ready ${node.stateDir} holder ${node.holderPid}`);
try {
  console.log(
    await node.runInside("/usr/bin/ctr", [
      "--address",
      join(node.stateDir, "containerd.sock"),
      "-n",
      "k8s.io",
      "images",
      "ls",
      "-q",
    ]),
  );
  const stages = await platformAddons({ kserveWebhook: { caPem: node.caPem, certPem: "x", keyPem: "y" } });
  for (const stage of stages.filter((s) => ["crds", "knative-serving", "net-gateway-api"].includes(s.name))) {
    await applyObjects(node, stage.objects);
    await waitForCrds(node, stage.objects);
    lap(`applied ${stage.name}`);
    for (const w of stage.waitFor)
      await waitForDeployments(node, w.namespace, w.name, 120_000).catch((e) => console.log(String(e).slice(0, 500)));
    lap(`waited ${stage.name}`);
  }
  console.log(await kubectl(node, ["get", "pods", "-A", "-o", "wide"]));
} finally {
  if (!process.env.KEEP) await node.stop();
  lap("stopped");
}
