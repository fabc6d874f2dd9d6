/** One answer of the echo model: whole (JSON), or events written one after the other (server-sent events). */
export type EchoAnswer =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "events"; readonly events: readonly string[] };

/** The text the echo model answers: `echo: ` and the last message's content (chat) or the prompt (completions). */
function echoOf(body: Record<string, unknown>, chat: boolean): string | undefined {
  if (chat) {
    const messages = body.messages;
    const last = Array.isArray(messages) ? (messages.at(-1) as { content?: unknown } | undefined) : undefined;
    return typeof last?.content === "string" ? `echo: ${last.content}` : undefined;
  }
  const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  return typeof prompt === "string" ? `echo: ${prompt}` : undefined;
}

/** The words of `text`, each with the spaces after it: joined again, they are `text`. */
function tokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * The echo model of the sample server, in OpenAI's API as KServe serves it: chat completions and completions
 * answer `echo: <last message or prompt>`, whole or (with `"stream": true`) as one chunk per word then
 * `[DONE]`. Pure: the request's body in, the answer out.
 *
 * @example
 * echoAnswer("chat", { model: "assistant", messages: [{ role: "user", content: "hi" }] })
 */
export function echoAnswer(call: "chat" | "completions", body: Record<string, unknown>): EchoAnswer {
  const chat = call === "chat";
  const text = echoOf(body, chat);
  const model = typeof body.model === "string" ? body.model : "";
  if (text === undefined) {
    const field = chat ? '"messages" with a last message of string content' : 'a string "prompt"';
    return { kind: "json", status: 400, body: { error: `Expected ${field}` } };
  }
  const created = Math.floor(Date.now() / 1000);
  const id = chat ? "chatcmpl-sample" : "cmpl-sample";
  const object = chat ? "chat.completion" : "text_completion";
  const words = tokens(text);
  if (body.stream !== true) {
    const choice = chat
      ? { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }
      : { index: 0, text, finish_reason: "stop" };
    const usage = { prompt_tokens: 0, completion_tokens: words.length, total_tokens: words.length };
    return { kind: "json", status: 200, body: { id, object, created, model, choices: [choice], usage } };
  }
  const chunk = (delta: string | null, first: boolean) => {
    const finish = delta === null ? "stop" : null;
    const choice = chat
      ? {
          index: 0,
          delta: delta === null ? {} : { ...(first ? { role: "assistant" } : {}), content: delta },
          finish_reason: finish,
        }
      : { index: 0, text: delta ?? "", finish_reason: finish };
    return JSON.stringify({
      id,
      object: chat ? "chat.completion.chunk" : "text_completion",
      created,
      model,
      choices: [choice],
    });
  };
  return { kind: "events", events: [...words.map((word, i) => chunk(word, i === 0)), chunk(null, false), "[DONE]"] };
}
