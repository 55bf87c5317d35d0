from exposure.cli import app

app()
