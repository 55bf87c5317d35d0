"""Similar cases: the training cases nearest to a case in standardized feature space, offered as references.

Under the SPC's similar-case guidance (关于统一法律适用加强类案检索的指导意见(试行), 2020) courts shall refer to
guiding cases (指导性案例) and search the People's Court Case Library; every other published case is reference
only. Each reference says which it is (``authority``) and where its source stands (``source_kind``: official,
press, law firm, secondary repost, title only), and among equally similar cases the better source comes first.

The index is an exact brute-force search over standardized float32 features: squared distances as
``|r|^2 - 2 r.q + |q|^2`` with the references' norms precomputed (one matrix-vector product per query, which measured
5x faster than scikit-learn's ``NearestNeighbors(algorithm="brute")`` on a million references, whose per-call
validation and pairwise chunks dominate a single query; trees do not help on ~50 mostly binary features), then
``argpartition`` for the nearest candidates. The references' descriptions are kept in columns (a pyarrow table), so a
million reference cases fit in well under 2 GB and a query materializes only its k hits. Similarity = 1 / (1 + RMS
distance), in (0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from features.law.schema import CriminalCase
from features.model.cases import CaseModel

# authority of a reference (most authoritative first) and where its source stands (best first)
AUTHORITY_RANK = {"guiding_case": 0, "case_library": 1, "procuratorate_guiding": 2, "published": 3}
SOURCE_KIND_RANK = {"official": 0, "press": 1, "law_firm": 2, "secondary": 3, "title_only": 4}
BINDING_AUTHORITIES = ("guiding_case",)  # courts shall refer to them (应当参照)
SIMILARITY_DIGITS = 3  # similarities equal at this precision count as equally similar
_CANDIDATE_FACTOR = 4  # a query looks at k x this many neighbours to rank equally similar ones by source
QUERY_CHUNK = 64  # not-law: queries whose distances are computed at once (a chunk x references float32 matrix)
MEMO_ROWS = 4096  # not-law: references kept as Python dicts once asked for (the first ones), per fitted index

_TEXT_COLUMNS = (
    "case_id",
    "summary",
    "court",
    "case_number",
    "source_url",
    "source_title",
    "source_kind",
    "authority",
)


def outcome_of(case: CaseModel) -> dict[str, Any]:
    """What the court decided in a reference case (months, yuan, penalty kind)."""
    if isinstance(case, CriminalCase):
        return {
            "custodial_months": case.custodial_months,
            "penalty": "imprisonment"
            if case.prison_months
            else "detention"
            if case.detention_months
            else "exempt"
            if case.exempt_from_punishment
            else "fine_only",
            "probation_months": case.probation_months,
            "fine_yuan": case.fine_yuan,
        }
    return {
        "awarded_total_yuan": case.awarded_total_yuan,
        "claimed_yuan": case.claimed_yuan,
        "apology_ordered": case.apology_ordered,
    }


def _none_if_nan(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


class SimilarCases(BaseEstimator):
    """Nearest reference cases. ``fit(feats, cases)``: feats (n_refs, n_features); ``nearest(feats, k)`` ->
    for each query row, up to k references (dicts) with their similarity, best first."""

    def __init__(self, candidate_factor: int = _CANDIDATE_FACTOR) -> None:
        self.candidate_factor = candidate_factor

    def fit(self, feats: NDArray[np.float64], cases: Sequence[CaseModel]) -> SimilarCases:
        if len(feats) != len(cases):
            raise ValueError(f"{len(feats)} feature rows for {len(cases)} reference cases")
        self.mean_ = feats.mean(axis=0) if len(feats) else np.zeros(feats.shape[1])
        scale = feats.std(axis=0) if len(feats) else np.ones(feats.shape[1])
        self.scale_ = np.where(scale > 1e-9, scale, 1.0)
        self.n_features_ = feats.shape[1]
        self.matrix_ = np.ascontiguousarray(self._standardize(feats))
        self.norms_ = np.einsum("ij,ij->i", self.matrix_, self.matrix_)
        columns: dict[str, list[Any]] = {name: [] for name in _TEXT_COLUMNS}
        years: list[int | None] = []
        outcomes: list[dict[str, Any]] = []
        for case in cases:
            columns["case_id"].append(case.case_id or "")
            columns["summary"].append(case.summary_en)
            columns["court"].append(case.court)
            columns["case_number"].append(case.case_number)
            columns["source_url"].append(case.source_url)
            columns["source_title"].append(case.source_title)
            columns["source_kind"].append(getattr(case, "source_kind", None))
            columns["authority"].append(getattr(case, "authority", None))
            years.append(case.year)
            outcomes.append(outcome_of(case))
        table = {name: pa.array(values, type=pa.string()) for name, values in columns.items()}
        table["year"] = pa.array(years, type=pa.int32())
        table["outcome"] = pa.array(outcomes)
        self.references_ = pa.table(table)
        self.rank_ = np.asarray(
            [
                AUTHORITY_RANK.get(a or "published", len(AUTHORITY_RANK)) * 10
                + SOURCE_KIND_RANK.get(k or "", len(SOURCE_KIND_RANK))
                for a, k in zip(columns["authority"], columns["source_kind"], strict=True)
            ],
            dtype=np.int64,
        )
        return self

    def __getstate__(self) -> dict[str, Any]:
        """The fitted index without the memo of references read (derivable: refilled as answers ask for them)."""
        state = dict(super().__getstate__())  # Python 3.11 hands over the live __dict__: copy before editing
        state.pop("_hit_memo", None)
        return state

    @property
    def nbytes(self) -> int:
        """The index's memory: the standardized matrix, norms, ranks and the references' columns, bytes."""
        return int(self.matrix_.nbytes + self.norms_.nbytes + self.rank_.nbytes + self.references_.nbytes)

    def _standardize(self, feats: NDArray[np.float64]) -> NDArray[np.float32]:
        return np.asarray((feats - self.mean_) / self.scale_, dtype=np.float32)

    def neighbours(self, feats: NDArray[np.float64], k: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Indices into the references and similarities, shape (n_queries, min(k, n_refs)); among equally similar
        references (``SIMILARITY_DIGITS``) the more authoritative and better-sourced one comes first."""
        n_refs = len(self.rank_)
        k = min(k, n_refs)
        if k <= 0 or len(feats) == 0:
            return np.zeros((len(feats), 0), dtype=np.int64), np.zeros((len(feats), 0))
        m = min(n_refs, k * max(1, self.candidate_factor))
        idx, dist = self._nearest(self._standardize(feats), m)
        similarity = 1.0 / (1.0 + dist / math.sqrt(self.n_features_))
        rounded = np.round(similarity, SIMILARITY_DIGITS)
        # lexsort: last key is primary -> similarity (descending), then rank, then index (stable)
        order = np.lexsort((idx, self.rank_[idx], -rounded), axis=1)[:, :k]
        rows = np.arange(len(feats))[:, None]
        return idx[rows, order].astype(np.int64), similarity[rows, order]

    def _nearest(self, z: NDArray[np.float32], m: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The ``m`` nearest references of each standardized query row and their Euclidean distances, nearest first
        (ties broken by index)."""
        idx = np.empty((len(z), m), dtype=np.int64)
        dist = np.empty((len(z), m))
        for start in range(0, len(z), QUERY_CHUNK):
            q = z[start : start + QUERY_CHUNK]
            d2 = self.norms_[None, :] - 2.0 * (q @ self.matrix_.T) + np.einsum("ij,ij->i", q, q)[:, None]
            part = (
                np.argpartition(d2, m - 1, axis=1)[:, :m]
                if m < d2.shape[1]
                else np.tile(np.arange(d2.shape[1]), (len(q), 1))
            )
            rows = np.arange(len(q))[:, None]
            order = np.lexsort((part, d2[rows, part]), axis=1)
            chosen = part[rows, order]
            idx[start : start + len(q)] = chosen
            dist[start : start + len(q)] = np.sqrt(np.maximum(d2[rows, chosen], 0.0))
        return idx, dist

    def nearest(self, feats: NDArray[np.float64], k: int = 5) -> list[list[dict[str, Any]]]:
        """For each query row, the k most similar references as answer dicts (see module docstring)."""
        idx, similarity = self.neighbours(feats, k)
        out: list[list[dict[str, Any]]] = []
        for row_idx, row_sim in zip(idx, similarity, strict=True):
            hits = self._hits([int(j) for j in row_idx])
            out.append([self._reference(hit, float(s)) for hit, s in zip(hits, row_sim, strict=True)])
        return out

    def _hits(self, rows: list[int]) -> list[dict[str, Any]]:
        """The reference columns of ``rows`` as dicts (read-only: ``_reference`` builds the answer's own). Rows read
        once are kept (up to ``MEMO_ROWS`` of them): taking a few rows of the Arrow table costs more than a
        one-case answer's distances."""
        memo: dict[int, dict[str, Any]] = self.__dict__.setdefault("_hit_memo", {})
        missing = [r for r in dict.fromkeys(rows) if r not in memo]
        fetched: dict[int, dict[str, Any]] = {}
        if missing:
            fetched = dict(zip(missing, self.references_.take(pa.array(missing)).to_pylist(), strict=True))
            for r, hit in fetched.items():
                if len(memo) >= MEMO_ROWS:
                    break
                memo[r] = hit
        return [memo[r] if r in memo else fetched[r] for r in rows]

    @staticmethod
    def _reference(hit: dict[str, Any], similarity: float) -> dict[str, Any]:
        authority = hit["authority"] or "published"
        outcome = {key: _none_if_nan(value) for key, value in (hit["outcome"] or {}).items()}
        return {
            "case_id": hit["case_id"],
            "summary": hit["summary"],
            "court": hit["court"],
            "year": hit["year"],
            "case_number": hit["case_number"],
            "outcome": outcome,
            "source_url": hit["source_url"],
            "source_title": hit["source_title"],
            "source_kind": hit["source_kind"],
            "authority": authority,
            "similarity": round(similarity, SIMILARITY_DIGITS),
            "reference_only": authority not in BINDING_AUTHORITIES,
        }
