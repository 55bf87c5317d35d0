"""Synthetic cases for scale tests only (``exposure data synth N``).

Facts are drawn from distributions shaped like the hand-coded cases (record counts log-normal around the
thousands, one to three data types, sellers and buyers, gains for about two thirds, mitigating circumstances at
their usual rates); criminal outcomes are drawn inside the legal range of the band that the statutory engine
(``features.law.statutory``, Interp. 2017) gives the drawn facts, with probation only where Criminal Law Arts. 72-74
allow it and fines of 1x-5x the gains (Interp. 2017 Art. 12). Civil rows get a claim and an award at most equal
to it.

Every row has ``synthetic: true``: :meth:`features.tables.LoadResult.for_training` leaves such rows out and
``training.pipeline.train_all`` refuses them, so the default models never learn the generator. Serving never
imports this module.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import load_law_table, statutory_band
from features.law.vocab import Band

CHUNK_ROWS = 20_000
PROVINCES = ("浙江", "广东", "江苏", "上海", "北京", "山东", "河南", "四川", "湖北", "福建", "安徽", "湖南")
# data types with the weights they are drawn with (the seed cases' most frequent ones first)
DATA_TYPES = {
    "identity": 8,
    "contact": 8,
    "address": 3,
    "whereabouts": 3,
    "financial_account": 2,
    "property": 1,
    "credit": 1,
    "communication_records": 2,
    "transaction": 2,
    "lodging": 1,
    "health": 1,
    "vehicle": 2,
    "parcel": 2,
    "education": 1,
    "employment": 1,
    "real_estate": 1,
    "account_password": 1,
    "minor_info": 1,
}
CONDUCT = {"sell": 5, "obtain_purchase": 4, "provide": 2, "steal_hack": 1, "scrape": 1, "use": 1}
VICTIMS = {
    "general_public": 6,  # not-law: a sampling weight
    "customers": 2,
    "homeowners": 1,
    "students": 1,
    "parents": 1,
    "car_owners": 1,
}
LAST_YEAR = 2024  # not-law: the latest judgment year drawn
DOWNSTREAM = {"fraud": 3, "marketing": 4, "debt_collection": 1, "other": 1}


Rng = random.Random


def _pick(rng: Rng, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _picks(rng: Rng, table: dict[str, int], k: int) -> list[str]:
    """k distinct keys, drawn with the table's weights."""
    keys, weights = list(table), list(table.values())
    out: list[str] = []
    while len(out) < min(k, len(keys)):
        key = rng.choices(keys, weights=weights)[0]
        if key not in out:
            out.append(key)
    return out


def _one_of(rng: Rng, values: tuple[Any, ...], weights: tuple[float, ...]) -> Any:
    return rng.choices(values, weights=weights)[0]


def _flag(rng: Rng, p: float, p_unknown: float = 0.2) -> bool | None:
    """True with probability p among the known ones; unknown (None) with probability p_unknown."""
    if rng.random() < p_unknown:
        return None
    return rng.random() < p


def _round_yuan(x: float, step: float = 1000.0) -> float:
    return float(max(step, round(x / step) * step))


def criminal_row(rng: Rng, case_id: str) -> dict[str, Any]:
    """One synthetic defendant: facts, then an outcome inside the legal range of the statutory band."""
    data_types = _picks(rng, DATA_TYPES, _one_of(rng, (1, 2, 3), (0.5, 0.35, 0.15)))
    records = int(max(1, round(math.exp(rng.gauss(math.log(10_000), 1.8)))))
    gains = _round_yuan(math.exp(rng.gauss(math.log(10_000), 1.5)), 100) if rng.random() < 0.65 else None
    n_defendants = _one_of(rng, (1, 2, 3, 4, 6, 10), (0.45, 0.2, 0.15, 0.1, 0.06, 0.04))
    facts: dict[str, Any] = {
        "case_id": case_id,
        "group_id": case_id,
        "proceeding": "criminal",
        "province": rng.choice(PROVINCES),
        "year": rng.randint(load_law_table().interpretation_in_force.year, LAST_YEAR),
        "records_total": records,
        "data_types": data_types,
        "victim_category": _pick(rng, VICTIMS),
        "conduct": _picks(rng, CONDUCT, _one_of(rng, (1, 2), (0.7, 0.3))),  # not-law: sampling rates
        "insider": _flag(rng, 0.12),
        "illegal_profit_yuan": gains,
        "downstream_use": _pick(rng, DOWNSTREAM) if rng.random() < 0.4 else None,  # not-law: sampling rate
        "n_defendants": n_defendants,
        "role": "sole" if n_defendants == 1 else _one_of(rng, ("principal", "accessory"), (0.55, 0.45)),
        "charge": "侵犯公民个人信息罪",
        "surrender": _flag(rng, 0.15),  # not-law: sampling rate
        "truthful_confession": _flag(rng, 0.75),
        "guilty_plea": _flag(rng, 0.6, 0.3),  # not-law: sampling rates
        "restitution": _flag(rng, 0.45, 0.3),  # not-law: sampling rates
        "recidivist": _flag(rng, 0.05, 0.3),  # not-law: sampling rates
        "synthetic": True,
    }
    if rng.random() < 0.1 and len(data_types) > 1:  # some users know the split per type
        cuts = sorted(rng.random() for _ in data_types[1:])
        shares = [b - a for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)]
        facts["records_by_type"] = {t: int(records * s) for t, s in zip(data_types, shares, strict=True)}
    case = CriminalCase.model_validate(facts)
    band = statutory_band(case, contested=False)
    facts.update(_criminal_outcome(rng, case, band.band, band.custodial_range_months, gains))
    return facts


