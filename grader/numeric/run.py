"""Grading one code check: generate inputs, run the student's function in the
sandbox, compare in the grader's process, give marks and diagnostics.

One sandbox job per test, so each test has its own time limit: an endless
loop costs that test only. All seeds of a test, its sweep and its
finite-difference calls run in that one job.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.errors import RubricError
from grader.numeric.compare import Finding, _stack, describe_value
from grader.numeric.comparison import judge_comparison
from grader.numeric.inputs import generate_inputs
from grader.numeric.properties import (
    central_difference,
    gradient_matches_differences,
    monotone_decrease,
    perturbations,
    residual_orthogonality,
)
from grader.numeric.references import References, load_references
from grader.numeric.result import CodeCheckResult, CodeTestResult, to_plain_text
from grader.numeric.sandbox import (
    Call,
    Sandbox,
    SandboxError,
    SandboxRun,
    Unsupported,
    _is_module_file,
    default_sandbox,
)
from grader.numeric.spec import CodeCheckSpec, CodeTestSpec, KeyPath
from grader.regular_files import NotARegularFile, describe_non_regular, read_regular_file

__all__ = ["run_code_check"]

MAX_SOURCE_BYTES = 500_000  # below the file-size limit the child writes it under
# The submission's other .py files go with the main file (``import helpers``),
# up to these limits; over them none go, and the result says why.
MAX_HELPER_FILES = 20
MAX_HELPER_BYTES = 1_000_000  # all of them together


def run_code_check(
    spec: CodeCheckSpec,
    submission_dir: Path,
    *,
    references: Path | None,
    sandbox: Sandbox | None = None,
) -> CodeCheckResult:
    """Grade ``spec`` against the student's file in ``submission_dir``.

    ``references`` is the references file (already resolved against the
    rubric's folder), or None when the check uses properties only. The
    grader's own failures (a broken references file) raise ``RubricError``;
    everything the student's code does is a result. Its texts are plain text
    (``to_plain_text``): the student's code controls some of them.
    """
    return to_plain_text(_grade(spec, Path(submission_dir), references=references, sandbox=sandbox))


def _grade(
    spec: CodeCheckSpec, submission_dir: Path, *, references: Path | None, sandbox: Sandbox | None
) -> CodeCheckResult:
    refs = load_references(references) if references is not None else None
    sandbox = sandbox or default_sandbox()
    result = CodeCheckResult(
        id=spec.id,
        file=spec.file,
        function=spec.function,
        tests=[],
        score=0.0,
        max_score=spec.points,
    )
    started = time.perf_counter()
    source, note, main_path = _read_student_file(Path(submission_dir), spec.file)
    if note:
        result.messages.append(note)
    if source is None:
        result.tests = [_not_run(t, note or f"{spec.file} was not submitted") for t in spec.tests]
        _flag_links(result, [note])
        return result
    helpers, left_out = _read_helper_files(main_path, spec.file)
    result.messages.extend(dict.fromkeys(left_out.values()))  # one note may cover many files
    _flag_links(result, left_out.values())
    try:
        sandbox.start()
        result.metadata.update(_isolation(sandbox, references))
    except SandboxError as exc:
        return _sandbox_failed(result, spec, str(exc))
    if result.metadata.get("references_visible"):
        result.needs_review = True
        result.review_reasons.append(
            f"the references file is readable inside the sandbox (it lives under "
            f"{result.metadata['references_visible']}); move it out of the Python directories"
        )
    for test in spec.tests:
        try:
            outcome = _run_test(spec, test, source, helpers, refs, sandbox)
            for name in outcome.withheld:
                if name + ".py" in helpers and name not in left_out:
                    left_out[name] = (
                        f"{name}.py was not given to {spec.file}: {name} is already the "
                        f"name of a module of Python, of an installed package or of the "
                        f"grader; rename your file (e.g. my_{name}.py)"
                    )
                    result.messages.append(left_out[name])
            _explain_left_out(outcome.result, left_out)
        except SandboxError as exc:
            outcome = _TestOutcome(
                CodeTestResult(
                    test.id,
                    False,
                    0.0,
                    test.marks,
                    0.0,
                    "sandbox_error",
                    "this test could not be run (not your fault); a person will look at it",
                ),
                review=f"test {test.id}: {exc}",
            )
        result.tests.append(outcome.result)
        if outcome.review:
            result.needs_review = True
            result.review_reasons.append(outcome.review)
        if outcome.printed and not result.printed:
            result.printed = outcome.printed
    result.score = round(sum(t.marks for t in result.tests), 10)
    result.metadata["seconds"] = round(time.perf_counter() - started, 4)
    return result


# ----------------------------------------------------------------- helpers
_NOT_FOLLOWED = "links are never followed; submit the file itself"


def _flag_links(result: CodeCheckResult, notes: Any) -> None:
    """A file that is a link (or another non-file) goes to a person: it may be
    an attempt to take a classmate's work or read a private file."""
    for note in notes:
        if _NOT_FOLLOWED in note and note not in result.review_reasons:
            result.needs_review = True
            result.review_reasons.append(note)


def _refused(name: str, what: str) -> str:
    return f"{name} is {what}, not a plain file: it was not read ({_NOT_FOLLOWED})"


def _read_student_file(folder: Path, filename: str) -> tuple[bytes | None, str, Path]:
    """The main file's bytes, a note, and where it was found. Nothing is read
    through a link: a main file that is one (or lies under one) is refused."""
    path = folder / filename
    note = ""
    if not os.path.lexists(path):
        matches = []
        for parent, folders, files in os.walk(folder):  # links to folders are not entered
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            matches += [Path(parent, f) for f in files if f.lower() == filename.lower()]
        if len(matches) != 1:
            return None, f"{filename} was not submitted", path
        path = matches[0]
        note = f"graded {path.relative_to(folder)} as {filename}"
    relative = path.relative_to(folder)
    for part in [*reversed(relative.parents[:-1]), relative]:
        what = describe_non_regular(folder / part) if part != relative else None
        if what is not None and what != "a folder":
            return None, _refused(str(part), what), path
    try:
        return read_regular_file(path, limit=MAX_SOURCE_BYTES), note, path
    except NotARegularFile as refused:
        return None, _refused(str(relative), refused.what), path
    except OSError as error:
        if error.errno == errno.EFBIG:
            return None, f"{filename} is too large ({path.lstat().st_size} bytes)", path
        return None, f"{filename} could not be read ({error.strerror})", path


def _read_helper_files(main_path: Path, main: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """The other ``name.py`` files next to the main file (``main_path``, graded
    as ``main``; not in subfolders), for the student's code to import; and, by
    module name, notes on the ones left out. Names that are not plain module
    names (``my-notes.py``) cannot be imported by name and are not sent; links
    are never followed."""
    main_name = Path(main).name
    found: dict[str, Path] = {}
    left_out: dict[str, str] = {}
    for path in sorted(main_path.parent.iterdir()):
        if path.name in (main_name, main_path.name) or not _is_module_file(path.name):
            continue
        what = describe_non_regular(path)
        if what is not None:
            left_out[path.stem] = f"{path.name} was not given to {main_name}: " + (
                _refused(path.name, what) if what != "a folder" else "not a plain file"
            )
            continue
        found[path.name] = path
    total = sum(path.lstat().st_size for path in found.values())
    if len(found) > MAX_HELPER_FILES or total > MAX_HELPER_BYTES:
        why = (
            f"{len(found)} other Python files (at most {MAX_HELPER_FILES})"
            if len(found) > MAX_HELPER_FILES
            else f"{total} bytes of other Python files (at most {MAX_HELPER_BYTES})"
        )
        note = (
            f"the submission has {why}, so none of them was given to {main_name}; "
            "remove the files your code does not use"
        )
        left_out.update({Path(name).stem: note for name in found})
        return {}, left_out
    helpers: dict[str, bytes] = {}
    for name, path in found.items():
        try:
            helpers[name] = read_regular_file(path, limit=MAX_HELPER_BYTES)
        except NotARegularFile as refused:  # replaced by a link since it was listed
            left_out[path.stem] = f"{name} was not given to {main_name}: " + _refused(
                name, refused.what
            )
        except OSError as error:
            left_out[path.stem] = f"{name} was not given to {main_name}: {error.strerror}"
    return helpers, left_out


def _explain_left_out(test: CodeTestResult, left_out: dict[str, str]) -> None:
    """A failure that names a file left out (``No module named 'helpers'``)
    says why it was left out."""
    if test.passed or not left_out:
        return
    for name, note in left_out.items():
        if f"'{name}'" in test.diagnostic and note not in test.diagnostic:
            test.diagnostic = f"{test.diagnostic} ({note})"
            return


def _isolation(sandbox: Sandbox, references: Path | None) -> dict[str, Any]:
    info = sandbox.info
    meta: dict[str, Any] = {
        "isolation": list(info.get("isolation", [])),
        "isolated": bool(info.get("isolated")),
        "sandbox_notes": list(info.get("notes", [])),
    }
    if references is not None and info.get("isolated"):
        ref = str(Path(references).resolve())
        for visible in info.get("visible", []):
            if ref == visible or ref.startswith(visible.rstrip("/") + "/"):
                meta["references_visible"] = visible
    elif references is not None:
        meta["sandbox_notes"].append(
            "no filesystem isolation: the student's code could read the references file"
        )
    return meta


def _not_run(test: CodeTestSpec, why: str) -> CodeTestResult:
    return CodeTestResult(test.id, False, 0.0, test.marks, 0.0, "not_run", why)


def _sandbox_failed(result: CodeCheckResult, spec: CodeCheckSpec, why: str) -> CodeCheckResult:
    result.tests = [
        CodeTestResult(
            t.id,
            False,
            0.0,
            t.marks,
            0.0,
            "sandbox_error",
            "the code could not be run (not your fault)",
        )
        for t in spec.tests
    ]
    result.needs_review = True
    result.review_reasons.append(why)
    return result


@dataclass
class _TestOutcome:
    result: CodeTestResult
    review: str = ""
    printed: str = ""
    withheld: list[str] = field(default_factory=list)  # helper modules the child did not provide


@dataclass
class _SeedPlan:
    seed: int
    inputs: dict[str, Any]
    case: str | None = None  # a fixed case's name; None: generated from the seed
    base: list[int] = field(default_factory=list)  # call indices, one per sweep value
    differences: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # property -> pairs


def _resolve(value: Any, inputs: dict[str, Any]) -> Any:
    """An input name becomes the input; ``{value: x}`` is the literal x; anything
    else is a literal."""
    if isinstance(value, dict) and set(value) == {"value"}:
        return value["value"]
    if isinstance(value, str) and value in inputs:
        return inputs[value]
    if isinstance(value, list):
        return np.asarray(value, dtype=float)
    return value


def _call_arguments(test: CodeTestSpec, inputs: dict[str, Any], args=None, kwargs=None):
    args = test.args if args is None else args
    kwargs = test.kwargs if kwargs is None else kwargs
    return (
        tuple(_resolve(a, inputs) for a in args),
        {k: _resolve(v, inputs) for k, v in kwargs.items()},
    )


def _sizes(inputs: dict[str, Any]) -> set[int]:
    return {int(n) for v in inputs.values() if isinstance(v, np.ndarray) for n in v.shape}


def _select(value: Any, path: KeyPath, label: str) -> tuple[Any, str | None]:
    for key in path:
        if isinstance(key, str):
            if not isinstance(value, dict) or key not in value:
                return (
                    None,
                    f"{label} should be a dict with the key {key!r}, not {describe_value(value)}",
                )
        elif not isinstance(value, tuple | list) or not -len(value) <= key < len(value):
            return (
                None,
                f"{label} should be a sequence with an item {key}, not {describe_value(value)}",
            )
        value = value[key]
        label = f"{label}[{key!r}]"
    return value, None


def _scalar(value: Any) -> float | None:
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        return float(value.reshape(()))
    return None


def _label(spec: CodeCheckSpec, test: CodeTestSpec) -> str:
    path = "".join(f"[{k!r}]" for k in test.output)
    return f"the result of {spec.function}{path}"


def _plan_calls(test: CodeTestSpec, refs: References | None) -> tuple[list[_SeedPlan], list[Call]]:
    plans, calls = [], []
    points = [(seed, None) for seed in test.seeds] + [(0, name) for name, _ in test.cases]
    for position, (seed, case) in enumerate(points):
        inputs = generate_inputs(test, seed, refs, index=position, case=case)
        for name in [*test.args, *test.kwargs.values()]:
            if isinstance(name, str) and name.isidentifier() and name not in inputs:
                raise RubricError(
                    f"test {test.id}: {name!r} is not an input of the test (for a literal "
                    f"string write {{value: {name}}})"
                )
        plan = _SeedPlan(seed, inputs, case)
        args, kwargs = _call_arguments(test, inputs)
        values = test.sweep[1] if test.sweep else (None,)
        for value in values:
            extra = {test.sweep[0]: value} if test.sweep else {}
            plan.base.append(len(calls))
            calls.append(Call(args, {**kwargs, **extra}))
        for index, prop in enumerate(test.properties):
            if prop.name == "finite_difference" and prop.params["of"] == "student":
                plan.differences[index] = _difference_calls(test, prop.params, inputs, calls)
        plans.append(plan)
    return plans, calls


def _difference_calls(test: CodeTestSpec, params: dict, inputs: dict, calls: list[Call]):
    wrt = params["wrt"]
    if wrt not in inputs or not isinstance(inputs[wrt], np.ndarray):
        raise RubricError(f"test {test.id}: finite_difference.wrt {wrt!r} is not an array input")
    pairs = []
    for plus, minus in perturbations(inputs[wrt], params["eps"]):
        indices = []
        for moved in (plus, minus):
            args, kwargs = _call_arguments(test, {**inputs, wrt: moved})
            indices.append(len(calls))
            calls.append(Call(args, kwargs, pick=params["loss_output"]))
        pairs.append((indices[0], indices[1]))
    return pairs


def _run_test(
    spec: CodeCheckSpec,
    test: CodeTestSpec,
    source: bytes,
    helpers: dict[str, bytes],
    refs: References | None,
    sandbox: Sandbox,
) -> _TestOutcome:
    plans, calls = _plan_calls(test, refs)
    run = sandbox.run(
        source=source,
        filename=spec.file,
        function=spec.function,
        calls=calls,
        limits=test.limits or spec.limits,
        helpers=helpers,
    )
    outcome = _judge_run(spec, test, plans, len(calls), run, refs)
    outcome.withheld = list(run.withheld)
    return outcome


def _judge_run(
    spec: CodeCheckSpec,
    test: CodeTestSpec,
    plans: list[_SeedPlan],
    n_calls: int,
    run: SandboxRun,
    refs: References | None,
) -> _TestOutcome:
    details: dict[str, Any] = {
        "seeds": list(test.seeds),
        "calls": n_calls,
        "sandbox_seconds": round(run.wall_seconds, 4),
        "cpu_seconds": round(run.cpu_seconds, 4),
    }
    printed = run.printed
    failure = _run_failure(spec, test, run)
    if failure is not None:
        status, message, review = failure
        details["sandbox_status"] = run.status
        return _TestOutcome(
            CodeTestResult(test.id, False, 0.0, test.marks, 0.0, status, message, details=details),
            review,
            printed,
        )
    first_failure, notes, passed_seeds, status = "", [], 0, "passed"
    scores: list[float] = []  # per seed or case: the share of the marks it earns
    partly, undecided = "", ""
    noted: set[str] = set()
    for plan in plans:
        findings, error = _judge_seed(spec, test, plan, run, refs)
        where = f"case {plan.case!r}: " if plan.case is not None else ""
        record = {"seed": plan.seed} if plan.case is None else {"case": plan.case}
        details.setdefault("findings", []).append(
            {**record, **{name: _finding_details(f) for name, f in findings}}
        )
        if error:
            first_failure = first_failure or where + error
            status = "error"
            scores.append(0.0)
            continue
        pairs = _findings_required(findings, test)
        required_failed = [f for (name, f), req in pairs if req and not f.passed]
        undecided = undecided or next(
            (where + f.undetermined for (_, f), req in pairs if req and f.undetermined), ""
        )
        for (name, found), req in pairs:
            if not req and not found.passed and name not in noted:
                noted.add(name)  # one note per property: the first seed that shows it
                notes.append(found.message)
        if required_failed:
            first_failure = first_failure or where + required_failed[0].message
            if status == "passed":
                status = "undetermined" if required_failed[0].undetermined else "failed"
            scores.append(0.0)
        else:
            passed_seeds += 1
            share = min([f.fraction for (_, f), req in pairs if req], default=1.0)
            if share < min(scores, default=1.0) or (share < 1.0 and not partly):
                # the feedback names the way of being right that set the marks: the lowest
                partly = where + next(f.message for (_, f), r in pairs if r and f.fraction == share)
            scores.append(share)
    fraction = sum(scores) / len(plans)
    if test.scoring == "all":
        fraction = min(scores) if passed_seeds == len(plans) else 0.0
    passed = passed_seeds == len(plans) and min(scores) >= 1.0
    diagnostic = first_failure or partly
    if first_failure and len(plans) > 1:
        kinds = {p.case is not None for p in plans}
        inputs = (
            {True: "cases", False: "generated inputs"}[kinds.pop()]
            if len(kinds) == 1
            else ("sets of inputs")
        )
        diagnostic = f"{first_failure} ({passed_seeds} of {len(plans)} {inputs} passed)"
    if not passed and test.feedback:
        diagnostic = f"{diagnostic}. {test.feedback}"
    if status == "passed" and not passed:
        status = "partial"
    marks = round(fraction * test.marks, 10)
    review = f"test {test.id}: {undecided} (a person must decide)" if undecided else ""
    return _TestOutcome(
        CodeTestResult(
            test.id,
            passed,
            fraction,
            test.marks,
            marks,
            "passed" if passed else status,
            diagnostic,
            notes,
            details,
        ),
        review,
        printed,
    )


def _finding_details(found: Finding) -> dict[str, Any]:
    """A finding in a test's details; ``fraction`` only when a pass earns less
    than all (so reports of checks without modes stay as they were)."""
    extra = {"fraction": found.fraction} if found.passed and found.fraction < 1.0 else {}
    return found.details | {"passed": found.passed} | extra


def _findings_required(findings: list[tuple[str, Finding]], test: CodeTestSpec):
    """Pair each finding with whether it counts ('shape'/'compare' always do)."""
    required = {f"property:{i}": p.required for i, p in enumerate(test.properties)}
    return [((name, f), required.get(name, True)) for name, f in findings]


def _run_failure(
    spec: CodeCheckSpec, test: CodeTestSpec, run: SandboxRun
) -> tuple[str, str, str] | None:
    """(status, message, review reason) when the job gave no usable results."""
    limits = test.limits or spec.limits
    if run.status == "timeout":
        review = ""
        message = (
            f"{spec.function} did not finish within {limits.wall_seconds:g} s "
            "(an endless loop, or far too slow?)"
        )
        if run.cpu_seconds < 0.5 * run.wall_seconds:
            review = (
                f"test {test.id} timed out while using little CPU "
                f"({run.cpu_seconds:.2f} s of {run.wall_seconds:.2f} s): sleeping, "
                "waiting, or a busy machine"
            )
        return "timeout", message, review
    if run.status == "harness_error":
        return (
            "sandbox_error",
            "this test could not be run (not your fault); a person will look at it",
            f"test {test.id}: the sandbox could not set up the child: {run.detail}",
        )
    if run.limits_broken:
        # Whatever it returned after that: a run past a limit earns nothing, as a timeout.
        return "over_limit", _over_limit_message(spec, run, limits), ""
    if run.status == "result_too_large":
        return "failed", f"{spec.function} returned far more data than expected", ""
    if run.status == "no_result":
        if _out_of_cpu_time(run, limits):
            # the same endless loop as a wall-clock timeout: which limit fires
            # first depends on how busy the machine is
            message = (
                f"{spec.function} did not finish within its {limits.cpu_seconds:g} s of CPU "
                "time (an endless loop, or far too slow?)"
            )
            return "timeout", message, ""
        return "crashed", _crash_message(spec, run, limits), ""
    if run.status == "bad_result":
        return (
            "failed",
            "the results could not be read back from your code's process (does "
            "it tamper with the interpreter or its output?)",
            "",
        )
    if run.import_error is not None:
        return (
            "error",
            f"importing {spec.file} failed: {run.import_error.describe(spec.file)}",
            "",
        )
    if run.missing_function:
        return "not_run", f"{spec.file} has no function named {spec.function}", ""
    return None


def _over_limit_message(spec: CodeCheckSpec, run: SandboxRun, limits) -> str:
    limit = run.limits_broken[0]
    went = {
        "output": f"printed more than its {limits.output_bytes} bytes of output",
        "files": (
            f"wrote more than allowed (files up to {limits.output_bytes} bytes, "
            f"{limits.disk_mb} MB in all)"
        ),
        "memory": f"used more than its {limits.memory_mb} MB of memory",
        "processes": "tried to start a process or thread (the sandbox allows none)",
    }.get(limit, f"went past its {limit} limit")
    errors = [run.import_error, *(call.error for call in run.calls)]
    where = next((e for e in errors if e is not None and e.type == "MemoryError"), None)
    if limit == "memory" and where is not None:
        went += f" ({where.describe(spec.file)})"
    return f"{spec.function} {went}: a run past a limit earns no marks for this test"


def _out_of_cpu_time(run: SandboxRun, limits) -> bool:
    return run.signal == signal.SIGXCPU or (
        run.signal == signal.SIGKILL and run.cpu_seconds >= limits.cpu_seconds
    )


def _crash_message(spec: CodeCheckSpec, run: SandboxRun, limits) -> str:
    if run.signal is not None:
        name = (
            signal.Signals(run.signal).name
            if run.signal in signal.Signals._value2member_map_
            else str(run.signal)
        )
        return f"the process running {spec.file} was killed by signal {name}"
    return (
        f"the process running {spec.file} ended before returning any result (exit code "
        f"{run.exit_code}): code must not exit the interpreter (sys.exit, os._exit)"
    )


def _judge_seed(
    spec: CodeCheckSpec,
    test: CodeTestSpec,
    plan: _SeedPlan,
    run: SandboxRun,
    refs: References | None,
) -> tuple[list[tuple[str, Finding]], str]:
    """Findings for one seed, or an error message when a call raised."""
    label = _label(spec, test)
    outputs = []
    for index in plan.base:
        outcome = run.calls[index]
        if not outcome.ok:
            where = (
                f" (with {test.sweep[0]}={_sweep_value(test, plan, index)})" if test.sweep else ""
            )
            return [], f"{spec.function} raised {outcome.error.describe(spec.file)}{where}"
        value, problem = _select(outcome.value, test.output, f"the result of {spec.function}")
        if problem:
            return [], problem
        if isinstance(value, list):
            value = _stack(value) if _stack(value) is not None else value
        outputs.append(value)
    findings: list[tuple[str, Finding]] = []
    sizes = _sizes(plan.inputs)
    if test.shape is not None:
        want = _expected_shape(test, plan.inputs)
        for value in outputs:
            if isinstance(value, Unsupported) or not isinstance(value, np.ndarray):
                findings.append(
                    ("shape", Finding(False, f"{label} is {describe_value(value)}, not an array"))
                )
                break
            if value.shape != want:
                findings.append(
                    ("shape", Finding(False, f"{label} has shape {value.shape}, expected {want}"))
                )
                break
    if test.compare is not None:
        findings.append(("compare", _compare(spec, test, plan, outputs, refs, label, sizes)))
    for index, prop in enumerate(test.properties):
        name = f"property:{index}"
        findings.append(
            (name, _property(spec, test, plan, index, prop, outputs, run, refs, label, sizes))
        )
    return findings, ""


def _sweep_value(test: CodeTestSpec, plan: _SeedPlan, index: int) -> Any:
    return test.sweep[1][plan.base.index(index)]


def _expected_shape(test: CodeTestSpec, inputs: dict[str, Any]) -> tuple[int, ...]:
    shape = []
    for item in test.shape:
        if isinstance(item, int):
            shape.append(item)
        else:
            name, _, k = item.partition(".")
            if name not in inputs or not isinstance(inputs[name], np.ndarray):
                raise RubricError(f"test {test.id}: shape refers to unknown input {name!r}")
            shape.append(int(inputs[name].shape[int(k)]))
    return tuple(shape)


def _reference_value(refs: References | None, name: str, args, kwargs) -> Any:
    if refs is None:
        raise RubricError(f"reference {name!r} needs a references file")
    return refs.call(name, *args, **kwargs)


def _compare(spec, test, plan, outputs, refs, label, sizes) -> Finding:
    compare = test.compare
    worst = Finding(True)  # over a sweep's outputs: the lowest share that passed
    for position, value in enumerate(outputs):
        if compare.args is None and compare.kwargs is None:
            args, kwargs = _call_arguments(test, plan.inputs)
            if test.sweep:
                kwargs[test.sweep[0]] = test.sweep[1][position]
        else:
            args, kwargs = _call_arguments(
                test, plan.inputs, compare.args or (), compare.kwargs or {}
            )
        expected = None  # a comparator may judge without a reference value
        if compare.reference is not None:
            expected = _reference_value(refs, compare.reference, _copy(args), _copy(kwargs))
            path = test.output if compare.output is None else compare.output
            expected, problem = _select(expected, path, f"reference {compare.reference}")
            if problem:
                raise RubricError(f"test {test.id}: {problem}")
        found = judge_comparison(
            compare,
            actual=value,
            expected=expected,
            refs=refs,
            inputs=plan.inputs,
            sizes=tuple(sizes),
            label=label,
        )
        if not found.passed:
            return found
        if found.fraction < worst.fraction:
            worst = found
    return worst


def _copy(value: Any) -> Any:
    """References get their own copies: an in-place edit must not leak into the next use."""
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value.copy() if isinstance(value, np.ndarray) else value


def _property(spec, test, plan, index, prop, outputs, run, refs, label, sizes) -> Finding:
    params = prop.params
    if prop.name == "residual_orthogonal":
        for name in (params["matrix"], params["target"]):
            if name not in plan.inputs:
                raise RubricError(
                    f"test {test.id}: residual_orthogonal refers to unknown input {name!r}"
                )
        return residual_orthogonality(
            matrix=plan.inputs[params["matrix"]],
            target=plan.inputs[params["target"]],
            solution=outputs[0],
            rtol=params["rtol"],
        )
    if prop.name == "monotone_decrease":
        losses = []
        for value in outputs:
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
                return Finding(False, f"{label} is {describe_value(value)}, not a real array")
            loss_args = [_resolve(a, plan.inputs) for a in params["loss_args"]]
            losses.append(float(_reference_value(refs, params["loss"], (value, *loss_args), {})))
        zero = np.zeros_like(outputs[0], dtype=float)
        loss_args = [_resolve(a, plan.inputs) for a in params["loss_args"]]
        baseline = float(_reference_value(refs, params["loss"], (zero, *loss_args), {}))
        labels = [f"{test.sweep[0]}={v}" for v in test.sweep[1]]
        return monotone_decrease(
            losses,
            baseline=baseline,
            min_decrease=params["min_decrease"],
            tolerance=params["tolerance"],
            labels=labels,
        )
    # finite_difference
    wrt = params["wrt"]
    if params["of"] == "student":
        plus, minus = [], []
        for plus_index, minus_index in plan.differences[index]:
            values = []
            for call_index in (plus_index, minus_index):
                outcome = run.calls[call_index]
                if not outcome.ok:
                    return Finding(
                        False,
                        f"{spec.function} raised "
                        f"{outcome.error.describe(spec.file)} on a nearby input",
                    )
                path = () if outcome.picked else params["loss_output"]
                value, problem = _select(outcome.value, path, f"the result of {spec.function}")
                scalar = _scalar(value) if problem is None else None
                if scalar is None:
                    return Finding(False, problem or "the loss is not a single number")
                values.append(scalar)
            plus.append(values[0])
            minus.append(values[1])
        of = f"your own {'loss' if params['loss_output'] else spec.function}"
    else:
        plus, minus = [], []
        for moved_plus, moved_minus in perturbations(plan.inputs[wrt], params["eps"]):
            for moved, bucket in ((moved_plus, plus), (moved_minus, minus)):
                moved_args, moved_kwargs = _call_arguments(test, {**plan.inputs, wrt: moved})
                value = _reference_value(refs, params["of"], moved_args, moved_kwargs)
                value, problem = _select(value, params["loss_output"], f"reference {params['of']}")
                if problem:
                    raise RubricError(f"test {test.id}: {problem}")
                bucket.append(float(np.asarray(value).reshape(())))
        of = "the loss"
    shape = np.shape(plan.inputs[wrt])
    numerical = central_difference(plus, minus, params["eps"], shape)
    return gradient_matches_differences(
        gradient=outputs[0],
        numerical=numerical,
        rtol=params["rtol"],
        atol=params["atol"],
        sizes=sizes,
        label=label,
        of=of,
    )
