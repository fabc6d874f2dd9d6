"""A real kserve.ModelServer serving tiny deterministic models for modelgate's tests.

Run with the venv made by setup.sh, e.g.:

    .venv/bin/python model_server.py --http_port=8080 --enable_grpc=false \
        --server_id=kserve-a --scorer=scorer --raiser=raiser --not_ready=dormant

Every KServe flag (``--http_port``, ``--enable_grpc``, ...) is accepted; ours are:

- ``--server_id ID``: put in every scorer answer, so a test can tell which server answered;
- ``--scorer NAME`` / ``--raiser NAME`` / ``--not_ready NAME``: models to serve (repeatable);
- ``--bind_host HOST``: interface to listen on (default 127.0.0.1; KServe itself hardcodes 0.0.0.0);
- ``--exit_on_stdin_eof``: exit as soon as stdin closes, i.e. when the parent test process dies.

Models (see README.md for the exact answers):

- scorer: the score of a row of numbers is the mean of their absolute values. V1 ``:predict``
  answers ``{"predictions": [score per row], "server_id": ID}``; V1 ``:explain`` answers
  ``{"explanations": [[|x| / len(row) per feature] per row], "server_id": ID}`` (each row sums to its
  score); V2 ``infer`` takes one 2-D input and answers one FP32 output ``score`` of shape ``[rows]``, with
  ``parameters.server_id``.
- raiser: predict/explain/infer raise ``KeyError('instances')``; KServe answers 500
  ``{"error": "KeyError : 'instances'"}``.
- not_ready: registered with ``ready = False`` and stays so; KServe answers 503
  ``{"error": "Model with name NAME is not ready."}``. ``ModelServer.start(models)`` silently drops the
  models of its list that are not ready, so this one is registered with ``ModelServer.register_model``
  before ``start`` and left out of ``start``'s list. Its ``load()`` (which KServe calls from some paths
  when a model is not ready) keeps it not ready.
"""

import argparse
import os
import threading
from typing import Dict, List, Optional, Union

import numpy as np
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer
from kserve import model_server as kserve_model_server
from kserve.errors import InvalidInput
from kserve.protocol.rest import server as kserve_rest_server


def mean_abs(row: List[float]) -> float:
    """The score of one row: mean of absolute values, summed left to right (JS computes the same)."""
    total = 0.0
    for x in row:
        total += abs(x)
    return total / len(row)


def rows_of(payload: object) -> List[List[float]]:
    """Validates a V1 body's ``instances`` as non-empty rows of numbers.

    KServe hands the body over undecoded (bytes) when its content-type is set and is not exactly one of
    its JSON types: ``application/json; charset=utf-8`` is not, so say so rather than fail obscurely.
    """
    if not isinstance(payload, dict):
        raise InvalidInput("Expected a JSON object body (KServe decodes only content-type: application/json)")
    instances = payload.get("instances")
    if not isinstance(instances, list):
        raise InvalidInput('Expected "instances" to be a list')
    if not instances:
        raise InvalidInput("Expected at least one instance")
    for row in instances:
        if not isinstance(row, list) or not row:
            raise InvalidInput("Expected each instance to be a non-empty list of numbers")
        for x in row:
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise InvalidInput("Expected each instance to be a non-empty list of numbers")
    return instances


