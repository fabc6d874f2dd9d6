import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Gateway, startGateway } from "@modelgate/gateway";
import { createLogger } from "@modelgate/http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminRequest, applyRbac, createServiceAccount, ensureNamespace } from "./cluster/admin.ts";

/**
 * The README's shell blocks, run as a user runs them: the quick try against the local gateway with its example
 * registry, and the deploy walk-through against a real kube-apiserver (the cluster of the user's kubeconfig),
 * with a ServiceAccount token from `kubectl create token`. Only the gateway's address is changed (a free
 * port instead of 8080), and the gateway is started in-process with the environment the block's
 * `./dev start` line gives it.
 */

const ROOT = resolve(import.meta.dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const cluster = inject("cluster");
const logger = createLogger({ name: "readme-test", level: "silent" });
const NAMESPACE = "self-healing-platform";
const PUBLISHER = "model-publisher";

/** A command of a block and what the README says it answers (the `# ...` line after it), if anything. */
interface Command {
  readonly text: string;
  readonly expected: string | undefined;
}

/** The README's ```sh blocks, each as its commands (continuation lines joined). */
function shBlocks(markdown: string): Command[][] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => {
    const commands: { text: string; expected: string | undefined }[] = [];
    let pending = "";
    for (const line of (match[1] ?? "").split("\n")) {
      if (pending !== "") {
        pending += `\n${line}`;
        if (!line.endsWith("\\")) {
          commands.push({ text: pending, expected: undefined });
          pending = "";
        }
      } else if (line.startsWith("#")) {
        const last = commands.at(-1);
        if (last && last.expected === undefined && /^# (\d{3} )?\{/.test(line)) last.expected = line.slice(2);
      } else if (line.trim() !== "") {
        if (line.endsWith("\\")) pending = line;
        else commands.push({ text: line, expected: undefined });
      }
    }
    return commands;
  });
}

function blockWith(marker: string): Command[] {
  const block = shBlocks(README).find((commands) => commands.some((command) => command.text.includes(marker)));
  if (!block) throw new Error(`no sh block of README.md contains ${marker}`);
  return block;
}

/** One curl's answer: status and body. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * Runs commands in one bash (so that `TOKEN=...` carries over), `set -e`, with each curl printing its status
 * after its body, and `localhost:8080` pointed at `url`. Resolves to the curls' answers, in order.
 */
async function runCommands(commands: readonly Command[], url: string, env: NodeJS.ProcessEnv): Promise<Answer[]> {
  const address = new URL(url).host;
  const script = [
    "set -euo pipefail",
    `curl() { command curl -sS -w '\\n@@status %{http_code}\\n' "$@"; }`,
    ...commands.map((command) => command.text.replaceAll("localhost:8080", address)),
  ].join("\n");
  const { stdout } = await promisify(execFile)("bash", ["-c", script], { cwd: ROOT, env, timeout: 60_000 });
  const answers: Answer[] = [];
  let body: string[] = [];
  for (const line of stdout.split("\n")) {
    const status = /^@@status (\d{3})$/.exec(line);
    if (status) {
      answers.push({ status: Number(status[1]), body: body.join("\n") });
      body = [];
    } else body.push(line);
  }
  return answers;
}

/** Holds an answer to the README's `# [status] body` line, where `...` stands for anything. */
function expectAnswer(answer: Answer, expected: string, what: string): void {
  const [, status, shown = ""] = /^(?:(\d{3}) )?(.*)$/.exec(expected) ?? [];
  if (status !== undefined) expect(answer.status, what).toBe(Number(status));
  // The README may explain an answer after it (`{...}   (-1 = anomaly)`): the answer itself ends at its last brace.
  const body = shown.slice(0, shown.lastIndexOf("}") + 1);
  const pattern = body
    .split("...")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*");
  expect(answer.body.trim(), what).toMatch(new RegExp(`^${pattern}$`));
}

const curls = (commands: readonly Command[]) => commands.filter((command) => command.text.startsWith("curl "));

