"""Move a Python job's project into its worker's start directory.

The jsii kernel is a node process that resolves relative paths (assets, an
explicit `outdir`) against its own working directory, which it takes from the
worker when the worker starts and which nothing can change afterwards. So
the project's files move into that directory for the job, and the run's
project path becomes a symlink to it; Python still imports the files through
the run's path, so frames and sites name the run's paths as in a cold run.
"""

from __future__ import annotations

import logging
import shutil
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
    """Remove what `directory` contains but keep the directory, a process's cwd."""
    for child in list(directory.iterdir()):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
