"""Write notebooks/failure_analysis.ipynb (without outputs) from the cell sources below.

Run it after changing a cell, then execute the notebook to store its outputs:
`jupyter nbconvert --to notebook --execute --inplace failure_analysis.ipynb`.
"""
from pathlib import Path

import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
code = lambda s, tags=None: cells.append(
    nbf.v4.new_code_cell(s.strip(), metadata={"tags": tags} if tags else {})
)

md("""
# Failure analysis of evaluated responses

This notebook reads a results directory written by `iac-harness evaluate` or
`iac-harness batch` and shows the scores, the failures by severity, the
item-by-response verdicts, the detection matrix, the template diff, the
deployability findings and the regenerated failure-analysis report.

By default it reads the bundled run in `results/` at the top of the
repository and makes that run first if it is missing. Set `RESULTS_DIR` in the
next cell (or run `iac-harness notebook RESULTS_DIR`) to analyse another run.
""")
code("""
RESULTS_DIR = None  # a results directory; None means the bundled run
""", tags=["parameters"])
code("""
import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from harness.notebook_support import (
    SEVERITY_COLORS,
    STATUS_CODES,
    STATUS_COLORS,
    ensure_results,
    load_run,
)

matplotlib.rcParams.update({"figure.dpi": 80, "font.size": 10, "svg.hashsalt": "iac-harness"})
pd.set_option("display.max_colwidth", 80)
pd.set_option("display.width", 120)

results_dir = ensure_results(RESULTS_DIR)
run = load_run(results_dir)
print(f"{len(run.evaluations)} evaluated responses, task {run.task.id}")
""")
md("## Scores per response")
code("""
scores = run.scores[["response_id", "outcome", "score", "deploy_score", "failed_critical",
                     "failed_high", "failed_medium", "errors", "error_class"]]
scores
""")
md("## Failures by severity")
code("""
failed = run.findings[run.findings["status"] == "fail"]
by_severity = (
    failed.groupby(["response_id", "severity"]).size().unstack(fill_value=0)
    .reindex(columns=[s for s in SEVERITY_COLORS if s in set(failed["severity"])], fill_value=0)
    .reindex(sorted(run.scores["response_id"]), fill_value=0)
)
fig, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * len(by_severity)))
by_severity.plot.barh(stacked=True, ax=ax, color=[SEVERITY_COLORS[s] for s in by_severity.columns])
ax.set_xlabel("failed taxonomy items")
ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
ax.set_ylabel("response")
ax.set_title("Failed items by severity")
ax.legend(title="severity", bbox_to_anchor=(1.01, 1), loc="upper left")
fig.tight_layout()
by_severity
""")
md("## Item x response verdicts")
code("""
matrix = run.findings.pivot(index="response_id", columns="item", values="status")
matrix = matrix.reindex(columns=sorted(matrix.columns, key=int))
codes = matrix.replace(STATUS_CODES).astype(float)
fig, ax = plt.subplots(figsize=(9, 0.8 + 0.45 * len(matrix)))
cmap = matplotlib.colors.ListedColormap([STATUS_COLORS[s] for s in STATUS_CODES])
ax.imshow(codes.values, cmap=cmap, vmin=-0.5, vmax=len(STATUS_CODES) - 0.5, aspect="auto")
ax.set_xticks(range(len(matrix.columns)), labels=matrix.columns)
ax.set_yticks(range(len(matrix.index)), labels=matrix.index)
ax.set_xlabel("taxonomy item")
ax.set_ylabel("response")
ax.set_title("Verdict per item")
handles = [matplotlib.patches.Patch(color=STATUS_COLORS[s], label=s) for s in STATUS_CODES]
ax.legend(handles=handles, bbox_to_anchor=(1.01, 1), loc="upper left")
fig.tight_layout()
matrix
""")
md("""
## Detection matrix

Each row is a copy of the ideal with one taxonomy flaw injected; a cell marks
an item that failed on it. A row is exact when exactly the injected item and
its documented consequences fail.
""")
code("""
detection = run.detection
if detection is None:
    print("no detection.json in this results directory (iac-harness detect --json writes it)")
else:
    rows = []
    for row in detection["rows"]:
        rows.append({"flaw": row["flaw"], "expected": ",".join(row["expected"]),
                     "fired": ",".join(row["fired"]), "exact": row["exact"]})
    print(f"exact for {sum(r['exact'] for r in rows)} of {len(rows)} flaws")
    display(pd.DataFrame(rows).set_index("flaw"))
""")
md("## Template diff against the ideal")
code("""
run.diff_summary
""")
code("""
unexplained = run.unexplained
print(f"{len(unexplained)} unexplained diff entries")
unexplained
""")
md("## Deployability findings")
code("""
run.deploy[["response_id", "source", "rule", "level", "logical_id", "message"]]
""")
md("## Regenerated failure-analysis report")
code("""
report = run.report_text()
display(Markdown(report) if report else Markdown("_no report in this results directory_"))
""")
md("## Across the batch")
code("""
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(run.scores["score"].dropna(), bins=range(0, 105, 5), color="#4c72b0", edgecolor="white")
ax.set_xlabel("score (0-100)")
ax.set_ylabel("responses")
ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
ax.set_title("Score distribution")
fig.tight_layout()
most_failed = (
    failed.groupby(["item", "slug", "severity"]).size().rename("failures").reset_index()
    .sort_values(["failures", "item"], ascending=[False, True], key=lambda c: c if c.name != "item" else c.astype(int))
    .reset_index(drop=True)
)
most_failed.head(10)
""")

nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbf.write(nb, Path(__file__).resolve().parent / "failure_analysis.ipynb")
