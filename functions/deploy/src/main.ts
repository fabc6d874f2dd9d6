import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";

await runFunction("deploy", (config, logger, registry) => createApp({ config, logger, registry }));
