import { runFunction } from "@modelgate/http";
import { createApp } from "./app.ts";

await runFunction("deploy", (config, logger) => createApp({ config, logger }));
