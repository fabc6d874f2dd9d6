import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";
import { createAuthorizer } from "./auth/create-authorizer.ts";
import { kubeConnection } from "./kube/connection.ts";

await runFunction("deploy", (config, logger) => {
  const connection = kubeConnection(config.kubernetes);
  return createApp({ config, logger, connection, authorizer: createAuthorizer(config, connection, logger) });
});
