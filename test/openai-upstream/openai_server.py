"""A real kserve.ModelServer (kserve 0.14.1) serving deterministic OpenAI-compatible echo models for modelgate's tests.

Run with the venv made by setup.sh, e.g.:

    .venv/bin/python openai_server.py --http_port=8080 --model=echo --model=echo-b --chunk_delay_ms=0

Every KServe flag (``--http_port``, ...) is accepted; gRPC is always off. Ours are:

- ``--model NAME``: an echo model to serve (repeatable, at least one);
- ``--chunk_delay_ms MS``: pause between two streamed chunks (default 0); a request whose ``user`` field is
  ``delay-<ms>`` (e.g. ``"delay-300"``) sets its own;
- ``--bind_host HOST``: interface to listen on (default 127.0.0.1; KServe itself hardcodes 0.0.0.0);
- ``--exit_on_stdin_eof``: exit as soon as stdin closes, i.e. when the parent test process dies.

Every model answers ``"echo: " + TEXT``, where TEXT is the content of the last chat message, or the completion's
prompt (its first element when it is a list). Token counts are counts of whitespace-separated words. Streamed, the
answer is cut into words that keep their following white space (their concatenation is the answer exactly), one
chunk each, then a last chunk with finish_reason "stop". Each chunk's ``system_fingerprint`` is
``sent-at-<unix ms>``, read just before the chunk is handed to KServe. TEXT ``fail-mid-stream`` with ``stream: true``
sends two chunks and then raises. See README.md for the exact answers and what KServe puts on the wire.
"""

import argparse
import asyncio
import itertools
import os
import re
import sys
import time
from typing import AsyncIterator, Callable, Dict, List, Optional, Tuple, TypeVar, Union

from kserve import ModelServer
from kserve import model_server as kserve_model_server
from kserve.protocol.rest.openai import ChatCompletionRequest, CompletionRequest, OpenAIModel
from kserve.protocol.rest.openai.types import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionResponseMessage,
    ChoiceDelta,
    ChunkChoice,
    Completion,
    CompletionChoice,
    CompletionUsage,
)

# The stdin watcher of test/kserve/model_server.py (importing that file needs only kserve, which 0.14.1 has too).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kserve"))
from model_server import exit_when_stdin_closes  # noqa: E402

FAIL_MID_STREAM = "fail-mid-stream"
DELAY_USER = re.compile(r"delay-(\d+)")

T = TypeVar("T")
C = TypeVar("C")

# One counter for the whole server: ids are chatcmpl-1, cmpl-2, chatcmpl-3, ... in the order requests arrive.
request_counter = itertools.count(1)


class MidStreamFailure(RuntimeError):
    """Raised after two chunks of a ``fail-mid-stream`` request, to end the stream abnormally."""


def answer_of(text: str) -> str:
    return "echo: " + text


def word_count(text: str) -> int:
    return len(text.split())


def tokens_of(text: str) -> List[str]:
    """Words with their following white space; ``"".join(tokens_of(t)) == t`` for a ``t`` that starts with a word."""
    return re.findall(r"\S+\s*", text) or [text]


def sent_at() -> str:
    return f"sent-at-{int(time.time() * 1000)}"


def text_of_content(content: object) -> str:
    """A message's content as text: a string as is, content parts as their texts joined, nothing as ``""``."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(getattr(part, "text", "") or "" for part in content)
    return str(content)


def prompt_text(prompt: object) -> str:
    """A completion's prompt as text: a string as is, a list as its first element."""
    if isinstance(prompt, list):
        prompt = prompt[0] if prompt else ""
    return "" if prompt is None else str(prompt)


def usage_of(text: str, answer: str) -> CompletionUsage:
    prompt_tokens, completion_tokens = word_count(text), word_count(answer)
    return CompletionUsage(
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
    )


def head_of(prefix: str, model: str) -> Dict[str, object]:
    """The fields every object of one answer shares (a stream's chunks too): id, creation second, model."""
    return {"id": f"{prefix}-{next(request_counter)}", "created": int(time.time()), "model": model}


