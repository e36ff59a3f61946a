"""Attack: a json.py next to linreg.py; the harness writes its results with
json.dumps, so a fake one could forge a passing result."""

print("FAKE JSON LOADED")

FORGED = '{"import_error": null, "calls": [{"ok": true, "value": {"array": 0}}]}'


def dumps(*args, **kwargs):
    return FORGED


def loads(*args, **kwargs):
    return {"calls": [{"ok": True}]}
