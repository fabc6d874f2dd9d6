import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";

await runFunction("models", (config, logger, registry) => createApp({ config, logger, registry }));
