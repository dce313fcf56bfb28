"""``frontline completion bash|zsh``: a shell completion script for the ``frontline`` command.

The script is generated from the command's own parser by shtab, so it knows every subcommand
and option, and completes file names where a file is expected.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["completion_command", "register"]

SHELLS = ("bash", "zsh")


def completion_command(args: argparse.Namespace) -> int:
    """Print the completion script for ``args.shell``."""
    import shtab

    from sim.cli import build_parser

    parser = build_parser()
    _mark_files(parser, shtab.FILE, shtab.DIRECTORY)
    print(shtab.complete(parser, shell=args.shell), end="")
    return 0


_FILE_ARGS = {"scenario", "sweep", "results", "FILE", "RESULTS"}
_DIR_ARGS = {"DIR"}


def _mark_files(parser: argparse.ArgumentParser, file: Any, directory: Any) -> None:
    """Complete file (or folder) names where the parser expects a file (or folder)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_files(child, file, directory)
            continue
        names = {action.dest, str(action.metavar)}
        if names & _FILE_ARGS:
            action.complete = file  # type: ignore[attr-defined]
        elif names & _DIR_ARGS:
            action.complete = directory  # type: ignore[attr-defined]


def register(sub: Any) -> None:
    """Add the ``completion`` subcommand."""
    p = sub.add_parser(
        "completion", help="print a shell completion script",
        description="Print a completion script for the frontline command. Bash: "
        "frontline completion bash > ~/.local/share/bash-completion/completions/frontline; "
        "zsh: frontline completion zsh > ~/.zfunc/_frontline (with ~/.zfunc in fpath).")
    p.add_argument("shell", choices=SHELLS, help="the shell: bash or zsh")
    p.set_defaults(func=completion_command)