class EchoModel(OpenAIModel):
    """Answers ``"echo: " + TEXT`` to chat completions and completions, streamed or not."""

    def __init__(self, name: str, chunk_delay_ms: int):
        super().__init__(name)
        self.chunk_delay_ms = chunk_delay_ms

    async def stream(
        self,
        text: str,
        user: Optional[str],
        steps: List[Tuple[T, Optional[str]]],
        chunk: Callable[[T, Optional[str]], C],
    ) -> AsyncIterator[C]:
        """One ``chunk(step, finish_reason)`` per step, paced; raises after two for ``fail-mid-stream``."""
        match = DELAY_USER.fullmatch(user or "")
        delay_ms = int(match.group(1)) if match else self.chunk_delay_ms
        for index, (step, finish_reason) in enumerate(steps):
            if index == 2 and text == FAIL_MID_STREAM:
                raise MidStreamFailure("fail-mid-stream: the echo model failed after two chunks")
            if index > 0 and delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000)
            yield chunk(step, finish_reason)

    async def create_chat_completion(
        self, request: ChatCompletionRequest
    ) -> Union[ChatCompletion, AsyncIterator[ChatCompletionChunk]]:
        params = request.params
        text = text_of_content(params.messages[-1].content) if params.messages else ""
        answer = answer_of(text)
        head = head_of("chatcmpl", params.model)
        if not params.stream:
            message = ChatCompletionResponseMessage(role="assistant", content=answer)
            choice = ChatCompletionChoice(index=0, message=message, finish_reason="stop", logprobs=None)
            return ChatCompletion(**head, object="chat.completion", choices=[choice], usage=usage_of(text, answer))
        tokens = tokens_of(answer)
        steps = [(ChoiceDelta(role="assistant", content=tokens[0]), None)]
        steps += [(ChoiceDelta(content=token), None) for token in tokens[1:]]
        steps.append((ChoiceDelta(), "stop"))

        def chunk(delta: ChoiceDelta, finish_reason: Optional[str]) -> ChatCompletionChunk:
            choice = ChunkChoice(index=0, delta=delta, finish_reason=finish_reason)
            return ChatCompletionChunk(
                **head,
                object="chat.completion.chunk",
                choices=[choice],
                system_fingerprint=sent_at(),
            )

        return self.stream(text, params.user, steps, chunk)

    async def create_completion(self, request: CompletionRequest) -> Union[Completion, AsyncIterator[Completion]]:
        params = request.params
        text = prompt_text(params.prompt)
        answer = answer_of(text)
        head = head_of("cmpl", params.model)

        def completion(piece: str, finish_reason: Optional[str], fingerprint: Optional[str] = None) -> Completion:
            choice = CompletionChoice(index=0, text=piece, finish_reason=finish_reason, logprobs=None)
            usage = None if params.stream else usage_of(text, answer)
            fields = {"choices": [choice], "system_fingerprint": fingerprint, "usage": usage}
            return Completion(**head, object="text_completion", **fields)

        if not params.stream:
            return completion(answer, "stop")
        steps: List[Tuple[str, Optional[str]]] = [(token, None) for token in tokens_of(answer)] + [("", "stop")]
        return self.stream(text, params.user, steps, lambda piece, reason: completion(piece, reason, sent_at()))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(parents=[kserve_model_server.parser], description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], metavar="NAME", help="Serve an echo model named NAME.")
    parser.add_argument("--chunk_delay_ms", type=int, default=0, help="Pause between two streamed chunks.")
    parser.add_argument("--bind_host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--exit_on_stdin_eof", action="store_true", help="Exit when stdin closes.")
    args = parser.parse_args()
    if not args.model:
        parser.error("serve at least one model (--model NAME)")
    if len(set(args.model)) != len(args.model):
        parser.error(f"model names must be unique, got {args.model}")
    if args.chunk_delay_ms < 0:
        parser.error("--chunk_delay_ms must be >= 0")
    return args


def main() -> None:
    args = parse_args()
    if args.exit_on_stdin_eof:
        exit_when_stdin_closes()
    server = ModelServer(enable_grpc=False)
    # kserve 0.14.1's RESTServer hardcodes host 0.0.0.0 in its uvicorn config; it is read only when serving starts.
    server._rest_server._server.config.host = args.bind_host
    server.start([EchoModel(name, args.chunk_delay_ms) for name in args.model])


if __name__ == "__main__":
    main()
