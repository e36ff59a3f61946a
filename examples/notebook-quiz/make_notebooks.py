"""Writes class/ann.ipynb and class/bob.ipynb, the walkthrough's notebooks
(run from this folder: python make_notebooks.py; needs nbformat)."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ANN = [
    new_markdown_cell("# Quiz 3\n\nAnn Lee"),
    new_markdown_cell("## Q1\n\n**(a)** $$\\frac{d}{dx}(x^3 - 2x) = 3x^2 - 2$$"),
    new_markdown_cell(
        "**(b)** Squaring penalises large errors more than small ones, "
        "and every squared error is positive."
    ),
    new_code_cell(
        "import numpy as np\n\n\ndef mse(y, y_hat):\n    return np.mean((y - y_hat) ** 2)"
    ),
]

BOB = [
    new_markdown_cell("# Quiz 3\n\nBob Ray"),
    new_markdown_cell("## Q1\n\n**(a)**\n\n$$3x^3 - 2$$"),
    new_markdown_cell("**(b)** It penalises large errors."),
    new_code_cell("import matplotlib.pyplot as plt\nimport numpy as np"),
    new_code_cell("def mse(y, y_hat):\n    return np.mean(np.abs(y - y_hat))"),
    new_code_cell('y = np.load("train.npy")\nplt.plot(y)\nprint(mse(y, 0 * y))'),
]

for name, cells in (("ann", ANN), ("bob", BOB)):
    for number, cell in enumerate(cells, start=1):
        cell.id = f"{name}-{number}"  # stable ids: the same file on every run
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(notebook, f"class/{name}.ipynb")
