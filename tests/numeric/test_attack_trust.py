"""Attack class 2: the child's words are not trusted.

The result bytes come from a process running student code: a forged
"set-up failed, not your fault", a blob referenced hundreds of times (memory
amplification in the grader's own, unlimited, process) and a result nested
100,000 deep (RecursionError) each end as a plain failure of that test,
never as a review "not your fault" nor an internal error of the check.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from grader.numeric import _zygote
from grader.numeric.sandbox import decode_result
from tests.numeric.conftest import (
    assert_classmates_keep_their_marks,
    attack_file,
    class_of_three,
    grade_alone,
    only_part,
    without_timings,
)

ATTACKS = ["forge_harness_error", "amplify_blobs", "deep_result"]


def _check(report: dict) -> None:
    part = only_part(report)
    assert report["score"] == 0 and part["score"] == 0
    assert not part["needs_review"], part["review_reasons"]
    text = json.dumps(report)
    assert "FORGED" not in text and "not your fault" not in text
    assert "internal error" not in text
    (check,) = part["checks"]
    (test,) = check["details"]["tests"]
    assert test["status"] == "failed", test["diagnostic"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_alone_and_twice(tmp_path, attack):
    folder = class_of_three(tmp_path, {"linreg.py": attack_file(attack)}) / "mallory"
    first = grade_alone(folder)
    _check(first)
    assert without_timings(grade_alone(folder)) == without_timings(first)


@pytest.mark.parametrize("attack", ATTACKS)
def test_in_a_class(tmp_path, attack):
    assert_classmates_keep_their_marks(tmp_path, {"linreg.py": attack_file(attack)}, _check)


def _result(value: dict, blobs: list[bytes], calls: int) -> bytes:
    header = {"import_error": None, "calls": [{"ok": True, "value": value}] * calls}
    return _zygote.pack_message(header, blobs)


def test_a_blob_is_decoded_once_however_often_it_is_named():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(1000), allow_pickle=False)
    data = _result({"seq": [{"array": 0}] * 190}, [buffer.getvalue()], calls=3)
    run = decode_result(data, 3)
    arrays = [v for call in run.calls for v in call.value if isinstance(v, np.ndarray)]
    assert len(arrays) == 1


def test_a_deep_result_is_a_bad_result_not_an_exception():
    depth = 100_000
    raw = b'{"calls": [{"ok": true, "value": ' + b"[" * depth + b"]" * depth + b"}]}"
    run = decode_result(b"GRD1" + len(raw).to_bytes(4, "little") + raw, 1)
    assert run.status == "bad_result" and run.detail == "nested too deeply"


def test_a_forged_harness_error_in_the_result_is_ignored():
    data = _zygote.pack_message({"harness_error": "FORGED", "calls": []}, [])
    assert decode_result(data, 0).status == "finished"
