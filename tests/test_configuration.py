import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _variables_read_by(path: Path) -> set[str]:
    return set(re.findall(r"""os\.(?:getenv|environ\.get)\(\s*["']([A-Z0-9_]+)["']""", path.read_text()))


def test_every_environment_variable_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text()
    read = {"DATABASE_URL"}  # read by dj-database-url
    for module in (ROOT / "mvimonitor").rglob("*.py"):
        read |= _variables_read_by(module)

    missing = sorted(name for name in read if f"`{name}`" not in documented)

    assert missing == []


def test_the_settings_module_reads_variables() -> None:
    # Guards the test above against a regex that silently matches nothing.
    assert len(_variables_read_by(ROOT / "mvimonitor" / "settings.py")) >= 10


def test_the_example_environment_lists_every_variable_the_settings_read() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, flags=re.MULTILINE))

    missing = sorted(_variables_read_by(ROOT / "mvimonitor" / "settings.py") - listed)

    assert missing == []


def test_the_example_environment_can_be_sourced_by_a_shell() -> None:
    result = subprocess.run(
        ["/bin/sh", "-c", 'set -a; . ./.env.example; set +a; echo "$MVIMONITOR_OCDS_PUBLISHER"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MVI Monitor"
