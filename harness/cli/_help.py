"""A Typer command class whose help reads like a conventional Unix usage text.

Typer 0.29 renders help as rich tables whose option, `--no-` option and type
columns leave the description one or two words per line at 80 columns. It
also prints a required argument as `{response}` in the usage line and a
`<bool>` type beside every flag, `--help` included, although flags take no
value. Commands registered with `@app.command(cls=HelpCommand)` print click's
plain two-column help, `RESPONSE` in the usage line and no type for flags.
"""

from __future__ import annotations

from typing import Any

import typer.core
from typer import _click


class HelpCommand(typer.core.TyperCommand):
    """A TyperCommand with plain help, upper-case argument names and untyped flags."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # TyperCommand.format_help falls back to click's formatter without a mode.
        self.rich_markup_mode = None
        for param in self.params:
            if isinstance(param, typer.core.TyperOption) and param.is_flag:
                param.metavar = param.metavar or ""
            elif isinstance(param, typer.core.TyperArgument) and param.metavar:
                param.__class__ = _NamedArgument

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        """Return the usage line's pieces: `[OPTIONS]`, then each argument's name."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                pieces.append(_argument_usage(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def get_help_option(self, ctx: _click.Context) -> typer.core.TyperOption | None:
        """Return the `--help` option, which takes no value and so shows no type."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class _NamedArgument(typer.core.TyperArgument):
    """An argument whose metavar names it, so its help shows no type after it."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return None


def _argument_usage(argument: typer.core.TyperArgument) -> str:
    name = argument.metavar or (argument.name or "").upper()
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if argument.required else f"[{name}]"
