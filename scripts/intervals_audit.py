"""The law's direction audit (``features.model.direction``) of every interval configuration of the intervals
experiment, as training runs it before a family may answer: each configuration fitted on all seed cases of the
target, then every circumstance stated / not stated / stated absent on every seed criminal case.

Prints one line per (target, configuration): the number of violations (0 = the direction holds) and, for
``difficulty: missing_facts``, the fitted slope of the difficulty scale. Docs: docs/intervals.md.

Usage: ``PYTHONPATH=$PWD python scripts/intervals_audit.py``
"""

from __future__ import annotations

from experiments.definition import find_definition, load_definition
from features.law.schema import CriminalCase
from features.model import direction
from features.model.estimators import OutcomeRegressor
from features.model.targets import target_data
from features.tables import load_seeds


def main() -> None:
    definition = load_definition(find_definition("intervals"))
    cases = list(load_seeds().for_training().cases)
    criminal = [c for c in cases if isinstance(c, CriminalCase)]
    for config in definition.configs():
        if config.family == "band_quantile" or config.target not in ("custodial_months", "fine_yuan"):
            continue
        data = target_data(cases, config.target)
        model = OutcomeRegressor(
            target=config.target,  # type: ignore[arg-type]
            family=config.family,  # type: ignore[arg-type]
            level=definition.level,
            params=config.params or None,
            random_state=definition.seed,
            **config.intervals,  # type: ignore[arg-type]
        ).fit(data.cases, data.y, groups=data.groups)
        found = direction.violations(model, criminal)
        scale = getattr(model, "difficulty_", None)
        slope = f", difficulty slope {scale.slope:.3f}" if scale is not None else ""
        print(f"{config.target} {config.label}: {len(found)} violations{slope}", flush=True)


if __name__ == "__main__":
    main()
