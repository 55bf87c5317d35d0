"""Experiment definitions: a YAML or TOML file validated with pydantic, expanded into configurations.

A definition (see ``experiments/definitions/*.yaml``)::

    name: families                 # default: the file name; MLflow experiment "exposure-experiment-<name>"
    description: ...
    targets: [custodial_months, probation]   # or `target: fine_yuan`
    data: [seeds, {table: data/cail.parquet}, {csv: my_cases.csv}]   # default [seeds]; paths relative to the file
    features: [all, no_law, statutory]       # built-in sets, or {name: x, keep: [globs]} / {name: x, drop: [globs]}
    models:
      - family: ridge
      - family: forest
        params: {n_estimators: 100}          # learner hyper-parameters (features.model.estimators.make_regressor)
      - family: lightgbm
        grid: {num_leaves: [4, 8]}           # a search space: one configuration per combination
        targets: [custodial_months]          # optional: only for these targets
      - estimator: sklearn.ensemble:ExtraTreesRegressor   # your own scikit-learn regressor or classifier
        params: {n_estimators: 200}          # by import path (family "custom"), on the same splits,
        label: extra_trees                   # featurization, intervals and baselines as the built-in ones
    cv: {folds: 5, repeats: 3}
    level: 0.8                               # coverage of the conformal intervals
    metrics: [mae_months, coverage]          # leaderboard columns (default: all); ranking uses the primary metric
    seed: 0
    learning_curve: {fractions: [0.3, 0.5, 0.7, 1.0]}   # optional
    bootstrap: {resamples: 2000, ci: 0.95}

The honest baselines are always evaluated: the statutory ``baseline`` (paired comparisons are made against it),
``band_quantile`` (the band's empirical median and quantiles) and, for probation, ``base_rate``. A family that
does not apply to a target (``ridge`` for probation, ``logistic`` for a regression target; a custom regressor for
probation, a custom classifier for a regression target) is skipped for it.
An invalid file raises :class:`DefinitionError` naming the file and the key, e.g. ``models[1].family``.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from features.model.estimators import TARGET_KIND
from features.store import TARGETS
from training import metrics as training_metrics
from training.evaluate import BASELINES, PROBATION_FAMILIES, REGRESSION_FAMILIES, families_for

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
EXPERIMENT_PREFIX = "exposure-experiment-"
# "cqr" (conformalized quantile regression) is tried by experiments only, not one of training's default families
EXPERIMENT_FAMILIES = {"cqr": ("custodial_months", "fine_yuan")}
ALL_FAMILIES = tuple(dict.fromkeys((*REGRESSION_FAMILIES, *PROBATION_FAMILIES, *EXPERIMENT_FAMILIES, "custom")))

# Features the statutory engine computes from the band and the law table (Interp. 2017 Art. 5, Criminal Law
# Art. 253-1 ranges). "statutory" keeps only these; "no_law" drops them (the ablation).
STATUTORY_FEATURES = ("band_*", "range_*", "log_records_multiple_*", "log_gains_multiple", "n_rules")


class DefinitionError(ValueError):
    """A definition file that cannot be used; ``problems`` are (key, reason) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {key}: {reason}" for key, reason in problems)
        super().__init__(f"{source}: invalid experiment definition:\n{lines}")


# ------------------------------------------------------------------------------------------------ feature sets
@lru_cache(maxsize=2)
def feature_names(kind: Literal["criminal", "civil"]) -> tuple[str, ...]:
    """Every hand-coded feature of a case kind, in featurizer order."""
    from features.model.featurize import CaseFeaturizer

    return tuple(str(n) for n in CaseFeaturizer(kind).fit(None).get_feature_names_out())


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


@dataclass(frozen=True)
class FeatureSet:
    """Which features a configuration sees: ``keep`` (globs; None = all) minus ``drop`` (globs)."""

    name: str
    keep: tuple[str, ...] | None = None
    drop: tuple[str, ...] = ()

    def select(self, names: tuple[str, ...]) -> tuple[str, ...]:
        kept = names if self.keep is None else tuple(n for n in names if _matches(n, self.keep))
        return tuple(n for n in kept if not _matches(n, self.drop))

    def selection_for(self, target: str) -> tuple[str, ...] | None:
        """The kept feature names for a target, or None when every feature is kept."""
        names = feature_names(TARGET_KIND[target])
        chosen = self.select(names)
        return None if chosen == names else chosen


BUILTIN_FEATURE_SETS = {
    "all": FeatureSet("all"),
    "statutory": FeatureSet("statutory", keep=STATUTORY_FEATURES),
    "no_law": FeatureSet("no_law", drop=STATUTORY_FEATURES),
}


class FeatureSetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    keep: list[str] | None = None
    drop: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _builtin(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in BUILTIN_FEATURE_SETS:
                raise ValueError(
                    f"unknown feature set {value!r}; built-in sets are {', '.join(BUILTIN_FEATURE_SETS)}, "
                    "or give {name, keep: [globs]} / {name, drop: [globs]}"
                )
            fs = BUILTIN_FEATURE_SETS[value]
            return {"name": fs.name, "keep": list(fs.keep) if fs.keep is not None else None, "drop": list(fs.drop)}
        return value

    @model_validator(mode="after")
    def _patterns_exist(self) -> FeatureSetSpec:
        known = set(feature_names("criminal")) | set(feature_names("civil"))
        for key, patterns in (("keep", self.keep or []), ("drop", self.drop)):
            for pattern in patterns:
                if not any(fnmatch.fnmatchcase(n, pattern) for n in known):
                    raise ValueError(f"{key}: {pattern!r} matches no feature (see features/model/featurize.py)")
        return self

    def to_feature_set(self) -> FeatureSet:
        return FeatureSet(self.name, tuple(self.keep) if self.keep is not None else None, tuple(self.drop))


# ------------------------------------------------------------------------------------------------ models
def _check_params(family: str, params: dict[str, Any], estimator: str | None = None) -> None:
    """Refuse hyper-parameters the family's learner does not have (before hours of CV, not during)."""
    if family == "custom":
        from features.model.learners import custom_learner

        assert estimator is not None
        try:
            custom_learner(estimator, params)
        except TypeError as exc:
            raise ValueError(f"{estimator} does not accept these parameters ({exc})") from None
        return
    if not params:
        return
    if family in ("baseline", "band_quantile", "band_adjusted", "base_rate", "logistic"):
        raise ValueError(f"the {family} family takes no hyper-parameters")
    if family == "cqr":  # LightGBM on the pinball loss (features.model.quantile): its objective is fixed
        from lightgbm import LGBMRegressor

        fixed = {"objective", "alpha", "monotone_constraints", "monotone_constraints_method"}
        unknown = sorted(set(params) - (set(LGBMRegressor().get_params()) - fixed))
        if unknown:
            raise ValueError(f"unknown or fixed LightGBM parameter(s) of cqr: {', '.join(unknown)}")
        return
    if family == "lightgbm":
        from lightgbm import LGBMRegressor

        allowed = set(LGBMRegressor().get_params()) | {"monotone"}
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise ValueError(f"unknown LightGBM parameter(s) {', '.join(unknown)}")
        return
    from features.model.learners import make_regressor

    try:
        make_regressor(family, feature_names("criminal"), params, 0)
    except TypeError as exc:
        raise ValueError(f"{family} does not accept these parameters ({exc})") from None


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: str
    estimator: str | None = Field(
        None, description="A scikit-learn regressor or classifier by import path, package.module:ClassName"
    )
    label: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-.]+$")
    params: dict[str, Any] = Field(default_factory=dict)
    intervals: dict[Literal["calibration", "floor", "difficulty"], str] = Field(
        default_factory=dict,
        description="How the intervals are calibrated: calibration band | pooled | partial; floor always | facts; "
        "difficulty none | missing_facts (features.model.estimators.OutcomeRegressor)",
    )
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    targets: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"family": value}
        if isinstance(value, dict) and "estimator" in value and "family" not in value:
            return {**value, "family": "custom"}
        return value

    @field_validator("family")
    @classmethod
    def _family(cls, value: str) -> str:
        if value not in ALL_FAMILIES:
            raise ValueError(f"unknown family {value!r}; choose from {', '.join(ALL_FAMILIES)}")
        return value

    @field_validator("estimator")
    @classmethod
    def _estimator(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from features.model.learners import load_object

        obj = load_object(value)
        if not isinstance(obj, type) or not hasattr(obj, "fit") or not hasattr(obj, "predict"):
            raise ValueError(f"{value!r} is not a scikit-learn estimator class (it needs fit and predict)")
        return value

    def applies_to(self, target: str) -> bool:
        """Whether this model estimates ``target``: a custom regressor the regression targets, a classifier
        probation; a built-in family the targets it is made for."""
        if self.family in EXPERIMENT_FAMILIES:
            return target in EXPERIMENT_FAMILIES[self.family]
        if self.family != "custom":
            return self.family in families_for(target)
        from sklearn.base import is_classifier

        from features.model.learners import load_object

        assert self.estimator is not None
        classifier = is_classifier(load_object(self.estimator)())
        return classifier == (target == "probation")

    @field_validator("grid")
    @classmethod
    def _grid(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, choices in value.items():
            if not choices:
                raise ValueError(f"{key}: a grid axis needs at least one value")
        return value

    @field_validator("intervals")
    @classmethod
    def _intervals(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {
            "calibration": ("band", "pooled", "partial"),
            "floor": ("always", "facts"),
            "difficulty": ("none", "missing_facts"),
        }
        for key, choice in value.items():
            if choice not in allowed[key]:
                raise ValueError(f"{key}: {choice!r} is not one of {', '.join(allowed[key])}")
        return value

    @model_validator(mode="after")
    def _params(self) -> ModelSpec:
        if (self.family == "custom") != (self.estimator is not None):
            raise ValueError("estimator: a custom family names its estimator, and only a custom one does")
        overlap = set(self.params) & set(self.grid)
        if overlap:
            raise ValueError(f"grid: {', '.join(sorted(overlap))} also given in params")
        for combo in self.param_sets():
            try:
                _check_params(self.family, combo, self.estimator)
            except ValueError as exc:
                raise ValueError(f"{'grid' if self.grid else 'params'}: {exc}") from None
        return self

    def param_sets(self) -> list[dict[str, Any]]:
        """``params`` merged with every combination of the grid (one configuration each)."""
        if not self.grid:
            return [dict(self.params)]
        keys = list(self.grid)
        return [
            {**self.params, **dict(zip(keys, values, strict=True))}
            for values in itertools.product(*self.grid.values())
        ]


class CVSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folds: int = Field(5, ge=2, le=20)
    repeats: int = Field(3, ge=1, le=20)


class LearningCurveSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fractions: list[float] = Field(default_factory=lambda: [0.3, 0.5, 0.7, 1.0])
    models: list[str] | None = Field(None, description="families or configuration labels (default: all)")

    @field_validator("fractions")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("give at least one fraction")
        for f in value:
            if not 0 < f <= 1:
                raise ValueError(f"{f} is not a fraction of the training folds in (0, 1]")
        return sorted(set(value) | {1.0})  # the full training folds are the main CV


class BootstrapSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resamples: int = Field(2000, ge=100, le=100_000)
    ci: float = Field(0.95, gt=0.5, lt=1.0)


class DataSource(BaseModel):
    """One data source: ``seeds`` (the repository's seed cases), ``table`` (an ingested Parquet/JSONL table,
    ``features.tables.load_table``) or ``csv`` (a CSV of our schema, read by the same reader)."""

    model_config = ConfigDict(extra="forbid")

    seeds: bool = False
    table: Path | None = None
    csv: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value == "seeds":
            return {"seeds": True}
        if isinstance(value, str):
            raise ValueError("a data source is `seeds`, {table: PATH} or {csv: PATH}")
        return value

    @model_validator(mode="after")
    def _one(self) -> DataSource:
        given = [k for k in ("table", "csv") if getattr(self, k) is not None] + (["seeds"] if self.seeds else [])
        if len(given) != 1:
            raise ValueError("each data source is exactly one of `seeds`, {table: PATH} or {csv: PATH}")
        return self

    @property
    def label(self) -> str:
        if self.seeds:
            return "seeds"
        path = self.table or self.csv
        assert path is not None
        return f"{'table' if self.table else 'csv'}:{path.name}"


def metric_names(target: str) -> tuple[str, ...]:
    """The metrics training computes for a target (training/metrics.py), in its order."""
    if target == "probation":
        return ("brier", "auc")
    return tuple(training_metrics.regression_metrics(target, [1.0, 2.0], [1.0, 2.0], [0.0, 1.0], [2.0, 3.0], 0.8))


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = ""
    targets: list[str]
    data: list[DataSource] = Field(default_factory=lambda: [DataSource(seeds=True)])
    allow_invalid_rows: bool = Field(
        False, description="skip rows that fail validation (they are listed) instead of refusing to run"
    )
    features: list[FeatureSetSpec] = Field(default_factory=lambda: [FeatureSetSpec.model_validate("all")])
    models: list[ModelSpec]
    cv: CVSpec = Field(default_factory=CVSpec)
    level: float = Field(0.8, ge=0.5, le=0.99)
    metrics: list[str] | None = None
    seed: int = 0
    learning_curve: LearningCurveSpec | None = None
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec)
    _source_path: Path | None = PrivateAttr(None)

    @property
    def source_path(self) -> Path | None:
        """The file the definition was read from (relative data paths are resolved against its folder)."""
        return self._source_path

    @model_validator(mode="before")
    @classmethod
    def _target_alias(cls, value: Any) -> Any:
        if isinstance(value, dict) and "target" in value:
            if "targets" in value:
                raise ValueError("give `target` or `targets`, not both")
            value = {**value, "targets": [value["target"]]}
            del value["target"]
        return value

    @field_validator("targets", "data", "features", "models", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one target")
        unknown = [t for t in value if t not in TARGETS]
        if unknown:
            raise ValueError(
                f"unknown target(s) {', '.join(map(repr, unknown))}; choose from {', '.join(TARGETS)}"
            )
        return list(dict.fromkeys(value))

    @field_validator("data")
    @classmethod
    def _data(cls, value: list[DataSource]) -> list[DataSource]:
        if not value:
            raise ValueError("give at least one data source (e.g. `seeds`)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        names = [fs.name for fs in self.features]
        if len(set(names)) != len(names):
            raise ValueError("features: two feature sets share a name")
        for i, spec in enumerate(self.models):
            for t in spec.targets or []:
                if t not in self.targets:
                    raise ValueError(f"models[{i}].targets: {t!r} is not one of the experiment's targets")
                if not spec.applies_to(t):
                    raise ValueError(f"models[{i}].targets: the {spec.family} family does not apply to {t}")
            applies = [t for t in spec.targets or self.targets if spec.applies_to(t)]
            if not applies:
                raise ValueError(f"models[{i}].family: {spec.family} applies to none of {', '.join(self.targets)}")
            if (spec.params or spec.grid) and "probation" in applies and spec.family != "custom":
                raise ValueError(
                    f"models[{i}]: probation families take no hyper-parameters; "
                    "restrict this model with `targets:` to regression targets"
                )
        for target in self.targets:
            for fs in self.features:
                if not fs.to_feature_set().select(feature_names(TARGET_KIND[target])) and any(
                    s.family != "baseline" and target in (s.targets or self.targets) for s in self.models
                ):
                    raise ValueError(f"features: the set {fs.name!r} keeps no feature of {target}")
        if self.metrics is not None:
            known = {m for t in self.targets for m in metric_names(t)}
            unknown = [m for m in self.metrics if m not in known]
            if unknown:
                raise ValueError(
                    f"metrics: unknown for these targets: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
                )
        labels: dict[str, list[str]] = {}
        for config in self.configs():
            labels.setdefault(config.target, []).append(config.label)
        for target, got in labels.items():
            dupes = sorted({x for x in got if got.count(x) > 1})
            if dupes:
                raise ValueError(f"models: two configurations of {target} are both labelled {', '.join(dupes)}")
        if self.learning_curve and self.learning_curve.models:
            known_labels = {x for got in labels.values() for x in got} | ALL_FAMILIES_SET
            unknown = [m for m in self.learning_curve.models if m not in known_labels]
            if unknown:
                raise ValueError(f"learning_curve.models: unknown {', '.join(unknown)}")
        return self

    @property
    def experiment_name(self) -> str:
        return EXPERIMENT_PREFIX + self.name

    @property
    def primary_metrics(self) -> dict[str, str]:
        return {t: training_metrics.PRIMARY_METRIC[t] for t in self.targets}

    def shown_metrics(self, target: str) -> list[str]:
        """Leaderboard columns of a target: the primary metric first, then the requested (or all) metrics."""
        names = metric_names(target)
        chosen = [m for m in (self.metrics or names) if m in names]
        primary = training_metrics.PRIMARY_METRIC[target]
        return [primary, *[m for m in chosen if m != primary]]

    def configs(self) -> list[Config]:
        """Every (target, configuration) to evaluate, the statutory baseline first for each target."""
        out: list[Config] = []
        feature_sets = [fs.to_feature_set() for fs in self.features]
        suffix_sets = len(feature_sets) > 1 or feature_sets[0].name != "all"
        fractions = tuple(self.learning_curve.fractions) if self.learning_curve else (1.0,)
        for target in self.targets:
            # the honest baselines of every target, on all features (they learn nothing from them)
            for family in ("baseline", *(f for f in BASELINES[target] if f != "baseline")):
                out.append(Config(target, family, family, {}, BUILTIN_FEATURE_SETS["all"], fractions))
            for spec in self.models:
                plain_baseline = spec.family in (*BASELINES[target], "baseline") and not spec.intervals
                if plain_baseline or not spec.applies_to(target):
                    continue
                if spec.targets and target not in spec.targets:
                    continue
                for params in spec.param_sets():
                    label = spec.label or spec.family + "".join(f"-{v}" for v in spec.intervals.values())
                    if spec.grid:
                        label += "[" + ",".join(f"{k}={params[k]}" for k in spec.grid) + "]"
                    for fs in feature_sets:
                        full = f"{label}:{fs.name}" if suffix_sets else label
                        out.append(
                            Config(
                                target,
                                full,
                                spec.family,
                                params,
                                fs,
                                fractions,
                                spec.estimator,
                                {str(k): v for k, v in spec.intervals.items()},
                            )
                        )
        if self.learning_curve and self.learning_curve.models:
            wanted = set(self.learning_curve.models)
            out = [
                c
                if (c.family in wanted or c.label in wanted)
                else Config(c.target, c.label, c.family, c.params, c.feature_set, (1.0,), c.estimator, c.intervals)
                for c in out
            ]
        return out

    def resolve(self, path: Path) -> Path:
        """A data path of the definition: relative paths are relative to the definition file's folder."""
        if path.is_absolute() or self.source_path is None:
            return path
        return (self.source_path.parent / path).resolve()


ALL_FAMILIES_SET = frozenset(ALL_FAMILIES)


@dataclass(frozen=True)
class Config:
    """One configuration of one target: a family with fixed hyper-parameters on a feature set."""

    target: str
    label: str
    family: str
    params: dict[str, Any]
    feature_set: FeatureSet
    fractions: tuple[float, ...] = (1.0,)
    estimator: str | None = None  # a custom family's import path
    intervals: dict[str, str] = field(default_factory=dict)  # calibration / floor options of the intervals

    @property
    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True, default=str)


# ------------------------------------------------------------------------------------------------ loading
_KEYED = re.compile(r"^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_]\w*(?:\[\d+\])?)*): (.+)$", re.S)


def _split_key(key: str) -> tuple[int | str, ...]:
    out: list[int | str] = []
    for part in key.split("."):
        m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
        if m is None:
            out.append(part)
            continue
        out.append(m.group(1))
        if m.group(2) is not None:
            out.append(int(m.group(2)))
    return tuple(out)


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "(definition)"


def _problems(exc: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
        msg = str(err["msg"]).removeprefix("Value error, ")
        keyed = _KEYED.match(msg)
        if keyed:  # a validator's message that starts with the key it is about
            loc, msg = (*loc, *_split_key(keyed.group(1))), keyed.group(2)
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
            parent = _submodel(model, loc[:-1])
            if parent is not None:
                msg += f"; allowed: {', '.join(parent.model_fields)}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        out.append((_loc(loc), msg))
    return out


def _submodel(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model class at ``loc`` (for the allowed keys of an unknown-key error)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = (
            current.model_fields.get(part)
            if isinstance(current, type) and issubclass(current, BaseModel)
            else None
        )
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        current = candidates[0] if candidates else None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def parse_definition(raw: Any, source: str = "(definition)", path: Path | None = None) -> Definition:
    if not isinstance(raw, dict):
        raise DefinitionError(
            source, [("(definition)", "the file must hold a mapping of keys (name, targets, ...)")]
        )
    raw = dict(raw)
    if path is not None:
        raw.setdefault("name", path.stem.replace(".", "-").lower())
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(source, _problems(exc, Definition)) from None
    definition._source_path = path
    return definition


def read_definition_file(path: Path) -> Any:
    """The raw mapping of a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DefinitionError(str(path), [("(file)", f"not valid TOML ({exc})")]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise DefinitionError(str(path), [("(file)", f"not valid YAML{where}")]) from None


def load_definition(path: Path) -> Definition:
    path = Path(path)
    if not path.is_file():
        raise DefinitionError(str(path), [("(file)", "no such file")])
    return parse_definition(read_definition_file(path), str(path), path)


def shipped_definitions(folder: Path | None = None) -> list[Path]:
    folder = folder or DEFINITIONS_DIR
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".toml") and p.is_file())


def find_definition(name_or_path: str) -> Path:
    """A definition file given as a path, or the name of a shipped definition (``families``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in shipped_definitions():
        if candidate.stem == name_or_path:
            return candidate
    raise DefinitionError(name_or_path, [("(file)", "no such file, and no shipped definition of that name")])


__all__ = [
    "BUILTIN_FEATURE_SETS",
    "DEFINITIONS_DIR",
    "EXPERIMENT_PREFIX",
    "STATUTORY_FEATURES",
    "Config",
    "Definition",
    "DefinitionError",
    "FeatureSet",
    "find_definition",
    "load_definition",
    "metric_names",
    "parse_definition",
    "shipped_definitions",
]
