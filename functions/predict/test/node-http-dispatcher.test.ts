import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePki } from "../../../test/cluster/pki.ts";
import { NodeHttpDispatcher } from "../src/node-http-dispatcher.ts";
import { dispatchPost } from "./fixtures.ts";

describe("NodeHttpDispatcher over https", () => {
  let dir: string;
  let server: Server;
  let origin: string;
  let ca: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "modelgate-https-upstream-"));
    const pki = await makePki(dir, ["IP:127.0.0.1"]);
    ca = pki.caPem;
    server = createServer(
      { cert: await readFile(pki.servingCertFile), key: await readFile(pki.servingKeyFile) },
      (req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(`{"over":"${req.socket.constructor.name}"}`);
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("calls an https origin over TLS, trusting the CA it is given", async () => {
    const dispatcher = new NodeHttpDispatcher({ ca });
    expect(await dispatchPost(dispatcher, origin)).toEqual({ status: 200, body: '{"over":"TLSSocket"}' });
    await dispatcher.close();
  });

  it("refuses a server whose certificate no trusted CA signed, as a failed call", async () => {
    const dispatcher = new NodeHttpDispatcher();
    await expect(dispatchPost(dispatcher, origin)).rejects.toMatchObject({
      code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/),
    });
    await dispatcher.close();
  });
});

describe("NodeHttpDispatcher, aborted", () => {
  it("tells the handler once, with the reason, and leaves nothing uncaught", async () => {
    const held = createHttpServer(() => undefined); // reads nothing, answers nothing
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(held.address() as AddressInfo).port}`;
    const dispatcher = new NodeHttpDispatcher();
    const errors: Error[] = [];
    let controller: Dispatcher.DispatchController | undefined;
    dispatcher.dispatch(
      { origin, path: "/v1/models/m:predict", method: "POST", body: Buffer.alloc(1024 * 1024) },
      {
        onRequestStart: (c) => {
          controller = c;
        },
        onResponseError: (_c, error) => {
          errors.push(error);
        },
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller?.abort(new Error("the caller disconnected"));
    controller?.abort(new Error("again"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors.map((e) => e.message)).toEqual(["the caller disconnected"]);
    expect(controller?.aborted).toBe(true);
    expect(controller?.reason?.message).toBe("the caller disconnected");
    await dispatcher.close();
    held.closeAllConnections();
    await new Promise((resolve) => held.close(resolve));
  });
});
