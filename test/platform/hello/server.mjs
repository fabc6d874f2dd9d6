// The platform suite's cold-start baseline: a bare Node HTTP server, the same base image, user and compile-cache
// warm-up as the functions' images, and nothing else (no framework, no configuration, no log line per request).
// Answers 200 "hello" on every path and method, on $PORT (default 8080).
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? "8080");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  // Also the image build's warm-up: an invalid PORT ends the process after the module is compiled, and Node
  // writes its compile cache on exit.
  process.stderr.write(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}\n`);
  process.exit(1);
}

const body = Buffer.from("hello");
const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  response.end(body);
});

// Knative sends SIGTERM when it scales down; as PID 1, Node would otherwise ignore it.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

server.listen(port, () => {
  process.stdout.write(`hello listening on :${port}\n`);
});
