import subprocess
import sys

from click.testing import CliRunner

from grader.cli import main


def test_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_help_does_not_import_sympy_or_numpy():
    code = (
        "import sys\n"
        "from grader.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sympy', 'numpy', 'pydantic') if m in sys.modules]\n"
        "print('heavy:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "heavy:"
