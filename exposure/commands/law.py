"""``exposure band``: the statutory band of one criminal case (Interp. 2017 Art. 5)."""

from __future__ import annotations

import typer

from exposure.io import fail, print_json, read_case


def band(
    source: str = typer.Argument(..., help="A case as a JSON object: a file path, or - for standard input"),
) -> None:
    """Print the statutory band, the rules that fired, the legal custodial range and probation possibility."""
    from features.law.schema import CriminalCase
    from features.law.statutory import statutory_band

    case = read_case(source)
    if not isinstance(case, CriminalCase):
        fail("the band applies to criminal cases (proceeding 'criminal'); this case is " + case.proceeding)
    print_json(statutory_band(case).model_dump(mode="json"))


def register(app: typer.Typer) -> None:
    app.command("band")(band)
