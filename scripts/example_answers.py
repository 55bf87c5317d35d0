"""Write ``serving/example_answers.json``: the answers the OpenAPI document shows, asked of the service itself.

Every request of :data:`serving.examples.SHOWN` is sent to the app (in process, with its lifespan, so the champions
are loaded from the registry as when serving) and the answer cut by :func:`serving.examples.shown`. Use the
champions the tests train (``tests/conftest.py``, ``trained_home``), so that ``tests/test_serving.py`` finds the
same answers::

    export EXPOSURE_HOME=$(mktemp -d)
    exposure train --repeats 1 --family baseline --family ridge --family logistic
    python scripts/example_answers.py            # writes serving/example_answers.json
    python scripts/example_answers.py --check    # exit 1 when the file is not what the service answers

Nothing is logged but the names of the answers written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from fastapi.testclient import TestClient

from serving import examples
from serving.app import create_app


def answers() -> dict[str, dict[str, Any]]:
    """Every shown answer, in the order of ``SHOWN``, as the service gives it now (status 200 each, else exit)."""
    out: dict[str, dict[str, Any]] = {}
    os.environ.pop("EXPOSURE_API_KEYS", None)
    with TestClient(create_app()) as client:
        for name, (path, body) in examples.SHOWN.items():
            r = client.post(path, json=body)
            if r.status_code != 200:
                sys.exit(f"{name}: POST {path} answered {r.status_code}: {r.text[:300]}")
            out[name] = examples.shown(name, r.json())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args()
    text = json.dumps(answers(), ensure_ascii=False, indent=1) + "\n"
    if args.check:
        if examples.ANSWERS_FILE.read_text(encoding="utf-8") != text:
            sys.exit(f"{examples.ANSWERS_FILE} is not what the service answers: run scripts/example_answers.py")
        print(f"{examples.ANSWERS_FILE}: as the service answers")
        return
    examples.ANSWERS_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {examples.ANSWERS_FILE}: {', '.join(examples.SHOWN)}")


if __name__ == "__main__":
    main()
