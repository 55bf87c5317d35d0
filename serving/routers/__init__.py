"""HTTP routers, one per resource: criminal and civil estimates, models, health (and metrics)."""
