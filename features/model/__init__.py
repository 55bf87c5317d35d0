"""The model: featurization, the estimators trained models are made of, calibration, similar cases, and the
MLflow flavor. Uses ``features.law`` (and ``features.text`` nowhere: text is read before a case exists)."""
