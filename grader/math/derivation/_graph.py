"""The context's definitions as a computation graph, built once per context (with
its partials derived, under the time limit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.math.calculus import Evaluator, Graph, context_key, graph_for

if TYPE_CHECKING:
    from grader.math.derivation._checker import Checker


_GRAPHS: dict[Any, tuple[Graph, Evaluator]] = {}


def graph_and_evaluator(context: Any) -> tuple[Graph, Evaluator]:
    """One graph (with its derived partials) and one set of points per context."""
    key = context_key(context)
    found = _GRAPHS.get(key) if key is not None else None
    if found is None:
        graph = graph_for(context)
        found = (graph, Evaluator(graph))
        if key is not None:
            if len(_GRAPHS) > 32:
                _GRAPHS.clear()
            _GRAPHS[key] = found
    return found


def prepare_truths(checker: Checker, time_limit: float | None) -> None:
    """Derive every partial of the graph's sinks once per context (bounded).

    The graph is shared by every check with the same context, so this runs
    once per question in batch grading. If it runs out of time, partials are
    derived lazily, step by step, each under the step's limit.
    """
    from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

    graph = checker.graph
    if not graph.definitions or getattr(graph, "prepared", False):
        return
    try:
        if time_limit is None:
            derived = _derive_all(graph)
        else:
            derived = run_with_time_limit(_derive_all, graph, seconds=time_limit)
        graph._partials.update(derived)
    except (TimeLimitExceeded, WorkerCrashed):
        pass
    graph.prepared = True


def _derive_all(graph: Graph) -> dict:
    for sink in [name for name in graph.definitions if graph.is_sink(name)]:
        for name in graph.symbols:
            if name != sink and graph.depends_on(sink, name):
                try:
                    graph.partial(sink, name)
                except (TypeError, ValueError, AttributeError, NotImplementedError):
                    continue
    for node in graph.definitions:
        for used in graph.uses(node):
            if graph._all_scalar(node, used):
                graph.local(node, used)
    return dict(graph._partials)
