"""Declared experiments for researchers: change one thing, get a fair comparison.

An experiment is a file in ``experiments/definitions`` (YAML or TOML): targets, data sources, feature sets,
model families with hyper-parameters or grids, the CV scheme, metrics and the seed. ``exposure experiment run``
evaluates every configuration on the same repeated grouped K-fold into one MLflow parent run (a child run per
target x configuration, with its out-of-fold predictions as an artifact); ``exposure experiment report`` reads
those runs back and writes a markdown/HTML report (leaderboard, paired comparison against the statutory
baseline, coverage vs width, error by band and data-type category, learning curve).

Imports flow one way: experiments drive ``training`` and ``features``; neither imports experiments.
"""