describe("README: the quick try against ./dev start", () => {
  let gateway: Gateway;
  const commands = blockWith("curl localhost:8080/api/v1/models/anomaly-detector/health");

  beforeAll(async () => {
    gateway = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger });
  });
  afterAll(() => gateway.close());

  it("every command answers 2xx, and each answer the README shows is the one given", async () => {
    expect(curls(commands).length).toBe(commands.length);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const answers = await runCommands(commands, gateway.served.url, { PATH: process.env.PATH });
    expect(answers.map((answer) => answer.status)).toEqual(commands.map(() => 200));
    const shown = commands.flatMap((command, index) =>
      command.expected === undefined ? [] : [[command, answers[index]] as const],
    );
    expect(shown.length).toBeGreaterThan(0);
    for (const [command, answer] of shown)
      if (answer && command.expected) expectAnswer(answer, command.expected, command.text);
  });
});

describe("README: KServe's own paths against ./dev start", () => {
  let gateway: Gateway;
  const commands = blockWith("curl localhost:8080/v2/health/ready");

  beforeAll(async () => {
    gateway = await startGateway({ env: { PORT: "0", LOG_LEVEL: "silent" }, logger });
  });
  afterAll(() => gateway.close());

  it("every command answers 200 with the answer the README shows", async () => {
    expect(curls(commands).length).toBe(commands.length);
    const answers = await runCommands(commands, gateway.served.url, { PATH: process.env.PATH });
    expect(answers.map((answer) => answer.status)).toEqual(commands.map(() => 200));
    expect(commands.every((command) => command.expected !== undefined)).toBe(true);
    for (const [index, command] of commands.entries()) {
      const answer = answers[index];
      if (answer && command.expected) expectAnswer(answer, command.expected, command.text);
    }
  });
});

describe("README: the deploy walk-through against a real API server", () => {
  const block = blockWith("create token model-publisher");
  let gateway: Gateway;

  beforeAll(async () => {
    await ensureNamespace(cluster, NAMESPACE);
    await createServiceAccount(cluster, NAMESPACE, PUBLISHER);
    const rbac = "rbac.authorization.k8s.io/v1" as const;
    await applyRbac(cluster, [
      {
        apiVersion: rbac,
        kind: "Role",
        metadata: { name: PUBLISHER, namespace: NAMESPACE },
        rules: [
          {
            apiGroups: ["serving.kserve.io"],
            resources: ["inferenceservices"],
            verbs: ["get", "list", "create", "patch", "delete"],
          },
        ],
      },
      {
        apiVersion: rbac,
        kind: "RoleBinding",
        metadata: { name: PUBLISHER, namespace: NAMESPACE },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: PUBLISHER },
        subjects: [{ kind: "ServiceAccount", name: PUBLISHER, namespace: NAMESPACE }],
      },
    ]);
    // The block's first line, `KUBECONFIG=~/.kube/config ./dev start`, with the test cluster as the user's.
    gateway = await startGateway({
      env: { PORT: "0", LOG_LEVEL: "silent", KUBECONFIG: cluster.kubeconfigPath },
      logger,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    const rbacPath = (kind: string) =>
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/${kind}/${PUBLISHER}`;
    await adminRequest(cluster, "DELETE", rbacPath("rolebindings"));
    await adminRequest(cluster, "DELETE", rbacPath("roles"));
    await adminRequest(cluster, "DELETE", `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${PUBLISHER}`);
    await adminRequest(
      cluster,
      "DELETE",
      `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices/anomaly-detector`,
    );
  });

  it("deploys, reads back and undeploys with a ServiceAccount token, as shown", async () => {
    const [start, ...commands] = block;
    expect(start?.text).toBe("KUBECONFIG=~/.kube/config ./dev start");
    const answers = await runCommands(commands, gateway.served.url, {
      PATH: `${cluster.binDir}:${process.env.PATH ?? ""}`,
      KUBECONFIG: cluster.kubeconfigPath,
    });
    const sent = curls(commands);
    expect(answers.length).toBe(sent.length);
    expect(answers.map((answer) => answer.status)).toEqual([202, 200, 204]);
    const deploy = sent[0];
    if (!deploy?.expected || !answers[0]) throw new Error("the README shows no answer for the deploy");
    expectAnswer(answers[0], deploy.expected, deploy.text);
    expect(JSON.parse(answers[1]?.body ?? "")).toMatchObject({ name: "anomaly-detector", namespace: NAMESPACE });
    const gone = await adminRequest(
      cluster,
      "GET",
      `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices/anomaly-detector`,
    );
    expect(gone.status).toBe(404);
  });
});
