"""The platform suite's scikit-learn model server (a KServe ClusterServingRuntime's container).

KServe's own sklearnserver package is not on PyPI, so this is ours, on kserve 0.21's own API: it loads
<model_dir>/model.joblib (a fitted classifier) and serves it as <model_name>.
  V1: POST /v1/models/<name>:predict {"instances": [[f, f, f, f], ...]} -> {"predictions": [int, ...]}
  V2: POST /v2/models/<name>/infer, one FP32 or FP64 input of shape [n, 4]
      -> one output "output-0", datatype INT64, shape [n]
Readiness: GET /v1/models/<name> and /v2/models/<name>/ready say ready once the model is loaded.
Run as: model_server.py --model_name=NAME --model_dir=/mnt/models --http_port=8080
"""

import argparse
import os
import sys

import joblib
import kserve
import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest
from kserve.utils.utils import get_predict_input, get_predict_response

MODEL_FILE = "model.joblib"


class SklearnModel(kserve.Model):
    def __init__(self, name: str, model_dir: str):
        super().__init__(name)
        self.path = os.path.join(model_dir, MODEL_FILE)
        self.model = None

    def load(self) -> bool:
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"no model to serve: {self.path} is missing")
        self.model = joblib.load(self.path)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        if isinstance(payload, InferRequest):
            datatype = payload.inputs[0].datatype if payload.inputs else None
            if datatype not in ("FP32", "FP64"):
                raise InvalidInput(f"expected one FP32 or FP64 input of shape [n, 4], got datatype {datatype}")
        try:
            labels = self.model.predict(get_predict_input(payload))
        except ValueError as e:  # wrong shape or non-numeric instances: the caller's fault
            raise InvalidInput(str(e))
        return get_predict_response(payload, np.asarray(labels, dtype=np.int64), self.name)


def main() -> None:
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    parser.add_argument("--model_dir", default="/mnt/models", help="The directory that holds model.joblib.")
    args, _ = parser.parse_known_args()
    model = SklearnModel(args.model_name, args.model_dir)
    try:
        model.load()
    except FileNotFoundError as e:
        print(f"model_server.py: {e}", file=sys.stderr)
        sys.exit(1)
    kserve.ModelServer().start([model])


if __name__ == "__main__":
    main()
