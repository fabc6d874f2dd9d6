import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";
import { createAuthorizer, kubeConfigLoader } from "./auth/index.ts";

await runFunction("deploy", (config, logger) =>
  createApp({ config, logger, authorizer: createAuthorizer(config, kubeConfigLoader(config.kubernetes), logger) }),
);