def _criminal_outcome(
    rng: Rng, case: CriminalCase, band: Band, legal: tuple[float, float], gains: float | None
) -> dict[str, Any]:
    law = load_law_table()
    low, high = legal
    detention_low, detention_high = law.detention_months
    imprisonment_from = law.imprisonment_months[Band.serious][0]
    mitigation = sum(
        bool(x) for x in (case.surrender, case.guilty_plea, case.restitution, case.role == "accessory")
    )
    if band == Band.none or high <= 0:
        months = 0.0
    else:
        # position in the range grows with the log of the records (and gains), shrinks with mitigation
        size = math.log10(max(case.records_total or 1, 1)) / 7 + (math.log10(gains) / 14 if gains else 0.0)
        position = min(1.0, max(0.0, rng.gauss(0.25 + 0.5 * size - 0.07 * mitigation, 0.15)))  # not-law: spread
        months = round(low + position * (high - low))
        if band == Band.serious and months == 0 and rng.random() < 0.7:  # not-law: sampling rate
            months = rng.randint(int(detention_low), int(detention_high))  # detention rather than a fine alone
    out: dict[str, Any] = {"prison_months": None, "detention_months": None, "probation_months": None}
    if 0 < months < imprisonment_from:  # Criminal Law Arts. 42, 45
        out["detention_months"] = float(min(months, detention_high))
    elif months >= imprisonment_from:
        out["prison_months"] = float(months)
    p_probation = 0.4 + 0.1 * mitigation - 0.01 * months  # not-law: a synthetic rate
    if (
        0 < months <= law.probation_max_months
        and not case.recidivist
        and not case.ringleader
        and rng.random() < p_probation
    ):
        # Art. 73: at least the term, within the period for imprisonment or for criminal detention
        low_p, high_p = law.probation_period_months(imprisonment=bool(out["prison_months"]))
        out["probation_months"] = float(min(high_p, max(months, low_p) * rng.choice((1.0, 1.5, 2.0))))
    # Interp. 2017 Art. 12: a multiple of the gains; without gains, a fine growing with the term
    fine = (
        gains * rng.uniform(*law.fine_gains_multiple)
        if gains
        else 2000.0 + months * rng.lognormvariate(math.log(1500), 0.6)  # not-law: a synthetic fine
    )
    out["fine_yuan"] = _round_yuan(fine)
    return out


def civil_row(rng: Rng, case_id: str) -> dict[str, Any]:
    """One synthetic civil or public-interest judgment with a claim and an award of at most the claim."""
    public = rng.random() < 0.25
    claimed = _round_yuan(math.exp(rng.gauss(math.log(50_000), 1.6)), 100)  # not-law: a synthetic claim
    rejected = rng.random() < (0.1 if public else 0.3)
    awarded = 0.0 if rejected else _round_yuan(claimed * rng.betavariate(2.0, 4.0), 100)
    awarded = min(awarded, claimed)
    row: dict[str, Any] = {
        "case_id": case_id,
        "group_id": case_id,
        "proceeding": "public_interest" if public else "civil",
        "province": rng.choice(PROVINCES),
        "year": rng.randint(2018, LAST_YEAR),  # not-law: judgment years drawn
        "records_total": int(max(1, round(math.exp(rng.gauss(math.log(20_000), 2.5))))) if public else None,
        "data_types": _picks(rng, DATA_TYPES, _one_of(rng, (1, 2), (0.6, 0.4))),  # not-law: sampling rates
        "victim_category": _pick(rng, VICTIMS),
        "conduct": _picks(rng, CONDUCT, 1),
        "plaintiff_type": "procuratorate" if public else _one_of(rng, ("individual", "company"), (0.8, 0.2)),
        "defendant_type": _one_of(rng, ("platform", "company", "individual"), (0.3, 0.4, 0.3)),
        "claim_type": "public_interest" if public else rng.choice(("privacy", "personal_information")),
        "instance": _one_of(rng, ("first", "second"), (0.75, 0.25)),
        "claimed_yuan": claimed,
        "awarded_total_yuan": awarded,
        "apology_ordered": _flag(rng, 0.5 if not rejected else 0.0),
        "synthetic": True,
    }
    CivilCase.model_validate(row)
    return row


