// undici has no exports map: its Agent module can be imported alone. It is `module.exports = Agent`.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent as UndiciAgent } from "undici";

  type Agent = UndiciAgent;
  const Agent: typeof UndiciAgent;
  export default Agent;
}
