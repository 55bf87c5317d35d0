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
from features.model.answer import KIND_TARGETS
from features.model.targets import target_data
from features.store import TARGETS
from features.tables import CaseModel, load_seeds
from training import metrics
from training.pipeline import KindOutcome, TargetOutcome, TrainConfig, train_all
from training.splits import RepeatedGroupKFold

pytestmark = pytest.mark.slow
FAMILIES = ["baseline", "ridge", "forest", "logistic"]
Store = tuple[Path, list[TargetOutcome], list[KindOutcome], list[CaseModel]]  # (home, targets, kinds, cases)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Train every target (small config) into a fresh sqlite MLflow store; yields (home, outcomes, cases)."""
    home = tmp_path_factory.mktemp("exposure-home")
    old = {k: os.environ.get(k) for k in ("EXPOSURE_HOME", "MLFLOW_TRACKING_URI")}
    os.environ["EXPOSURE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    cases = load_seeds().for_training().cases
    outcomes, kinds = train_all(cases, TrainConfig(families=FAMILIES, n_repeats=1, n_splits=4))
    yield home, outcomes, kinds, cases
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


def test_every_kind_has_a_registered_estimator_built_from_its_targets_best_families(store: Store) -> None:
    home, outcomes, kinds, _ = store
    assert [o.target for o in outcomes] == list(TARGETS)
    assert [k.kind for k in kinds] == ["criminal", "civil"]
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    for kind in kinds:
        assert kind.promoted and kind.reason == "registered as the first champion"
        version = client.get_model_version_by_alias(f"exposure-{kind.kind}", "champion")
        assert version.run_id == kind.run_id and str(version.version) == kind.version
        run = client.get_run(str(version.run_id))
        assert run.data.tags["promotion"] == kind.reason and run.data.tags["law_digest"]
        for outcome in (o for o in outcomes if o.target in KIND_TARGETS[kind.kind]):
            metric = outcome.primary_metric
            chosen = next(r for r in outcome.results if r.family == outcome.chosen["family"])
            # the estimator takes each target's selected family (training.selection) on the shared splits
            assert outcome.chosen["family"] == run.data.params[f"{outcome.target}.family"]
            assert run.data.metrics[f"{outcome.target}.{metric}"] == pytest.approx(chosen.metrics[metric])
            # the family's own run logged metrics, dataset, plots and model card
            family_run = client.get_run(run.data.tags[f"{outcome.target}.family_run"])
            assert family_run.data.params["family"] == chosen.family
            assert family_run.data.metrics[metric] == pytest.approx(chosen.metrics[metric])
            assert family_run.inputs is not None
            assert family_run.inputs.dataset_inputs and family_run.inputs.dataset_inputs[0].dataset.digest
            artifacts = {a.path for a in client.list_artifacts(family_run.info.run_id, "report")}
            assert {"report/model_card.md", "report/predicted_vs_actual.png"} <= artifacts
            card = Path(client.download_artifacts(family_run.info.run_id, "report/model_card.md")).read_text()
            assert "Non-binding" in card and metric in card


def test_learned_model_beats_statutory_baseline_on_custodial(store: Store) -> None:
    _, outcomes, _, _ = store
    custodial = next(o for o in outcomes if o.target == "custodial_months")
    by_family = {r.family: r.metrics["mae_months"] for r in custodial.results}
    assert custodial.best_family != "baseline"
    assert by_family[custodial.best_family] < by_family["baseline"]


def test_champion_reloads_through_registry_and_respects_the_law(store: Store) -> None:
    home, _, _, cases = store
    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model("models:/exposure-criminal@champion")
    criminal = [c for c in cases if isinstance(c, CriminalCase)][:25]
    out = model.predict([c.model_dump(mode="json", exclude_none=True) for c in criminal])
    assert len(out) == len(criminal) and all(item["ok"] and item["errors"] is None for item in out)
    assert json.loads(json.dumps(out, allow_nan=False)) == out  # strict JSON: no NaN anywhere
    for case, item in zip(criminal, out, strict=True):
        answer = item["estimate"]
        months = answer["custodial_months"]
        low_legal, high_legal = statutory_band(case).custodial_range_months
        assert 0.0 <= months["low"] <= months["point"] <= months["high"] <= high_legal + 1e-6  # low: Art. 63 floor
        assert low_legal - 1e-6 <= months["point"]
        assert 0.0 <= answer["probation_probability"] <= answer["p_custodial_le_36_months"] <= 1.0
        assert months["level"] == 0.8
        assert answer["case_id"] == case.case_id


def test_pyfunc_reports_bad_rows_without_failing_the_batch(store: Store) -> None:
    home, _, _, _ = store
    mlflow.set_tracking_uri(f"sqlite:///{home / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model("models:/exposure-criminal@champion")
    out = model.predict(
        [
            {"case_id": "good", "records_total": 6000, "data_types": ["identity"], "illegal_profit_yuan": 8000.0},
            {"case_id": "bad", "records_total": -5, "data_types": ["identity"]},
            {"foo": 1},
        ]
    )
    assert [item["index"] for item in out] == [0, 1, 2]  # rows in = rows out
    assert out[0]["ok"] and out[0]["estimate"]["fine_yuan"]["point"] > 0
    assert not out[1]["ok"] and out[1]["estimate"] is None
    assert [e["field"] for e in out[1]["errors"]] == ["records_total"] and "-5" not in json.dumps(out[1])
    assert not out[2]["ok"] and [e["field"] for e in out[2]["errors"]] == ["foo"]  # unknown fields are refused


def test_retraining_on_the_same_data_keeps_the_champion(store: Store) -> None:
    home, _, kinds, cases = store
    targets, again = train_all(
        cases, TrainConfig(targets=["custodial_months"], families=FAMILIES, n_repeats=1, n_splits=4)
    )
    assert [k.kind for k in again] == ["criminal"] and not again[0].promoted
    assert "kept" in again[0].reason and "same" in again[0].reason
    assert "same splits" in targets[0].reason
    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    version = client.get_model_version_by_alias("exposure-criminal", "champion")
    assert str(version.version) == kinds[0].version  # champion kept


def test_predict_cli_prints_one_line_per_case_in_order(store: Store, tmp_path: Path) -> None:
    home, _, _, _ = store
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


def test_selection_takes_a_learned_family_only_when_it_beats_the_calibrated_baselines() -> None:
    """training.selection's rule (issue 13): a learned family needs coverage within 0.05 of the level, a lower MAE
    than every baseline and a Winkler score no worse than the best calibrated baseline; else the best calibrated
    baseline answers, and a baseline with a lower MAE but miscalibrated intervals is named as passed over."""
    from training.evaluate import CVResult
    from training.selection import select_regression

    def result(family: str, mae: float, coverage: float, winkler: float) -> CVResult:
        metrics = {"mae_log10_yuan": mae, "coverage": coverage, "winkler_log10_yuan": winkler}
        return CVResult("awarded_total_yuan", family, metrics, {})

    baselines = {
        "baseline": result("baseline", 0.88, 0.91, 3.8),
        "band_quantile": result("band_quantile", 0.96, 0.84, 3.4),
    }
    # a forest with the lowest MAE but intervals covering 0.93: not calibrated, so not taken
    chosen = select_regression(
        "awarded_total_yuan", {**baselines, "forest": result("forest", 0.86, 0.93, 3.45)}, 0.8
    )
    assert chosen.family == "band_quantile"
    assert (
        "forest: coverage 0.93" in chosen.reason
        and "baseline has MAE 0.880 log10 yuan but coverage 0.91" in chosen.reason
    )
    # calibrated, lower MAE than both baselines, Winkler no worse than the calibrated baseline's: taken
    good = result("ridge", 0.85, 0.82, 3.3)
    assert select_regression("awarded_total_yuan", {**baselines, "ridge": good}, 0.8).family == "ridge"
    # the same MAE but a worse Winkler score than band_quantile's 3.4: not taken
    wide = result("ridge", 0.85, 0.82, 3.5)
    assert select_regression("awarded_total_yuan", {**baselines, "ridge": wide}, 0.8).family == "band_quantile"
