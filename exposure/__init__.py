"""The ``exposure`` command line: one console script over features, training, serving and experiments."""