class Scorer(Model):
    """Anomaly-style scorer: deterministic, pure Python, answers with its server id."""

    def __init__(self, name: str, server_id: str):
        super().__init__(name)
        self.server_id = server_id
        self.ready = True

    def predict(
        self,
        payload: Union[Dict, InferRequest],
        headers: Optional[Dict[str, str]] = None,
    ) -> Union[Dict, InferResponse]:
        if isinstance(payload, InferRequest):
            return self._infer_v2(payload)
        rows = rows_of(payload)
        return {"predictions": [mean_abs(row) for row in rows], "server_id": self.server_id}

    def explain(self, payload: Dict, headers: Optional[Dict[str, str]] = None) -> Dict:
        rows = rows_of(payload)
        explanations = [[abs(x) / len(row) for x in row] for row in rows]
        return {"explanations": explanations, "server_id": self.server_id}

    def _infer_v2(self, request: InferRequest) -> InferResponse:
        if len(request.inputs) != 1:
            raise InvalidInput(f"Expected exactly one input, got {len(request.inputs)}")
        tensor = request.inputs[0].as_numpy()
        if tensor.ndim != 2 or tensor.shape[1] == 0:
            raise InvalidInput(f"Expected a 2-D input of shape [rows, features], got shape {list(tensor.shape)}")
        scores = [mean_abs(row) for row in tensor.astype(np.float64).tolist()]
        output = InferOutput(name="score", shape=[len(scores)], datatype="FP32")
        output.set_data_from_numpy(np.array(scores, dtype=np.float32), binary_data=False)
        # Binary tensors in the answer when the request asks (``binary_data_output``), as KServe's servers do.
        return InferResponse(
            response_id=request.id or "",
            model_name=self.name,
            infer_outputs=[output],
            parameters={"server_id": self.server_id},
            use_binary_outputs=request.use_binary_outputs,
        )


class Raiser(Model):
    """A model whose handlers fail like a buggy model: KServe maps the KeyError to a 500."""

    def __init__(self, name: str):
        super().__init__(name)
        self.ready = True

    def predict(self, payload: object, headers: Optional[Dict[str, str]] = None) -> Dict:
        raise KeyError("instances")

    def explain(self, payload: object, headers: Optional[Dict[str, str]] = None) -> Dict:
        raise KeyError("instances")


class NotReady(Model):
    """Registered, never ready: KServe answers 503 ``Model with name NAME is not ready.``"""

    def __init__(self, name: str):
        super().__init__(name)
        self.ready = False

    def load(self) -> bool:
        return False


def bind_rest_server_to(host: str) -> None:
    """KServe's RESTServer hardcodes host 0.0.0.0: rebind its uvicorn config before it serves."""
    original_init = kserve_rest_server.RESTServer.__init__

    def init(self, *args, **kwargs):  # noqa: ANN001, ANN202
        original_init(self, *args, **kwargs)
        self.config.host = host

    kserve_rest_server.RESTServer.__init__ = init


def exit_when_stdin_closes() -> None:
    """Exits the process when stdin reaches EOF (the parent died or closed the pipe)."""

    def watch() -> None:
        # os.read on the raw fd: a daemon thread blocked in sys.stdin's BufferedReader holds its lock and
        # makes a normal interpreter shutdown (e.g. after "address already in use") abort with SIGABRT.
        while os.read(0, 4096):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-eof-watch", daemon=True).start()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(parents=[kserve_model_server.parser], description=__doc__.splitlines()[0])
    parser.add_argument("--server_id", required=True, help="Reported by scorers so tests can tell servers apart.")
    parser.add_argument("--scorer", action="append", default=[], metavar="NAME", help="Serve a scorer named NAME.")
    parser.add_argument("--raiser", action="append", default=[], metavar="NAME", help="Serve a raiser named NAME.")
    parser.add_argument(
        "--not_ready", action="append", default=[], metavar="NAME", help="Register a never-ready model named NAME."
    )
    parser.add_argument("--bind_host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--exit_on_stdin_eof", action="store_true", help="Exit when stdin closes.")
    args = parser.parse_args()
    names = args.scorer + args.raiser + args.not_ready
    if len(set(names)) != len(names):
        parser.error(f"model names must be unique, got {names}")
    if not args.scorer and not args.raiser:
        parser.error("serve at least one ready model (--scorer or --raiser)")
    return args


def main() -> None:
    args = parse_args()
    if args.exit_on_stdin_eof:
        exit_when_stdin_closes()
    bind_rest_server_to(args.bind_host)
    ready: List[Model] = [Scorer(name, args.server_id) for name in args.scorer]
    ready += [Raiser(name) for name in args.raiser]
    server = ModelServer(grace_period=2)
    for name in args.not_ready:
        server.register_model(NotReady(name))
    server.start(ready)


if __name__ == "__main__":
    main()
