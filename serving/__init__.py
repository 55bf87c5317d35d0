"""Serving: loading champions from the MLflow registry and answering estimates (CLI, HTTP). Never imports
training."""
