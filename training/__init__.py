"""Training: targets, grouped cross-validation, metrics, MLflow tracking and champion registration."""
