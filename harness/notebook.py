"""Execute the analysis notebook on a results directory."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks" / "failure_analysis.ipynb"
)


def execute_notebook(
    results_dir: Path | None,
    output: Path,
    *,
    html: bool = False,
    notebook: Path = NOTEBOOK,
    timeout: int = 600,
) -> list[Path]:
    """Run `notebook` with RESULTS_DIR set and write the executed copy (and HTML)."""
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
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.execute()
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output)
    written = [output]
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        html_path = output.with_suffix(".html")
        html_path.write_text(body)
        written.append(html_path)
    return written


def _set_parameter(nb: nbformat.NotebookNode, results_dir: Path | None) -> None:
    value = repr(str(results_dir.resolve())) if results_dir is not None else "None"
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = f"RESULTS_DIR = {value}  # set by iac-harness notebook"
            return
    raise ValueError(
        "the notebook has no cell tagged 'parameters' to set RESULTS_DIR in"
    )
