import type { OpenAIErrorBody } from "./openai-error.ts";

const EVENT_END = "\n\n";
const NEWLINE = 0x0a;

/**
 * A server-sent event stream passed on chunk by chunk as it arrives, that ends with an error event instead of
 * a cut connection when the upstream fails mid-stream: `data: {"error": {...}}` (what OpenAI SDKs raise as an
 * API error), after a blank line when the upstream stopped inside an event. Cancelling it (the caller left)
 * cancels the upstream's stream, which aborts the upstream request.
 *
 * @example
 * return new Response(guardEvents(answer.body, (error) => new OpenAIError(502, error.message).toJSON()), init);
 */
export function guardEvents(
  source: ReadableStream<Uint8Array>,
  describe: (error: unknown) => OpenAIErrorBody,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const encoder = new TextEncoder();
  // The last two bytes passed on (a newline each when the stream stopped between events).
  let secondLast = NEWLINE;
  let last = NEWLINE;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        if (value.byteLength > 0) {
          secondLast = value.byteLength > 1 ? (value[value.byteLength - 2] ?? 0) : last;
          last = value[value.byteLength - 1] ?? 0;
        }
        controller.enqueue(value);
      } catch (error) {
        const separator = secondLast === NEWLINE && last === NEWLINE ? "" : EVENT_END;
        controller.enqueue(encoder.encode(`${separator}data: ${JSON.stringify(describe(error))}${EVENT_END}`));
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
