import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";

await runFunction("predict", (config, logger, registry) => createApp({ config, logger, registry }));
