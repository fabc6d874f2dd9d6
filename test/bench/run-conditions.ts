import { availableParallelism, loadavg } from "node:os";

/**
 * The conditions a bench ran in, for its header: Node, the CPUs, and the load average over the last minute at
 * the start (`load 0.2` on an idle machine; above the CPU count, ratios are noisier).
 *
 * @example
 * console.log(`Cold start (${runConditions()})`); // "Node v24.21.0, 2 CPUs, load 0.35"
 */
export function runConditions(): string {
  return `Node ${process.version}, ${availableParallelism()} CPUs, load ${(loadavg()[0] ?? 0).toFixed(2)}`;
}
