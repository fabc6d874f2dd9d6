import { createGatewayApp, type FunctionApps } from "@modelgate/gateway";
import { type AppEnv, createLogger } from "@modelgate/http";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FUNCTIONS,
  type FunctionName,
  functionForPath,
  ROUTES,
  type Route,
  samplePath,
} from "../tools/gateway/src/routes.ts";
import {
  isRecord,
  KNATIVE_DIR,
  type KubeObject,
  knativeServices,
  OVERLAYS,
  type Overlay,
  ofKind,
  renderKustomization,
} from "./knative/manifests.ts";

// ---- what a request looks like to an ingress, and the answer of each matcher ----

interface Probe {
  method: string;
  /** Path with an optional query string (ingresses match the path alone). */
  url: string;
}

/** Where an ingress sends a request: the function (from the rewritten host), or undefined (no rule: 404). */
type Decision = FunctionName | undefined;

const LOCAL_GATEWAY = "knative-local-gateway.istio-system.svc.cluster.local";

const pathOf = (url: string) => url.split("?")[0] ?? url;

/** RE2 full match (Envoy's safe_regex, Istio and Gateway API); refuses what RE2 does not have. */
function fullMatch(regex: string, path: string): boolean {
  if (/\(\?[=!<]|\\[1-9]/.test(regex)) throw new Error(`not RE2: ${regex} (lookaround or backreference)`);
  return new RegExp(`^(?:${regex})$`).test(path);
}

function str(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/** `<fn>.<namespace>.svc.cluster.local` → the function, checked against the Knative Services rendered with it. */
function functionOfHost(host: string, services: readonly KubeObject[]): FunctionName {
  const [name, namespace, ...rest] = host.split(".");
  if (rest.join(".") !== "svc.cluster.local") throw new Error(`${host} is not a cluster-local host`);
  const service = services.find((s) => s.metadata.name === name && s.metadata.namespace === namespace);
  if (!service) throw new Error(`${host}: no Knative Service ${namespace}/${name} in the rendered manifests`);
  if (service.metadata.labels?.["networking.knative.dev/visibility"] !== "cluster-local") {
    throw new Error(`${host}: Knative Service ${namespace}/${name} is not cluster-local`);
  }
  const fn = FUNCTIONS.find((candidate) => candidate === name);
  if (!fn) throw new Error(`${host}: ${name} is not a modelgate function`);
  return fn;
}

/** Istio VirtualService: the FIRST http rule with a matching `match` entry wins (uri exact / prefix / regex). */
function istioMatcher(vs: KubeObject, services: readonly KubeObject[]): (probe: Probe) => Decision {
  const spec = record(vs.spec, "VirtualService.spec");
  const rules = list(spec.http, "spec.http").map((raw, index) => {
    const rule = record(raw, `http[${index}]`);
    const route = list(rule.route, `http[${index}].route`).map((r) => record(r, "route"));
    const destination = record(route[0]?.destination, `http[${index}].route[0].destination`);
    if (route.length !== 1 || str(destination.host, "destination.host") !== LOCAL_GATEWAY) {
      throw new Error(`http[${index}] must send everything to ${LOCAL_GATEWAY}`);
    }
    const authority = str(record(rule.rewrite, `http[${index}].rewrite`).authority, "rewrite.authority");
    const matches = list(rule.match, `http[${index}].match`).map((m, j) => {
      const match = record(m, `http[${index}].match[${j}]`);
      const extra = Object.keys(match).filter((key) => key !== "uri");
      if (extra.length > 0) throw new Error(`http[${index}].match[${j}]: matcher does not model ${extra.join(", ")}`);
      const uri = record(match.uri, "uri");
      const [[type, value] = []] = Object.entries(uri);
      return { type: str(type, "uri match type"), value: str(value, "uri match value") };
    });
    return { fn: functionOfHost(authority, services), matches };
  });
  return ({ url }) => {
    const path = pathOf(url);
    const hit = rules.find((rule) =>
      rule.matches.some(({ type, value }) => {
        if (type === "exact") return path === value;
        if (type === "prefix") return path.startsWith(value);
        if (type === "regex") return fullMatch(value, path);
        throw new Error(`unknown uri match ${type}`);
      }),
    );
    return hit?.fn;
  };
}

interface GatewayMatch {
  fn: FunctionName;
  rule: number;
  type: "Exact" | "PathPrefix" | "RegularExpression";
  value: string;
  method?: string;
}

/** How a Gateway API implementation orders two regex matches that tie on everything the spec ranks. */
type RegexTieBreak = "rule-order" | "longest-regex";

/**
 * Gateway API HTTPRoute precedence: Exact path, then the longest PathPrefix, then a method match, then (spec)
 * the first rule in list order. RegularExpression is implementation-specific: it ranks below Exact and
 * PathPrefix here (as Istio ranks it), and two regexes tie-break either by rule order (the spec's last rule)
 * or by the longer regex (Istio): the manifests must route the same under both.
 */
function gatewayApiMatcher(
  route: KubeObject,
  services: readonly KubeObject[],
  tieBreak: RegexTieBreak,
): (probe: Probe) => Decision {
  const spec = record(route.spec, "HTTPRoute.spec");
  const matches: GatewayMatch[] = [];
  list(spec.rules, "spec.rules").forEach((raw, index) => {
    const rule = record(raw, `rules[${index}]`);
    const backends = list(rule.backendRefs, `rules[${index}].backendRefs`).map((b) => record(b, "backendRef"));
    const backend = backends[0];
    if (backends.length !== 1 || backend === undefined || backend.name !== "knative-local-gateway") {
      throw new Error(`rules[${index}] must send everything to the knative-local-gateway Service`);
    }
    const rewrites = list(rule.filters, `rules[${index}].filters`)
      .map((f) => record(f, "filter"))
      .filter((f) => f.type === "URLRewrite");
    const hostname = str(record(rewrites[0]?.urlRewrite, "urlRewrite").hostname, "urlRewrite.hostname");
    const fn = functionOfHost(hostname, services);
    for (const [j, m] of list(rule.matches ?? [{}], `rules[${index}].matches`).entries()) {
      const match = record(m, `rules[${index}].matches[${j}]`);
      const extra = Object.keys(match).filter((key) => key !== "path" && key !== "method");
      if (extra.length > 0)
        throw new Error(`rules[${index}].matches[${j}]: matcher does not model ${extra.join(", ")}`);
      const path = isRecord(match.path) ? match.path : { type: "PathPrefix", value: "/" };
      const type = path.type ?? "PathPrefix";
      if (type !== "Exact" && type !== "PathPrefix" && type !== "RegularExpression")
        throw new Error(`path type ${type}`);
      const entry: GatewayMatch = { fn, rule: index, type, value: str(path.value, "path.value") };
      if (typeof match.method === "string") entry.method = match.method;
      matches.push(entry);
    }
  });
  const rank = (m: GatewayMatch) => (m.type === "Exact" ? 3 : m.type === "PathPrefix" ? 2 : 1);
  const prefixMatches = (prefix: string, path: string) => {
    const p = prefix.replace(/\/+$/, "");
    return p === "" || path === p || path.startsWith(`${p}/`);
  };
  return ({ method, url }) => {
    const path = pathOf(url);
    const candidates = matches.filter((m) => {
      if (m.method !== undefined && m.method !== method) return false;
      if (m.type === "Exact") return path === m.value;
      if (m.type === "PathPrefix") return prefixMatches(m.value, path);
      return fullMatch(m.value, path);
    });
    candidates.sort(
      (a, b) =>
        rank(b) - rank(a) ||
        (a.type === "PathPrefix" ? b.value.length - a.value.length : 0) ||
        Number(b.method !== undefined) - Number(a.method !== undefined) ||
        (tieBreak === "longest-regex" && a.type === "RegularExpression" ? b.value.length - a.value.length : 0) ||
        a.rule - b.rule,
    );
    return candidates[0]?.fn;
  };
}

// ---- the samples: every route with tricky parameter values, and paths that are no route ----

const PARAM_SETS: Record<string, string>[] = [
  {},
  { name: "predict", namespace: "models" },
  { name: "health", namespace: "deploy" },
  { name: "infer", namespace: "inferenceservices" },
  { name: "scorer-v2.1", namespace: "self-healing-platform" },
];

function routeProbes(route: Route): Probe[] {
  const paths = PARAM_SETS.map((params) => samplePath(route, params));
  const withQuery = route.method === "GET" ? [`${samplePath(route)}?type=anomaly&limit=2`] : [];
  return [...new Set([...paths, ...withQuery])].map((url) => ({ method: route.method, url }));
}

/** Not routes; each must go where functionForPath says (mostly nowhere), with any method. */
const OTHER_PATHS = [
  "/",
  "/health/liveness",
  "/api/v1",
  "/api/v1/modelsx",
  "/api/v1/models/",
  "/api/v1/models/a/b/c",
  "/api/v1/models/x/predict/",
  "/api/v1/models/x/predictions",
  "/api/v1/detect/x",
  "/api/v1/detector",
  "/api/v1/deployx",
  "/api/v1/deploy/x",
  "/api/v1/undeployx",
  "/api/v1/inferenceservicesx",
  "/api/v2/models",
  "/v1",
  "/v1/modelsx",
  "/v1/models/a/b/c",
  "/v2x",
  "/v2/",
  "/v2/models/a/b/c",
  "/v3/models",
  "/openai",
  "/openaix/v1/models",
  "/openai/v1/images/generations",
];

// ---- the tests ----

const rendered = new Map<Overlay, KubeObject[]>();

beforeAll(async () => {
  for (const overlay of OVERLAYS) rendered.set(overlay, await renderKustomization(`${KNATIVE_DIR}overlays/${overlay}`));
});

function objects(overlay: Overlay): KubeObject[] {
  const found = rendered.get(overlay);
  if (!found) throw new Error(`overlay ${overlay} not rendered`);
  return found;
}

function matchers(overlay: Overlay): Record<string, (probe: Probe) => Decision> {
  const all = objects(overlay);
  const services = knativeServices(all);
  if (overlay === "istio") {
    const virtualServices = ofKind(all, "VirtualService");
    expect(virtualServices).toHaveLength(1);
    const [vs] = virtualServices;
    if (!vs) throw new Error("no VirtualService");
    return { istio: istioMatcher(vs, services) };
  }
  const routes = ofKind(all, "HTTPRoute");
  expect(routes).toHaveLength(1);
  const [route] = routes;
  if (!route) throw new Error("no HTTPRoute");
  return {
    "gateway-api (spec: rule order)": gatewayApiMatcher(route, services, "rule-order"),
    "gateway-api (istio: longest regex)": gatewayApiMatcher(route, services, "longest-regex"),
  };
}

describe("the routing table", () => {
  it("functionForPath agrees with ROUTES for every sample path", () => {
    for (const route of ROUTES) {
      for (const probe of routeProbes(route)) expect(functionForPath(pathOf(probe.url)), probe.url).toBe(route.fn);
    }
  });

  it("the local gateway mounts ROUTES: each sample reaches the function of its route", async () => {
    const apps = Object.fromEntries(
      FUNCTIONS.map((fn) => [fn, new Hono<AppEnv>().all("*", (c) => c.json({ fn, path: c.req.path }))]),
    ) as unknown as FunctionApps;
    const logger = createLogger({ name: "test", level: "silent", destination: { write: () => undefined } });
    const gateway = createGatewayApp(apps, { logger, maxBodyBytes: 1024 });
    for (const route of ROUTES) {
      for (const { method, url } of routeProbes(route)) {
        const res = await gateway.request(url, { method });
        expect(res.status, `${method} ${url}`).toBe(200);
        expect(await res.json(), `${method} ${url}`).toEqual({ fn: route.fn, path: pathOf(url) });
      }
    }
  });
});

describe("the local gateway off the routing table", () => {
  it("sends paths that are no route where functionForPath says, as an ingress does (else its own 404)", async () => {
    const apps = Object.fromEntries(
      FUNCTIONS.map((fn) => [fn, new Hono<AppEnv>().all("*", (c) => c.json({ fn }))]),
    ) as unknown as FunctionApps;
    const logger = createLogger({ name: "test", level: "silent", destination: { write: () => undefined } });
    const gateway = createGatewayApp(apps, { logger, maxBodyBytes: 1024 });
    for (const url of OTHER_PATHS.filter((path) => !path.startsWith("/health/"))) {
      for (const method of ["GET", "DELETE"]) {
        const res = await gateway.request(url, { method });
        const fn = functionForPath(url);
        const what = `${method} ${url}`;
        if (fn === undefined) expect(res.status, what).toBe(404);
        else expect(await res.json(), what).toEqual({ fn });
      }
    }
  });
});

describe.each(OVERLAYS)("the %s overlay", (overlay) => {
  it("sends every route of ROUTES to the function that serves it", () => {
    for (const [name, decide] of Object.entries(matchers(overlay))) {
      for (const route of ROUTES) {
        for (const probe of routeProbes(route)) {
          expect(decide(probe), `${name}: ${probe.method} ${probe.url}`).toBe(route.fn);
        }
      }
    }
  });

  it("sends paths that are no route where functionForPath says (nowhere, or a function that answers 404)", () => {
    for (const [name, decide] of Object.entries(matchers(overlay))) {
      for (const url of OTHER_PATHS) {
        for (const method of ["GET", "POST", "DELETE"]) {
          expect(decide({ method, url }), `${name}: ${method} ${url}`).toBe(functionForPath(url));
        }
      }
    }
  });

  it("serves one host, through Knative's ingress", () => {
    const all = objects(overlay);
    if (overlay === "istio") {
      const spec = record(ofKind(all, "VirtualService")[0]?.spec, "spec");
      expect(spec.gateways).toEqual(["knative-serving/knative-ingress-gateway"]);
      expect(spec.hosts).toEqual(["modelgate.example.com"]);
    } else {
      const spec = record(ofKind(all, "HTTPRoute")[0]?.spec, "spec");
      expect(spec.hostnames).toEqual(["modelgate.example.com"]);
      expect(spec.parentRefs).toEqual([
        { group: "gateway.networking.k8s.io", kind: "Gateway", name: "knative-gateway", namespace: "istio-system" },
      ]);
      const grant = record(ofKind(all, "ReferenceGrant")[0]?.spec, "ReferenceGrant.spec");
      expect(grant.to).toEqual([{ group: "", kind: "Service", name: "knative-local-gateway" }]);
    }
  });
});

describe("retries, set on purpose per route", () => {
  /** What Istio retries when a rule sets no `retries` (two more attempts, on 503 among others). */
  const FIVE_XX = ["5xx", "gateway-error", "unavailable", "retriable-status-codes", "reset"];

  it("Istio: every rule sets retries; predict and deploy never retry, models only when nothing reached it", () => {
    const vs = ofKind(objects("istio"), "VirtualService")[0];
    const rules = list(record(vs?.spec, "spec").http, "http").map((rule) => record(rule, "http rule"));
    const retries = Object.fromEntries(rules.map((rule) => [str(rule.name, "name"), rule.retries]));
    expect(Object.keys(retries).sort()).toEqual([...FUNCTIONS].sort());
    expect(retries.predict).toEqual({ attempts: 0 });
    expect(retries.deploy).toEqual({ attempts: 0 });
    const models = record(retries.models, "models retries");
    expect(models.attempts).toBe(2);
    const on = str(models.retryOn, "retryOn").split(",");
    expect(on).toEqual(["connect-failure", "refused-stream"]);
    expect(on.filter((reason) => FIVE_XX.includes(reason) || /^\d+$/.test(reason))).toEqual([]);
    // Only the models rule's routes are GETs: nothing that changes state is retried.
    expect(ROUTES.filter((route) => route.fn === "models").map((route) => route.method)).toEqual(["GET", "GET", "GET"]);
  });

  it("Gateway API: no rule asks for retries", () => {
    const route = ofKind(objects("gateway-api"), "HTTPRoute")[0];
    const rules = list(record(route?.spec, "spec").rules, "rules").map((rule) => record(rule, "rule"));
    expect(rules.length).toBe(FUNCTIONS.length);
    expect(rules.filter((rule) => "retry" in rule)).toEqual([]);
  });
});

describe("the matchers themselves", () => {
  const services = [
    { apiVersion: "serving.knative.dev/v1", kind: "Service", metadata: { name: "models", namespace: "mg" } },
    { apiVersion: "serving.knative.dev/v1", kind: "Service", metadata: { name: "predict", namespace: "mg" } },
  ].map((s) => ({
    ...s,
    metadata: { ...s.metadata, labels: { "networking.knative.dev/visibility": "cluster-local" } },
  }));
  const to = (fn: string) => ({
    rewrite: { authority: `${fn}.mg.svc.cluster.local` },
    route: [{ destination: { host: LOCAL_GATEWAY } }],
  });
  const vs = (http: unknown[]): KubeObject => ({
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: "t" },
    spec: { http },
  });
  const predictRule = { match: [{ uri: { regex: "/api/v1/models/[^/]+/predict" } }], ...to("predict") };
  const modelsRule = { match: [{ uri: { prefix: "/api/v1/models/" } }], ...to("models") };
  const probe = { method: "POST", url: "/api/v1/models/a/predict" };

  it("Istio: the first matching rule wins, so order matters", () => {
    expect(istioMatcher(vs([predictRule, modelsRule]), services)(probe)).toBe("predict");
    expect(istioMatcher(vs([modelsRule, predictRule]), services)(probe)).toBe("models");
  });

  it("Gateway API: a PathPrefix outranks a regex whatever the rule order; two regexes follow the tie-break", () => {
    const backend = { backendRefs: [{ name: "knative-local-gateway" }] };
    const rewrite = (fn: string) => ({
      filters: [{ type: "URLRewrite", urlRewrite: { hostname: `${fn}.mg.svc.cluster.local` } }],
    });
    const regex = (value: string) => ({ path: { type: "RegularExpression", value } });
    const httpRoute = (rules: unknown[]): KubeObject => ({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "t" },
      spec: { rules },
    });
    const predict = { matches: [regex("/api/v1/models/[^/]+/predict")], ...rewrite("predict"), ...backend };
    const modelsPrefix = {
      matches: [{ path: { type: "PathPrefix", value: "/api/v1/models" } }],
      ...rewrite("models"),
      ...backend,
    };
    const modelsRegex = { matches: [regex("/api/v1/models/.*")], ...rewrite("models"), ...backend };
    for (const tie of ["rule-order", "longest-regex"] as const) {
      expect(gatewayApiMatcher(httpRoute([predict, modelsPrefix]), services, tie)(probe)).toBe("models");
    }
    expect(gatewayApiMatcher(httpRoute([modelsRegex, predict]), services, "rule-order")(probe)).toBe("models");
    expect(gatewayApiMatcher(httpRoute([modelsRegex, predict]), services, "longest-regex")(probe)).toBe("predict");
    expect(gatewayApiMatcher(httpRoute([predict, modelsRegex]), services, "rule-order")(probe)).toBe("predict");
  });

  it("refuses a host that is no cluster-local Knative Service of the manifests", () => {
    const rule = { match: [{ uri: { exact: "/x" } }], ...to("deploy") };
    expect(() => istioMatcher(vs([rule]), services)).toThrow(/no Knative Service mg\/deploy/);
  });
});
