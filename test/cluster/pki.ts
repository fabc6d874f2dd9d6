import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Files of a throwaway PKI for one control plane. */
export interface Pki {
  caFile: string;
  caPem: string;
  servingCertFile: string;
  servingKeyFile: string;
  /** Service-account signing key (private) and its public key, for TokenRequest/TokenReview. */
  saKeyFile: string;
  saPubFile: string;
}

const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (err) {
    const stderr = typeof err === "object" && err !== null && "stderr" in err ? String(err.stderr) : "";
    throw new Error(`openssl ${args[0]} failed (is the openssl CLI installed?): ${stderr || String(err)}`);
  }
}

/**
 * Makes, in `dir`, a CA valid for two days, a serving certificate it signed for 127.0.0.1 and
 * localhost (plus `extraSans`, e.g. `IP:10.0.0.1` or `DNS:kubernetes.default.svc`), and an RSA
 * service-account key pair.
 */
export async function makePki(dir: string, extraSans: readonly string[] = []): Promise<Pki> {
  await openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=modelgate-test-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  await issueServingCert(dir, "serving", ["IP:127.0.0.1", "DNS:localhost", ...extraSans]);
  const sa = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const saKeyFile = join(dir, "sa.key");
  const saPubFile = join(dir, "sa.pub");
  await writeFile(saKeyFile, sa.privateKey, { mode: 0o600 });
  await writeFile(saPubFile, sa.publicKey);
  const caFile = join(dir, "ca.crt");
  return {
    caFile,
    caPem: await readFile(caFile, "utf8"),
    servingCertFile: join(dir, "serving.crt"),
    servingKeyFile: join(dir, "serving.key"),
    saKeyFile,
    saPubFile,
  };
}

/**
 * Signs, with the CA of a {@link makePki} dir, a serving certificate `<name>.crt` (key `<name>.key`) for
 * `sans` (`IP:...` / `DNS:...`; the first one is also the subject's CN). Resolves to the two files' paths.
 */
export async function issueServingCert(
  dir: string,
  name: string,
  sans: readonly string[],
): Promise<{ certFile: string; keyFile: string }> {
  const cn = (sans[0] ?? name).replace(/^(IP|DNS):/, "");
  await openssl(["req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
  await writeFile(
    join(dir, `${name}.ext`),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${sans.join(",")}`,
      "",
    ].join("\n"),
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}
