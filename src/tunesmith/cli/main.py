"""The `tunesmith` command. Subcommand modules import heavy libraries inside their functions,
so `tunesmith --help` stays instant."""

from __future__ import annotations

import importlib
import sys
import traceback

import typer

from tunesmith.errors import TunesmithError

app = typer.Typer(
    name="tunesmith",
    help="tunesmith: compose, arrange and render music with RNN, VAE and GAN models on a CPU.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module exposes register(app: typer.Typer) -> None.
COMMAND_MODULES = (
    "tunesmith.cli.groups",
    "tunesmith.cli.poly",
    "tunesmith.cli.melody",
    "tunesmith.cli.vaegan",
    "tunesmith.cli.files",
    "tunesmith.cli.corpus",
    "tunesmith.cli.library",
    "tunesmith.cli.evaluate",
    "tunesmith.cli.compose",
    "tunesmith.cli.render",
    "tunesmith.cli.serve",
    "tunesmith.cli.originality",
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show full tracebacks on errors."),
) -> None:
    """Global options."""


_built = False


def _build() -> typer.Typer:
    # Register once per process: main() may be called repeatedly (tests, the web server).
    global _built  # noqa: PLW0603
    if not _built:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
        _built = True
    return app


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    try:
        _build()(args=args, prog_name="tunesmith", standalone_mode=False)
    except TunesmithError as err:
        if verbose:
            traceback.print_exc()
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as ex:
        # Usage errors (unknown command, bad option): typer's own message, exit 2 as click does.
        show = getattr(ex, "show", None)
        if callable(show):
            show()
        else:
            print(f"error: {ex.format_message()}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except OSError as err:
        if verbose:
            traceback.print_exc()
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0)
