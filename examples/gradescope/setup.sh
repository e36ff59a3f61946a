#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs grader into a virtual environment from the wheel shipped in the
# autograder zip (see README.md: build it with `pip wheel --no-deps`).
set -euo pipefail
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet /autograder/source/grader-*.whl
# Fail the build now, not at the first submission, if the rubric is broken.
/autograder/venv/bin/grader validate /autograder/source/rubric/rubric.yaml
