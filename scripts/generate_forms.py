"""Regenerate the JSON and Excel forms of a CSV instance folder.

``python scripts/generate_forms.py`` rewrites ``instances/ebike.json`` and
``instances/ebike.xlsx`` from ``instances/ebike/``; pass other folders to do the
same for them (``<folder>.json`` and ``<folder>.xlsx`` next to each). Run it
after editing the CSV files: ``tests/test_loaders.py`` fails while the three
forms differ. ``--check`` only reports whether they do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mtosched import load_instance
from mtosched.io.instance_writer import write_instance

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = [ROOT / "instances" / "ebike"]
SUFFIXES = (".json", ".xlsx")


def forms(folder: Path) -> list[Path]:
    """The single-file forms that belong to a CSV folder."""
    return [folder.with_suffix(suffix) for suffix in SUFFIXES]


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the forms of each folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--check", action="store_true", help="only check")
    args = parser.parse_args(argv)
    stale = []
    for folder in args.folders:
        instance = load_instance(folder)
        for path in forms(folder):
            if args.check:
                if not path.exists() or load_instance(path) != instance:
                    stale.append(path)
                continue
            write_instance(instance, path)
            print(f"wrote {path}")
    for path in stale:
        print(f"{path} differs from its CSV folder; run: python {__file__}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
