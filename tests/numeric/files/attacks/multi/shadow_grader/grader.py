"""Attack: a grader.py next to linreg.py, hoping to stand in for the grader
package (its scoring or its sandbox) wherever `import grader` runs."""

print("FAKE GRADER LOADED")


def run_code_check(*args, **kwargs):
    return "full marks"


score = 1.0
