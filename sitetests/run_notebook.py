"""Run one notebook top to bottom in a kernel of the interpreter running this script.

Usage (from the notebook's folder, with the fresh venv's python)::

    python run_notebook.py example.ipynb

Exits 0 when every cell ran, 1 when a cell raised (the traceback is printed), 2 when the
kernel was not this interpreter's (so the run would not have tested the fresh venv).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(path: Path) -> int:
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        print(exc, file=sys.stderr)
        return 1
    prefix = "".join(o.get("text", "") for o in notebook.cells[-1].outputs).strip()
    if Path(prefix).resolve() != Path(sys.prefix).resolve():
        print(
            f"the kernel ran in {prefix!r}, not in this venv {sys.prefix!r}",
            file=sys.stderr,
        )
        return 2
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    said = "".join(
        o.get("text", "") for o in first.outputs if o.get("output_type") == "stream"
    )
    print(
        f"first code cell printed:\n{said}"
        if said.strip()
        else "first code cell printed nothing"
    )
    print(f"{path.name}: {len(notebook.cells) - 1} cells ran in {sys.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
