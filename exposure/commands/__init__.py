"""One module per area; each exposes ``register(app)`` and imports heavy libraries inside its commands."""
