"""The `whythis` command: subcommands come from the packages through the `whythis.commands` entry points."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from importlib.metadata import entry_points

import typer

from whythis.errors import WhythisError


def build_app() -> typer.Typer:
    """The root CLI with every registered subcommand group attached."""
    app = typer.Typer(
        name="whythis",
        help="An explanation agent for online shops: candidates, true reasons, and a chat about them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
    ) -> None:
        if not verbose:
            # Load-time progress bars of transformers and the hub are noise in a chat or a pipe.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TQDM_DISABLE", "1")
            # Deprecation notices of the libraries are for their developers, not for a shop's staff.
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )

    # Each package registers its own commands, so this module imports none of them.
    for ep in sorted(entry_points(group="whythis.commands"), key=lambda e: e.name):
        ep.load()(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a WhythisError or a usage error prints a clear message instead of a traceback."""
    command = typer.main.get_command(build_app())
    try:
        result = command.main(args=argv, prog_name="whythis", standalone_mode=False)
    except WhythisError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.TyperException as exc:  # usage errors: an unknown option, a bad value, a missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
