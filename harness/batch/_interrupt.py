"""Stop a batch cleanly on SIGINT or SIGTERM.

Python ends on SIGTERM without unwinding, so the pool would never stop its
workers and they would finish their responses as orphans. While a batch runs,
SIGTERM raises an exception instead, the pool's cleanup kills the workers, and
the caller gets BatchInterrupted with what was kept and how to continue.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from harness.batch._record import BatchProgress
from harness.errors import HarnessError


class BatchInterrupted(HarnessError):
    """A batch stopped by SIGINT or SIGTERM; `exit_code` is 128 plus the signal number."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class _SignalReceived(BaseException):
    """Raised by the SIGTERM handler; a BaseException so that no handler swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# The exceptions that SIGINT and, inside `raise_on_signals`, SIGTERM raise.
STOP_EXCEPTIONS: tuple[type[BaseException], ...] = (KeyboardInterrupt, _SignalReceived)


def _raise_signal(signum: int, frame: FrameType | None) -> None:
    raise _SignalReceived(signum)


@contextmanager
def raise_on_signals() -> Iterator[None]:
    """Make SIGTERM raise inside the block, as SIGINT raises KeyboardInterrupt.

    Only the main thread can set signal handlers, so elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted(
    error: BaseException, progress: BatchProgress | None, run_dir: Path
) -> BatchInterrupted:
    """Return the BatchInterrupted for a KeyboardInterrupt or a received SIGTERM."""
    signum = getattr(error, "signum", signal.SIGINT)
    stopped = f"the batch was stopped by {signal.Signals(signum).name}"
    if progress is None or progress.done == 0:
        return BatchInterrupted(
            f"{stopped} before any response finished; rerun the same command "
            "to start again",
            signum,
        )
    finished = progress.done
    if finished == progress.total:
        return BatchInterrupted(
            f"{stopped} after all {finished} responses finished, before the tables "
            f"and the summary were written; rerun the same command with --resume to "
            "write them from the kept results",
            signum,
        )
    return BatchInterrupted(
        f"{stopped} after {finished} of {progress.total} responses; their results "
        f"are kept in {run_dir}, so rerun the same command with --resume to "
        "evaluate the rest",
        signum,
    )
