"""The command line: parse arguments, call the API, render the output. No analysis here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from asynclint import __version__
from asynclint.config import Config, ConfigError, find_pyproject, load_config, parse_selectors

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _selectors(values: tuple[str, ...], flag: str) -> tuple[str, ...] | None:
    if not values:
        return None
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    try:
        return parse_selectors(items)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=flag) from error


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _load(config_file: Path | None, paths: tuple[Path, ...]) -> Config:
    if config_file is None:
        start = paths[0] if paths else Path.cwd()
        config_file = find_pyproject(start if start.exists() else Path.cwd())
    config = load_config(config_file)
    if config_file is None:
        config = config.with_overrides(root=_default_root(paths))
    return config


def _default_root(paths: tuple[Path, ...]) -> Path:
    """Without a config file: the working directory, or the paths' common folder outside it.

    Modules are named from the root (`app.deps`), so `asynclint check ~/src/shop` from
    elsewhere still knows that `from app.deps import HttpClient` is `shop/app/deps.py`.
    """
    cwd = Path.cwd()
    folders = [(p if p.is_dir() else p.parent).resolve() for p in paths if p.exists()]
    if not folders or all(f == cwd or cwd in f.parents for f in folders):
        return cwd
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives on Windows
        return cwd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="asynclint")
def main() -> None:
    """asynclint: find the async pitfalls that make FastAPI services slow under load."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (ASL1,ASL203).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option(
    "--output-format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How findings are printed.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A pyproject.toml (or asynclint.toml) to read settings from.",
)
@click.option(
    "--force-exclude", is_flag=True, help="Apply excludes to paths passed explicitly, too."
)
@click.option("--include-tests", is_flag=True, default=None, help="Also check test files.")
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    statistics: bool,
    config_file: Path | None,
    force_exclude: bool,
    include_tests: bool | None,
) -> None:
    """Check PATHS (default: the current directory) for async pitfalls."""
    from asynclint.api import check_paths
    from asynclint.output import render

    try:
        config = _load(config_file, paths)
    except ConfigError as error:
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    config = config.with_overrides(
        select=_selectors(select, "--select"),
        ignore=_selectors(ignore, "--ignore"),
        include_tests=include_tests,
    )
    try:
        result = check_paths(list(paths) or [Path(".")], config, force_exclude=force_exclude)
    except ValueError as error:  # an invalid exclude pattern
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    diagnostics = result.diagnostics
    render(
        output_format,
        diagnostics,
        sys.stdout,
        color=_use_color(sys.stdout),
        statistics=statistics,
    )
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


@main.command(name="rules")
def list_rules() -> None:
    """List every rule."""
    from rich.console import Console
    from rich.table import Table

    from asynclint.rules import load_rules

    table = Table(box=None, header_style="bold")
    for column in ("Code", "Name", "Fix", "What it finds"):
        table.add_column(column, overflow="fold")
    for code, rule in load_rules().items():
        table.add_row(code, rule.name, rule.fix_availability.value, rule.summary())
    Console(highlight=False).print(table)


@main.command(name="rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of rule CODE (ASL102 or blocking-sleep)."""
    from asynclint.rules import load_rules

    rules = load_rules()
    wanted = code.strip()
    rule = rules.get(wanted.upper()) or next((r for r in rules.values() if r.name == wanted), None)
    if rule is None:
        click.echo(f"asynclint: error: unknown rule `{code}`; see `asynclint rules`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"# {rule.name} ({rule.code})\n")
    fix = {"never": "No automatic fix.", "sometimes": "Fix sometimes available."}
    click.echo(fix.get(rule.fix_availability.value, "Fix always available.") + "\n")
    click.echo(_dedent_doc(rule.__doc__ or ""))


def _dedent_doc(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


if __name__ == "__main__":  # pragma: no cover
    main()
