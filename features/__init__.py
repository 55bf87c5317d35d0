"""Exposure's domain library, shared by training and serving (serving never imports training).

Rooms, imports flowing one way (law <- text <- model):
- ``features.law``: case schema, vocabularies, the statutory engine of Interp. 2017, the law table, the guideline;
- ``features.text``: reading Chinese text into cases and sentences;
- ``features.model``: featurization, estimators, calibration, similar cases, the MLflow flavor;
- ``features.tables``: the one reader of case tables; ``features.store``: where models are tracked.
"""
