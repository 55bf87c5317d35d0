"""Exposure's domain library: case schema, the 2017 Interpretation's statutory engine, hand-coded features.

Everything that both training and serving need lives here (serving never imports training), including the
estimators that trained models are made of, so that a model saved by training can be loaded by serving.
"""
