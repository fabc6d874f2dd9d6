import { ConfigError } from "@modelgate/config";
import { closeOnSignals, createLogger, ListenError } from "@modelgate/http";
import { callerEnv, startGateway } from "./start-gateway.ts";

try {
  const gateway = await startGateway({ env: callerEnv(process.env) });
  const logger = createLogger({ name: "gateway", level: gateway.config.logLevel });
  const first = gateway.config.registry.entries[0]?.name ?? "<name>";
  process.stderr.write(
    `\nmodelgate local gateway: ${gateway.served.url}\n` +
      `  curl ${gateway.served.url}/api/v1/models\n` +
      `  curl ${gateway.served.url}/api/v1/models/${first}/health\n` +
      `  curl -X POST ${gateway.served.url}/api/v1/models/${first}/predict -H 'content-type: application/json' -d '{"instances":[[1,1,1,1,1,1,1,1,1,50]]}'\n\n`,
  );
  closeOnSignals({ ...gateway.served, close: gateway.close }, logger);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof ListenError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
