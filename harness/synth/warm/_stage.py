"""Move a job's project into its worker's stage directory, and back.

A worker may write only its own home, which its sandbox binds, and the jsii
kernel of a Python worker resolves relative paths (assets, an explicit
`outdir`) against the working directory it started in, which nothing can
change afterwards. So the project's files move into the stage, the worker's
start directory, and the run's project path becomes a symlink to it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path

from harness.synth._launch import RunDir
from harness.synth.warm._worker import Worker

log = logging.getLogger(__name__)


def stage_project(worker: Worker, run: RunDir) -> None:
    """Make `worker.stage` hold the project of `run`, and `run.project` point at it."""
    stage = worker.stage
    real = run.project.resolve()
    if real == stage.resolve():
        return
    give_back(worker)
    _empty(stage)
    for child in list(real.iterdir()):
        shutil.move(str(child), str(stage / child.name))
    if run.project.is_symlink():
        run.project.unlink()
    else:
        run.project.rmdir()
    run.project.symlink_to(stage, target_is_directory=True)
    worker.staged_from = run.project


def give_back(worker: Worker) -> None:
    """Move the last staged project back to its run if the run still points here."""
    previous = worker.staged_from
    worker.staged_from = None
    if previous is None or not previous.is_symlink():
        return
    if previous.resolve() != worker.stage.resolve():
        return
    previous.unlink()
    previous.mkdir()
    for child in list(worker.stage.iterdir()):
        shutil.move(str(child), str(previous / child.name))


def _empty(directory: Path) -> None:
    """Remove what `directory` contains but keep the directory, a process's cwd.

    The entries are renamed into a sibling directory that a background thread
    deletes, so the next job does not wait for the deletion.
    """
    children = list(directory.iterdir())
    if not children:
        return
    trash = Path(tempfile.mkdtemp(prefix="trash-", dir=directory.parent))
    for child in children:
        child.rename(trash / child.name)
    threading.Thread(
        target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, daemon=True
    ).start()
