"""Training end to end: grouped CV without leakage, metrics, MLflow runs, registry champion, gating, predict CLI."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow import MlflowClient

from features.law.schema import CriminalCase
from features.law.statutory import statutory_band
from features.store import TARGETS
from features.tables import CaseModel, load_seeds
from training import metrics
from training.pipeline import TargetOutcome, TrainConfig, train_all
from training.splits import RepeatedGroupKFold
from training.targets import target_data

pytestmark = pytest.mark.slow
FAMILIES = ["baseline", "ridge", "forest", "logistic"]
Store = tuple[Path, list[TargetOutcome], list[CaseModel]]  # (home, outcomes, cases)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Train every target (small config) into a fresh sqlite MLflow store; yields (home, outcomes, cases)."""
    home = tmp_path_factory.mktemp("exposure-home")
    old = {k: os.environ.get(k) for k in ("EXPOSURE_HOME", "MLFLOW_TRACKING_URI")}
    os.environ["EXPOSURE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    cases = load_seeds().for_training().cases
    outcomes = train_all(cases, TrainConfig(families=FAMILIES, n_repeats=1, n_splits=4))
    yield home, outcomes, cases
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_grouped_splits_never_straddle_and_are_identical_across_calls() -> None:
    cases = load_seeds().for_training().cases
    data = target_data(cases, "custodial_months")
    splitter = RepeatedGroupKFold(n_splits=5, n_repeats=3, random_state=7)
    first = [(r, tuple(tr), tuple(te)) for r, tr, te in splitter.split(data.groups)]
    second = [(r, tuple(tr), tuple(te)) for r, tr, te in splitter.split(data.groups)]
    assert first == second  # identical splits for every family
    seen_test: dict[int, set[int]] = {0: set(), 1: set(), 2: set()}
    for repeat, train_idx, test_idx in first:
        train_groups = {data.groups[i] for i in train_idx}
        test_groups = {data.groups[i] for i in test_idx}
        assert not train_groups & test_groups, "co-defendants straddle train and test"
        seen_test[repeat] |= set(test_idx)
    for repeat in seen_test:
        assert seen_test[repeat] == set(range(len(data)))  # every row tested once per repeat
    # repeats shuffle differently
    assert [te for r, _, te in first if r == 0] != [te for r, _, te in first if r == 1]
    # co-defendant groups really exist in the seed data, so the test above has teeth
    assert len(set(data.groups)) < len(data.groups)


def test_metrics_match_hand_computed_values() -> None:
    y, pred = np.array([12.0, 36.0]), np.array([12.0, 18.0])
    v = abs(math.log(37) - math.log(19))
    assert metrics.lawbench_score(y, pred) == pytest.approx(1 - (0 + v) / 2 / math.log(216))
    assert metrics.cail_bucket_score(y, pred) == pytest.approx((1.0 + 0.4) / 2)  # v = ln(37/19) = 0.667 -> 0.4
    assert metrics.winkler([10.0], [12.0], [20.0], 0.8) == pytest.approx(8 + 2 / 0.2 * 2)
    assert metrics.coverage([1, 5, 9], [0, 6, 8], [2, 7, 10]) == pytest.approx(2 / 3)
    assert metrics.brier([1, 0], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)


def test_cail_bucket_boundaries() -> None:
    def score_for(v: float) -> float:
        return metrics.cail_bucket_score([math.exp(v) - 1], [0.0])

    assert score_for(0.19) == 1.0
    assert score_for(0.39) == 0.8
    assert score_for(0.59) == 0.6
    assert score_for(0.79) == 0.4
    assert score_for(0.99) == 0.2
    assert score_for(1.01) == 0.0


def test_every_target_has_a_registered_champion(store: Store) -> None:
    home, outcomes, _ = store
    assert [o.target for o in outcomes] == list(TARGETS)
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    for outcome in outcomes:
        assert outcome.promoted and outcome.reason.startswith(
            f"promoted {outcome.best_family} as the first champion"
        )
        version = client.get_model_version_by_alias(f"exposure-{outcome.target}", "champion")
        assert version.run_id is not None
        run = client.get_run(version.run_id)
        assert run.data.params["family"] == outcome.best_family
        assert run.data.tags["promotion"] == outcome.reason
        # the run logged metrics, dataset, plots and model card
        metric = outcome.primary_metric
        best = min(outcome.results, key=lambda r: r.metrics[metric])
        assert run.data.metrics[metric] == pytest.approx(best.metrics[metric])
        assert run.inputs is not None
        assert run.inputs.dataset_inputs and run.inputs.dataset_inputs[0].dataset.digest
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "report")}
        assert {"report/model_card.md", "report/predicted_vs_actual.png"} <= artifacts
        card = Path(client.download_artifacts(run.info.run_id, "report/model_card.md")).read_text()
        assert "Non-binding" in card and metric in card