def synth_chunk(seed: int, start: int, count: int, civil_share: float = 0.2) -> list[dict[str, Any]]:
    """Rows ``start .. start+count-1`` of the data set of ``seed``. Each chunk of ``CHUNK_ROWS`` rows has its own
    generator, so chunks can be made in parallel and the rows are the same whatever the number of workers."""
    rows: list[dict[str, Any]] = []
    rng = Rng(f"{seed}:{start // CHUNK_ROWS}")
    for i in range(start, start + count):
        case_id = f"synth-{seed}-{i:08d}"
        rows.append(civil_row(rng, case_id) if rng.random() < civil_share else criminal_row(rng, case_id))
    return rows


def _chunk_task(args: tuple[int, int, int, float]) -> list[dict[str, Any]]:
    return synth_chunk(*args)


def synth_chunks(n: int, seed: int = 0, civil_share: float = 0.2, jobs: int = 1) -> Iterator[list[dict[str, Any]]]:
    """``n`` synthetic rows (dicts of case fields, ``synthetic: true``) in chunks, in order, deterministic for a
    seed; ``jobs`` > 1 draws chunks in that many processes."""
    tasks = [(seed, start, min(CHUNK_ROWS, n - start), civil_share) for start in range(0, n, CHUNK_ROWS)]
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield _chunk_task(task)
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        yield from pool.imap(_chunk_task, tasks)


def synth_rows(n: int, seed: int = 0, civil_share: float = 0.2) -> Iterator[dict[str, Any]]:
    for chunk in synth_chunks(n, seed, civil_share):
        yield from chunk


def arrow_schema() -> Any:
    """One table for criminal and civil rows: the union of both models' fields (``records_by_type`` as a map)."""
    import pyarrow as pa

    from training.cail import _arrow_type

    fields: dict[str, Any] = {}
    for model in (CriminalCase, CivilCase):
        for name, info in model.model_fields.items():
            fields.setdefault(name, pa.field(name, _arrow_type(info.annotation)))
    return pa.schema(list(fields.values()))


def write_synth(
    out: Path,
    n: int,
    seed: int = 0,
    civil_share: float = 0.2,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write ``n`` synthetic rows to ``out`` (.parquet, .jsonl or .csv; lists and maps as JSON text in CSV).

    Written to ``<out>.part`` and renamed when complete; returns the counts per proceeding."""
    out = Path(out)
    if out.suffix not in (".parquet", ".jsonl", ".csv"):
        raise ValueError("the output must end with .parquet, .jsonl or .csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    counts: dict[str, int] = {}
    schema = arrow_schema()
    names = schema.names
    writer: Any = None
    fh: IO[str] | None = None
    done = 0
    try:
        if out.suffix == ".parquet":
            import pyarrow.parquet as pq

            writer = pq.ParquetWriter(tmp, schema)
        else:
            fh = tmp.open("w", encoding="utf-8", newline="")
        for rows in synth_chunks(n, seed, civil_share, jobs):
            for row in rows:
                counts[row["proceeding"]] = counts.get(row["proceeding"], 0) + 1
            if writer is not None:
                import pyarrow as pa

                writer.write_table(pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows], schema))
            elif out.suffix == ".jsonl":
                assert fh is not None
                fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            else:
                import pandas as pd

                assert fh is not None
                frame = pd.DataFrame([{k: _csv_cell(r.get(k)) for k in names} for r in rows], columns=names)
                frame.to_csv(fh, index=False, header=done == 0)
            done += len(rows)
            if progress is not None:
                progress(done, n)
    except BaseException:
        if writer is not None:
            writer.close()
        if fh is not None:
            fh.close()
        tmp.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
    if fh is not None:
        fh.close()
    os.replace(tmp, out)
    return counts


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
