"""Drives a server with the kserve package's own InferenceRESTClient, unmodified, and prints what it got.

Run with the venv made by setup.sh:

    .venv/bin/python rest_client.py BASE_URL SCORER NOT_READY UNKNOWN

It makes the calls below against BASE_URL (a KServe model server, or modelgate in front of one) and prints
one JSON object: for each call, what the client returned (``value``), or the HTTP status it raised on
(``status``). SCORER is a scorer model (see model_server.py), NOT_READY a model that is not ready, UNKNOWN a
name the server does not have. The same run against KServe itself and against modelgate must print the same.
"""

import asyncio
import json
import sys

import httpx
import numpy as np
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig

ROWS = [[1.0, -2.0], [3.0, -4.0]]


def v2_request(model: str, binary: bool) -> InferRequest:
    """One FP32 input of shape [2, 2]; with ``binary``, the input and the output as binary tensors."""
    tensor = InferInput(name="x", shape=[2, 2], datatype="FP32")
    tensor.set_data_from_numpy(np.array(ROWS, dtype=np.float32), binary_data=binary)
    parameters = {"binary_data_output": True} if binary else None
    return InferRequest(model_name=model, infer_inputs=[tensor], request_id="r1", parameters=parameters)


def v2_outputs(response) -> list:
    """The outputs of a V2 answer as plain values: name, shape, datatype and the data, decoded."""
    return [
        {"name": o.name, "shape": list(o.shape), "datatype": o.datatype, "data": o.as_numpy().tolist()}
        for o in response.outputs
    ]


async def outcome(call) -> dict:
    """What the client returned, or the status of the HTTP error it raised."""
    try:
        return {"value": await call}
    except httpx.HTTPStatusError as error:
        return {"status": error.response.status_code}


async def main(base: str, scorer: str, not_ready: str, unknown: str) -> None:
    v1 = InferenceRESTClient(RESTConfig(protocol="v1", timeout=20))
    v2 = InferenceRESTClient(RESTConfig(protocol="v2", timeout=20))
    v1_body = {"instances": ROWS}

    async def infer_v2(model: str, binary: bool):
        headers: dict = {}
        response = await v2.infer(base, v2_request(model, binary), model_name=model, response_headers=headers)
        # The JSON part's length is sent only with an answer that carries binary tensors.
        binary_answer = "inference-header-content-length" in headers
        return {"model_name": response.model_name, "outputs": v2_outputs(response), "binary answer": binary_answer}

    results = {
        "v1 model ready": await outcome(v1.is_model_ready(base, scorer)),
        "v1 model not ready": await outcome(v1.is_model_ready(base, not_ready)),
        "v1 predict": await outcome(v1.infer(base, v1_body, model_name=scorer)),
        "v1 explain": await outcome(v1.explain(base, scorer, v1_body)),
        "v1 predict, unknown model": await outcome(v1.infer(base, v1_body, model_name=unknown)),
        "v2 server live": await outcome(v2.is_server_live(base)),
        "v2 server ready": await outcome(v2.is_server_ready(base)),
        "v2 model ready": await outcome(v2.is_model_ready(base, scorer)),
        "v2 model not ready": await outcome(v2.is_model_ready(base, not_ready)),
        "v2 infer": await outcome(infer_v2(scorer, binary=False)),
        "v2 infer, binary tensors": await outcome(infer_v2(scorer, binary=True)),
        "v2 infer, unknown model": await outcome(infer_v2(unknown, binary=False)),
    }
    await v1.close()
    await v2.close()
    print(json.dumps(results))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: rest_client.py BASE_URL SCORER NOT_READY UNKNOWN")
    asyncio.run(main(*sys.argv[1:]))
