"""The staged pipeline: intake, then one handler per stage (verify, submit, confirm).

Each handler returns Ok, Done, Retry (backoff with jitter) or Abort (a named reason); each
stage runs in its own :class:`~quiltkit_relayer.pipeline.worker.Worker` thread.
"""

from quiltkit_relayer.pipeline.confirm import ConfirmStage
from quiltkit_relayer.pipeline.context import Context, NonceManager
from quiltkit_relayer.pipeline.intake import accept
from quiltkit_relayer.pipeline.submit import SubmitStage
from quiltkit_relayer.pipeline.verify import VerifyStage
from quiltkit_relayer.pipeline.worker import Worker
from quiltkit_relayer.results import Abort, Done, Ok, Retry, backoff

__all__ = [
    "Abort",
    "ConfirmStage",
    "Context",
    "Done",
    "NonceManager",
    "Ok",
    "Retry",
    "SubmitStage",
    "VerifyStage",
    "Worker",
    "accept",
    "backoff",
]
