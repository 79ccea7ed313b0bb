"""Execute the analysis notebook on a results directory."""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from harness.errors import ConfigError

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks" / "failure_analysis.ipynb"
)
# ipykernel warns at every start that its loopback TCP sockets are unencrypted,
# which is the Jupyter default and no fault of the run, so only kernel errors show.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
_MISSING_ALT_TEXT = "Alternative text is missing"


def execute_notebook(
    results_dir: Path | None,
    output: Path,
    *,
    html: bool = False,
    notebook: Path = NOTEBOOK,
    timeout: int = 600,
) -> list[Path]:
    """Run `notebook` with RESULTS_DIR set and write the executed copy (and HTML).

    Raises ConfigError before starting a kernel when `results_dir` contains no
    evaluations. None makes the notebook build the bundled example run.
    """
    if results_dir is not None:
        check_results(results_dir)
    if not notebook.exists():
        raise FileNotFoundError(
            f"analysis notebook not found at {notebook}; it ships in the repository's "
            "notebooks/ folder"
        )
    nb = nbformat.read(notebook, as_version=4)
    _set_parameter(nb, results_dir)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.execute()
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output)
    written = [output]
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter(log=_html_logger()).from_notebook_node(nb)
        html_path = output.with_suffix(".html")
        html_path.write_text(body)
        written.append(html_path)
    return written


def check_results(results_dir: Path) -> None:
    """Raise ConfigError unless `results_dir/evaluations` has evaluation documents."""
    if not results_dir.is_dir():
        raise ConfigError(
            f"results directory not found: {results_dir}; pass the -o directory "
            "of `iac-harness evaluate` or `iac-harness batch`"
        )
    evaluations = results_dir / "evaluations"
    # The notebook loads only the top level of evaluations/, as results.py does.
    if not any(evaluations.glob("*.json")):
        raise ConfigError(
            f"no evaluation documents in {evaluations}; run "
            f"`iac-harness evaluate RESPONSE -o {results_dir}` or "
            f"`iac-harness batch INPUTS -o {results_dir}` first"
        )


def _html_logger() -> logging.Logger:
    """Return the HTML exporter's logger, without its warning about image alt text.

    Matplotlib figures carry no alt text, so nbconvert warns at every export.
    """
    html_logger = logging.getLogger(f"{__name__}.html")
    if not html_logger.filters:
        html_logger.addFilter(
            lambda record: not record.getMessage().startswith(_MISSING_ALT_TEXT)
        )
    return html_logger


def _set_parameter(nb: nbformat.NotebookNode, results_dir: Path | None) -> None:
    value = repr(str(results_dir.resolve())) if results_dir is not None else "None"
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = f"RESULTS_DIR = {value}  # set by iac-harness notebook"
            return
    raise ValueError(
        "the notebook has no cell tagged 'parameters' to set RESULTS_DIR in"
    )
