"""What every model reads of a batch: its facts, its statutory bands and its sentencing circumstances, as arrays.

A :class:`BatchColumns` is built once per batch, by one of two builders, and everything after it (the features,
the statutory baselines, the models, their intervals) is one computation over its arrays, whichever door the cases
came through:

- :func:`columns_of_cases`: validated cases and their per-case :class:`~features.law.statutory.BandResult` (the HTTP
  answer, ``exposure predict``, training);
- ``features.model.batch``: the facts of an Arrow batch validated column by column (``features.columnar``) and the
  vectorized engine (``features.law.columnar.band_columns``), with the per-case builder for the rows those do not
  cover.

Shapes: ``facts`` and ``band`` hold arrays of shape (n,); ``circumstances`` is (n, len(CIRCUMSTANCES)) with 1 for a
circumstance stated, 0 stated absent, 1/2 not stated (``features.model.adjust``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from features.law.columnar import (
    CODE_FIELDS,
    CONDUCTS,
    NOT_STATED,
    BandColumns,
    CaseFacts,
    bands_of_results,
    facts_of_cases,
    mask_of,
)
from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import BandResult, LawTable
from features.model.adjust import CIRCUMSTANCES, UNKNOWN, VULNERABLE

__all__ = [
    "SEGMENTS",
    "BatchColumns",
    "award_segment_codes",
    "award_segments",
    "circumstance_columns",
    "columns_of_cases",
    "ternary",
]

_ABSENT_FLAGS = (
    "surrender",
    "truthful_confession",
    "guilty_plea",
    "restitution",
    "attempt",
    "recidivist",
    "insider",
)


# by victim_category code + 1 (0: not stated): whether the victims are vulnerable (features.model.adjust.VULNERABLE)
_VULNERABLE_CODE = np.asarray([False, *(v in VULNERABLE for v in CODE_FIELDS["victim_category"])], dtype=bool)


def ternary(flags: NDArray[np.int8]) -> NDArray[np.float64]:
    """A circumstance as 1 (stated), 0 (stated absent) or 1/2 (not stated: unknown is not false)."""
    return np.where(flags == NOT_STATED, UNKNOWN, flags.astype(float))


def circumstance_columns(facts: CaseFacts, band: BandColumns, law: LawTable) -> NDArray[np.float64]:
    """:func:`features.model.adjust.circumstance_values` of every case, shape (n, len(CIRCUMSTANCES)). The insider
    who sells or provides data obtained in the duties (从重, Criminal Law Art. 253-1(2)) counts when the band's
    reading is the insider's; not stated, it counts half where the conduct is one the rule covers."""
    n = len(facts)
    out = np.empty((n, len(CIRCUMSTANCES)))
    role = facts.codes["role"]
    victim = facts.codes["victim_category"]
    vulnerable = _VULNERABLE_CODE[victim + 1]  # a lookup (np.isin costs more on an answer's few rows)
    selling = mask_of(sorted(law.insider_selling), CONDUCTS)
    could_sell = (facts.conduct == 0) | ((facts.conduct & selling) != 0)
    insider = facts.flags["insider"]
    for j, circumstance in enumerate(CIRCUMSTANCES):
        if circumstance.name == "accessory":
            out[:, j] = np.where(
                role == NOT_STATED, UNKNOWN, (role == CODE_FIELDS["role"].index("accessory")) * 1.0
            )
        elif circumstance.name == "vulnerable_victims":
            out[:, j] = np.where(victim == NOT_STATED, UNKNOWN, vulnerable * 1.0)
        elif circumstance.name == "insider":
            out[:, j] = np.where(
                insider == NOT_STATED, np.where(could_sell, UNKNOWN, 0.0), band.insider_rule * 1.0
            )
        else:
            out[:, j] = ternary(facts.flags[circumstance.name])
    return out


SEGMENTS = ("individual", "public_interest", "data_competition")


def award_segment_codes(facts: CaseFacts) -> NDArray[np.int64]:
    """``features.model.estimators.award_segment`` of every civil case as an index into ``SEGMENTS``: public
    interest (PIPL Art. 70), data unfair competition, or an individual's suit."""
    public = facts.code_is("proceeding", "public_interest") | facts.code_is("claim_type", "public_interest")
    competition = facts.code_is("claim_type", "data_unfair_competition")
    return np.asarray(np.where(public, 1, np.where(competition, 2, 0)), dtype=np.int64)


def award_segments(facts: CaseFacts) -> NDArray[np.object_]:
    """The kinds of suit by name (see ``award_segment_codes``)."""
    return np.asarray(np.asarray(SEGMENTS, dtype=object)[award_segment_codes(facts)], dtype=object)


@dataclass(frozen=True)
class BatchColumns:
    """A batch's facts, bands (criminal batches; None for civil ones) and circumstance matrix (criminal)."""

    facts: CaseFacts
    band: BandColumns | None = None
    circumstances: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.facts)

    def take(self, idx: Sequence[int] | NDArray[np.int_]) -> BatchColumns:
        rows = np.asarray(idx, dtype=np.int64)
        return BatchColumns(
            self.facts.take(rows),
            None if self.band is None else self.band.take(rows),
            None if self.circumstances is None else self.circumstances[rows],
        )

    @staticmethod
    def concat(parts: Sequence[BatchColumns]) -> BatchColumns:
        bands = [p.band for p in parts]
        circumstances = [p.circumstances for p in parts]
        return BatchColumns(
            CaseFacts.concat([p.facts for p in parts]),
            None if any(b is None for b in bands) else BandColumns.concat([b for b in bands if b is not None]),
            None
            if any(c is None for c in circumstances)
            else np.concatenate([c for c in circumstances if c is not None]),
        )

    @property
    def criminal_band(self) -> BandColumns:
        """The bands of an all-criminal batch (raises for a civil one)."""
        if self.band is None:
            raise TypeError("a criminal model got a civil batch")
        return self.band

    @property
    def criminal_circumstances(self) -> NDArray[np.float64]:
        if self.circumstances is None:
            raise TypeError("a criminal model got a civil batch")
        return self.circumstances

    def without_circumstances(self, law: LawTable) -> BatchColumns:
        """The batch with every sentencing circumstance stated absent (``features.model.direction.STATES``), under
        the same bands: the base a baseline's band driver is read from."""
        flags = dict(self.facts.flags)
        for name in _ABSENT_FLAGS:
            flags[name] = np.zeros(len(self), dtype=np.int8)
        codes = dict(self.facts.codes)
        codes["role"] = np.full(len(self), CODE_FIELDS["role"].index("principal"), dtype=np.int8)
        codes["victim_category"] = np.full(
            len(self), CODE_FIELDS["victim_category"].index("general_public"), dtype=np.int8
        )
        facts = replace(self.facts, flags=flags, codes=codes)
        band = self.criminal_band
        return BatchColumns(facts, band, circumstance_columns(facts, band, law))


def columns_of_cases(
    cases: Sequence[CriminalCase | CivilCase], bands: Sequence[BandResult | None], law: LawTable
) -> BatchColumns:
    """The per-case builder: the columns of validated cases and their bands (all criminal with bands, or all civil
    with None)."""
    facts = facts_of_cases(cases)
    results = [b for b in bands if b is not None]
    if len(results) != len(cases):
        return BatchColumns(facts)
    band = bands_of_results(results)
    return BatchColumns(facts, band, circumstance_columns(facts, band, law))
