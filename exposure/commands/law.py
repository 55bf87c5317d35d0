"""``exposure band``: the statutory band of one criminal case (Interp. 2017), with every reading the facts allow."""

from __future__ import annotations

import json
from typing import Any

import typer

from exposure.io import fail, print_json, read_case

FRONT_WHEN_UNCERTAIN = ("band_certain", "determined", "readings", "deciding_facts", "contested")


def _readings(values: list[str]) -> dict[str, str]:
    """``--reading vehicle=A --reading biometric=C`` (or ``vehicle=A,biometric=C``) as {type: category}."""
    from features.law.table import parse_readings

    out: dict[str, str] = {}
    for value in values:
        try:
            out.update(dict(parse_readings(value)))
        except ValueError as exc:
            fail(f"--reading: {exc}")
    return out


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    """When the band is uncertain, the readings (most severe first) and what decides them come first."""
    if result["band_certain"]:
        return result
    return {**{k: result[k] for k in FRONT_WHEN_UNCERTAIN}, **result}


def _months(r: tuple[float, float] | list[float]) -> str:
    return f"{r[0]:g}-{r[1]:g} months"


def render_text(result: Any) -> str:
    """The answer in plain words: the readings lead when the band is uncertain."""
    lines: list[str] = []
    readings = result.readings
    if result.band_certain:
        lines.append(f"Band: {result.band.value} (certain on the facts given)")
    else:
        bands = " / ".join(r.band.value for r in readings)
        lines.append(
            f"Band: UNCERTAIN: {bands} (most severe first; the headline band is the lower, {result.band.value})"
        )
        lines.append(f"Decided by: {', '.join(result.deciding_facts)}")
    for i, reading in enumerate(readings, start=1):
        fine = "fine mandatory" if reading.fine_mandatory else "fine optional"
        probation = "probation possible" if reading.probation_possible else "no probation"
        extra = "; exemption possible (Art. 10)" if reading.exemption_possible else ""
        old = "; old Art. 253-1" if reading.old_law else ""
        lines.append(
            f"{i}. {reading.band.value}: {_months(reading.custodial_range_months)}, {fine}, {probation}{extra}{old}"
        )
        lines.append(f"   {reading.condition}")
        if reading.deciding_facts:
            update = json.dumps(reading.case_update, ensure_ascii=False)
            lines.append(f"   decided by: {', '.join(reading.deciding_facts)}; as a case: {update}")
        for rule in reading.rules:
            lines.append(f"   {rule.article}: {rule.text}")
    for contested in result.contested:
        lines.append(f"Contested: {contested.note}")
        lines.append(f"   {contested.other_category}: {contested.other_basis}")
    contested_notes = {c.note for c in result.contested}
    lines += [f"Note: {note}" for note in result.notes if note not in contested_notes]
    if result.law is not None:
        readings_used = ", ".join(f"{k}={v}" for k, v in result.law.readings.items())
        lines.append(f"Law table: {result.law.version}, digest {result.law.digest} (readings: {readings_used})")
    return "\n".join(lines)


def band(
    source: str = typer.Argument(..., help="A case as a JSON object: a file path, or - for standard input"),
    reading: list[str] = typer.Option(
        [],
        "--reading",
        help="A contested data-type reading, e.g. vehicle=A or identity=B (repeatable; the law table's "
        "[contested] lists the types and categories; default: EXPOSURE_LAW_READINGS, else the defaults)",
    ),
    text: bool = typer.Option(False, "--text", help="Plain words instead of JSON"),
) -> None:
    """Print the statutory band, every reading the facts allow (most severe first when uncertain), the rules that
    fired, the legal custodial range, probation and exemption possibility, contested readings, the law's digest."""
    from features.law.schema import CriminalCase
    from features.law.statutory import statutory_band
    from features.law.table import load_law_table

    chosen = _readings(reading)
    try:
        law = load_law_table(readings=chosen) if chosen else load_law_table()
    except ValueError as exc:
        fail(str(exc))
    case = read_case(source)
    if not isinstance(case, CriminalCase):
        fail("the band applies to criminal cases (proceeding 'criminal'); this case is " + case.proceeding)
    result = statutory_band(case, law)
    if text:
        typer.echo(render_text(result))
        return
    print_json(_ordered(result.model_dump(mode="json")))


def register(app: typer.Typer) -> None:
    app.command("band")(band)
