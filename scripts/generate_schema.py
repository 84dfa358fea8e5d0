"""Regenerate ``models/instance.schema.json`` from the pydantic ``Instance`` model.

Run ``python scripts/generate_schema.py`` after changing a table in
``src/mtosched/domain/``; ``tests/test_schema.py`` fails while the committed
file is out of date. ``--check`` only reports whether it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mtosched import Instance

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "models" / "instance.schema.json"
COMMAND = "python scripts/generate_schema.py"


def schema_text() -> str:
    """The schema of the JSON form of an instance, as committed."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Generated from mtosched.Instance by `{COMMAND}`; do not edit.",
        **Instance.model_json_schema(),
    }
    schema["title"] = "mtosched instance"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema, or with ``--check`` exit 1 when the file is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check")
    args = parser.parse_args(argv)
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    if current == schema_text():
        print(f"{SCHEMA_PATH.name} is up to date")
        return 0
    if args.check:
        print(f"{SCHEMA_PATH.name} is out of date; run: {COMMAND}")
        return 1
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