def test_learned_model_beats_statutory_baseline_on_custodial(store: Store) -> None:
    _, outcomes, _ = store
    custodial = next(o for o in outcomes if o.target == "custodial_months")
    by_family = {r.family: r.metrics["mae_months"] for r in custodial.results}
    assert custodial.best_family != "baseline"
    assert by_family[custodial.best_family] < by_family["baseline"]


def test_champion_reloads_through_registry_and_respects_the_law(store: Store) -> None:
    home, _, cases = store
    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model("models:/exposure-custodial_months@champion")
    criminal = [c for c in cases if isinstance(c, CriminalCase)][:25]
    from features.model.cases import cases_to_frame

    frame = cases_to_frame(criminal)
    out = model.predict(frame)
    assert len(out) == len(criminal) and out["error"].isna().all()
    for case, row in zip(criminal, out.to_dict(orient="records"), strict=True):
        low_legal, high_legal = statutory_band(case).custodial_range_months
        assert 0.0 <= row["low"] <= row["point"] <= row["high"] <= high_legal + 1e-6  # low: Art. 63 floor
        assert low_legal - 1e-6 <= row["point"]
        assert 0.0 <= row["p_le_36_months"] <= 1.0
        assert row["level"] == 0.8
        assert row["case_id"] == case.case_id


def test_pyfunc_reports_bad_rows_without_failing_the_batch(store: Store) -> None:
    home, _, _ = store
    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model("models:/exposure-fine_yuan@champion")
    import pandas as pd

    frame = pd.DataFrame(
        [
            {"case_id": "good", "records_total": 6000, "data_types": ["identity"], "illegal_profit_yuan": 8000.0},
            {"case_id": "bad", "records_total": -5, "data_types": ["identity"], "illegal_profit_yuan": None},
        ]
    )
    out = model.predict(frame)
    assert pd.isna(out.loc[0, "error"]) and out.loc[0, "point"] > 0
    assert "records_total" in out.loc[1, "error"] and "-5" not in out.loc[1, "error"]
    assert math.isnan(out.loc[1, "point"])


def test_retraining_on_same_splits_does_not_promote_an_equal_model(store: Store) -> None:
    home, first, cases = store
    again = train_all(cases, TrainConfig(targets=["custodial_months"], families=FAMILIES, n_repeats=1, n_splits=4))
    outcome = again[0]
    assert not outcome.promoted
    assert (
        outcome.reason.startswith(f"kept champion v{first[0].version} (") and "does not beat its" in outcome.reason
    )
    assert outcome.reason.endswith("on the same splits")
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    version = client.get_model_version_by_alias("exposure-custodial_months", "champion")
    assert str(version.version) == first[0].version  # champion kept


def test_predict_cli_prints_one_line_per_case_in_order(store: Store, tmp_path: Path) -> None:
    home, _, _ = store
    exe = shutil.which("exposure", path=str(Path(sys.executable).parent))
    assert exe, "the exposure console script is not installed in this environment"
    lines = [
        {"case_id": "a", "records_total": 300, "data_types": ["lodging"], "insider": True, "conduct": ["sell"]},
        {"case_id": "b", "records_total": 3, "data_typez": ["identity"]},
        {"case_id": "c", "proceeding": "civil", "claimed_yuan": 50000, "claim_type": "personal_information"},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    env = {**os.environ, "EXPOSURE_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.run([exe, "predict", str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr  # one bad line
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 3
    a, b, c = out
    assert a["case_id"] == "a" and a["band"] == "serious"
    assert (
        0 <= a["custodial_months"]["low"] <= a["custodial_months"]["point"] <= a["custodial_months"]["high"] <= 36
    )
    assert set(a["fine_yuan"]) == {"point", "low", "high"} and 0 <= a["probation_probability"] <= 1
    assert b["line"] == 2 and "data_typez" in b["error"]
    assert c["case_id"] == "c" and c["awarded_total_yuan"]["high"] <= 50000
    assert a["custodial_months"]["legal_range"] == [0.0, 36.0]

    # one pretty-printed JSON object (like seeds/examples/*.json), and a JSON array, are cases too
    one = tmp_path / "case.json"
    one.write_text(json.dumps(lines[0], indent=2), encoding="utf-8")
    proc = subprocess.run([exe, "predict", str(one)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x) for x in proc.stdout.splitlines()] == [a]
    array = tmp_path / "cases.json"
    array.write_text(json.dumps(lines, indent=1), encoding="utf-8")
    proc = subprocess.run([exe, "predict", str(array)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert [json.loads(x) for x in proc.stdout.splitlines()] == out  # same answers, "line" = position


def test_cail_rows_are_left_out_of_the_probation_target_only() -> None:
    cail = CriminalCase(case_id="cail-abc-1", group_id="g1", prison_months=12)
    seed = CriminalCase(case_id="s1", group_id="g2", prison_months=12, probation_months=12)
    assert [c.case_id for c in target_data([cail, seed], "probation").cases] == ["s1"]
    assert [c.case_id for c in target_data([cail, seed], "custodial_months").cases] == ["cail-abc-1", "s1"]
