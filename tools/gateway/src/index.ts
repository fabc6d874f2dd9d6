export { exampleRegistry } from "./example-registry.ts";
export { createGatewayApp, dispatchRoot, type FunctionApps, isCloudEvent } from "./gateway-app.ts";
export { FUNCTIONS, type FunctionName, functionForPath, ROUTES, type Route } from "./routes.ts";
export { callerEnv, type Gateway, startGateway } from "./start-gateway.ts";
