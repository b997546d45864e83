"""The `tunesmith` command. Subcommand modules import heavy libraries inside their functions,
so `tunesmith --help` stays instant."""

from __future__ import annotations

import importlib
import sys
import traceback

import typer

from tunesmith import __version__
from tunesmith.errors import TunesmithError

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES_HELP = (
    "Exit status: 0 done; 1 bad input (a file that cannot be read or written, a control out of range, "
    "something not found, no SoundFont or model to use); 2 usage error (unknown command or option, a missing "
    "or mistyped argument); 3 internal error (a bug: rerun with --verbose and report the traceback); "
    "130 interrupted."
)

app = typer.Typer(
    name="tunesmith",
    help="tunesmith: compose, arrange and render music with RNN, VAE and GAN models on a CPU.\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=True,
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
    "tunesmith.cli.education",
    "tunesmith.cli.therapy",
    "tunesmith.cli.worker",
    "tunesmith.cli.revise",
    "tunesmith.cli.originality",
    "tunesmith.cli.critic",
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tunesmith {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show full tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
    ),
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


def _deprecated_aliases(args: list[str]) -> list[str]:
    """``--out`` was compose's (and the trainers') spelling of ``--output``: still accepted, hidden
    from --help, with a warning. Arguments after ``--`` are left alone."""
    fixed: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return fixed + args[i:]
        if arg == "--out" or arg.startswith("--out="):
            print("warning: --out is deprecated; use --output (or -o)", file=sys.stderr)
            arg = "--output" + arg[len("--out") :]
        fixed.append(arg)
    return fixed


def main(argv: list[str] | None = None) -> None:
    """Run the command line; exits with the codes in EXIT_CODES_HELP."""
    args = _deprecated_aliases(sys.argv[1:] if argv is None else list(argv))
    verbose = "--verbose" in args or "-v" in args
    try:
        code = _build()(args=args, prog_name="tunesmith", standalone_mode=False)
    except TunesmithError as err:
        if verbose:
            traceback.print_exc()
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as ex:
        # Usage errors (unknown command, bad option): typer's own message and its exit code (2).
        show = getattr(ex, "show", None)
        if callable(show):
            show()
        else:
            print(f"error: {ex.format_message()}", file=sys.stderr)
        sys.exit(getattr(ex, "exit_code", EXIT_USAGE) or EXIT_USAGE)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as err:
        if verbose:
            traceback.print_exc()
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        sys.exit(EXIT_INPUT)
    except Exception as err:  # the one place that turns a bug into exit status 3
        if verbose:
            traceback.print_exc()
        print(
            f"internal error: {type(err).__name__}: {err} (a bug; rerun with --verbose for the traceback)",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)
    # In non-standalone mode a typer.Exit raised inside a command comes back as its code.
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else EXIT_OK)
