"""The public face of ``grader``: every exported name resolves to the object
its module defines, and importing ``grader`` loads no heavy module."""

import importlib
import subprocess
import sys

import pytest

import grader


@pytest.mark.parametrize("name", sorted(grader._EXPORTS), ids=str)
def test_exported_name_is_the_module_object(name):
    module = importlib.import_module(grader._EXPORTS[name])
    assert getattr(grader, name) is getattr(module, name)
    assert name in dir(grader)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        grader.nope  # noqa: B018


def test_import_grader_is_light():
    code = "import sys, grader; print(sorted(m for m in ('sympy', 'numpy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
