"""Entry point of the ``exposure`` console script. Each area registers its commands from exposure/commands."""

from __future__ import annotations

import typer

from exposure.commands import batch, counsel, data, experiment, law, model, serve, text

app = typer.Typer(
    name="exposure",
    help="Estimate prison term, probation, fine and compensation in Chinese personal-information cases "
    "(Criminal Law Art. 253-1, PIPL Arts. 69-70). Estimates are non-binding.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold case text (personal data)
    # plain help: readable in 80 columns and in a pipe, flags without a "<bool>" type column (rich panels wrap
    # every description and print the type of a flag that takes no value)
    rich_markup_mode=None,
)


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show library logs (MLflow, alembic)"),
) -> None:
    """Estimate prison term, probation, fine and compensation in Chinese personal-information cases."""
    from exposure.io import quiet_library_logs

    quiet_library_logs(verbose)


for module in (law, data, model, counsel, text, serve, experiment, batch):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
