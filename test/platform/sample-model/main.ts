// The sample model (shared/sample-model) as a server of its own, for the platform suite: a KServe V1/V2
// anomaly scorer on $PORT (8080) serving the names in $MODEL_NAMES (comma-separated, default anomaly-detector).
import { startSampleModel } from "@modelgate/sample-model";

const names = (process.env.MODEL_NAMES ?? "anomaly-detector").split(",").filter(Boolean);
const model = await startSampleModel({ names, port: Number(process.env.PORT ?? 8080), host: "0.0.0.0" });
process.stdout.write(`${JSON.stringify({ msg: "sample model listening", url: model.url, names })}\n`);
const stop = () => {
  model.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
