"""The committed docs/openapi.json must match the code and pass the Dutch API Design Rules linter."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "docs" / "openapi.json"
RULESET = ROOT.parent / "shared" / "data" / "adr" / "linter.yaml"
REGENERATE = (
    ".venv/bin/python manage.py spectacular --file docs/openapi.json --format openapi-json --validate --fail-on-warn"
)


def _generated() -> Any:
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    schema = generator.get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def test_committed_openapi_document_is_up_to_date() -> None:
    committed = json.loads(OPENAPI.read_text(encoding="utf-8"))

    generated = _generated()

    assert generated == committed, f"docs/openapi.json is stale; regenerate it with `{REGENERATE}`"


def test_openapi_document_is_english_whatever_the_active_language(settings: Any) -> None:
    settings.LANGUAGE_CODE = "nl"

    schema = _generated()

    nature = schema["components"]["schemas"]["NatureEnum"]
    assert nature["enum"] == ["works", "supplies", "services"]
    assert "Works" in schema["paths"]["/tenders"]["get"]["parameters"][0]["description"]


def test_openapi_document_passes_the_api_design_rules_linter() -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx is not installed; the Spectral lint of docs/openapi.json needs Node.js")
    if not (ROOT / "node_modules" / ".bin" / "spectral").exists():
        pytest.skip("node_modules has no @stoplight/spectral-cli; run `npm ci` to lint docs/openapi.json")
    if not RULESET.is_file():
        pytest.skip(f"the ADR ruleset is not present at {RULESET}; the Spectral lint needs ../shared/data/adr")

    result = subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [npx, "--no-install", "spectral", "lint", "--fail-severity=warn", "-r", str(RULESET), str(OPENAPI)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
