"""The command line: parse arguments, call the API, render the output. No analysis here."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from asynclint import __version__
from asynclint.config import Config, ConfigError, find_pyproject, load_config, parse_selectors

if TYPE_CHECKING:
    from asynclint.diagnostic import Diagnostic

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


def _common_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `fix` share, in ruff's spelling."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--select", multiple=True, help="Rule codes or prefixes to enable (ASL1,ASL203)."
        ),
        click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable."),
        click.option(
            "--output-format",
            type=click.Choice(["text", "json", "github"]),
            default="text",
            show_default=True,
            help="How findings are printed.",
        ),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
        click.option("--statistics", is_flag=True, help="Print the number of findings per rule."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A pyproject.toml (or asynclint.toml) to read settings from.",
        ),
        click.option(
            "--force-exclude", is_flag=True, help="Apply excludes to paths passed explicitly, too."
        ),
        click.option("--include-tests", is_flag=True, default=None, help="Also check test files."),
        click.option(
            "--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour."
        ),
        click.option("--diff", is_flag=True, help="Print the fixes as a diff; write nothing."),
        click.option(
            "--stdin-filename", help="The name of the file read from stdin (`-`), for messages."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@_common_options
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply safe fixes (as `asynclint fix`).")
def check(apply_fixes: bool, **options: Any) -> None:
    """Check PATHS (default: the current directory) for async pitfalls."""
    _run(fixing=apply_fixes or options["diff"], **options)


@main.command()
@_common_options
def fix(**options: Any) -> None:
    """Fix what can be fixed safely in PATHS, then report what is left (`-` reads stdin)."""
    _run(fixing=True, **options)


def _run(
    *,
    fixing: bool,
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    statistics: bool,
    config_file: Path | None,
    force_exclude: bool,
    include_tests: bool | None,
    unsafe_fixes: bool,
    diff: bool,
    stdin_filename: str | None,
) -> None:
    from asynclint.output import render

    try:
        config = _load(config_file, tuple(p for p in paths if str(p) != "-"))
    except ConfigError as error:
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    config = config.with_overrides(
        select=_selectors(select, "--select"),
        ignore=_selectors(ignore, "--ignore"),
        include_tests=include_tests,
    )
    if paths == (Path("-"),):
        _stdin(config, fixing, unsafe_fixes, diff, stdin_filename or "-", exit_zero)
    try:
        if fixing:
            diagnostics, fixed, failed = _fix(
                list(paths) or [Path(".")], config, unsafe_fixes, diff, force_exclude
            )
        else:
            from asynclint.api import check_paths

            result = check_paths(list(paths) or [Path(".")], config, force_exclude=force_exclude)
            diagnostics, fixed, failed = result.diagnostics, None, False
    except ValueError as error:  # an invalid exclude pattern
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if diff:
        sys.exit(EXIT_FINDINGS if fixed else EXIT_CLEAN)
    render(
        output_format,
        diagnostics,
        sys.stdout,
        color=_use_color(sys.stdout),
        statistics=statistics,
    )
    if fixed is not None:
        stream = sys.stdout if output_format == "text" else sys.stderr
        click.echo(f"Fixed {fixed} error{'' if fixed == 1 else 's'}.", file=stream)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _fix(
    paths: list[Path], config: Config, unsafe: bool, diff: bool, force_exclude: bool
) -> tuple[list[Diagnostic], int, bool]:
    """Fix (or, with `diff`, show the fixes of) the files: the findings left, how many were
    fixed, and whether a file could not be written."""
    from asynclint.api import fix_paths
    from asynclint.atomic import write_atomic

    changed, result = fix_paths(paths, config, unsafe=unsafe, force_exclude=force_exclude)
    fixed, failed = 0, False
    for item in changed:
        if item.error:
            click.echo(f"asynclint: error: {item.filename}: {item.error}", err=True)
        if item.after == item.before:
            continue
        if diff:
            fixed += item.fixed
            sys.stdout.write(_unified_diff(item.filename, item.before, item.after))
            continue
        try:
            write_atomic(item.path, item.after)
        except OSError as error:
            click.echo(f"asynclint: error: {item.filename}: cannot write: {error}", err=True)
            failed = True
            continue
        fixed += item.fixed
    if diff:
        files = sum(c.after != c.before for c in changed)
        click.echo(
            f"Would fix {fixed} error{'' if fixed == 1 else 's'} in {files} file(s).", err=True
        )
    return result.diagnostics, fixed, failed


def _stdin(
    config: Config, fixing: bool, unsafe: bool, diff: bool, filename: str, exit_zero: bool
) -> NoReturn:
    """`asynclint fix -`: the fixed source on stdout, what is left on stderr."""
    from asynclint.engine import check_source, enabled_rules, fix_file, module_name_for
    from asynclint.output import render

    source = sys.stdin.buffer.read()
    module_name = module_name_for(Path(filename))
    rules = enabled_rules(config)
    left = None
    if fixing:
        outcome = fix_file(
            source, filename, config, module_name=module_name, rules=rules, unsafe=unsafe
        )
        if outcome.error:
            click.echo(f"asynclint: error: {filename}: {outcome.error}", err=True)
        if diff:
            sys.stdout.write(_unified_diff(filename, source, outcome.source))
            sys.exit(EXIT_FINDINGS if outcome.source != source else EXIT_CLEAN)
        sys.stdout.buffer.write(outcome.source)
        sys.stdout.flush()
        left = outcome.left
    if left is None:  # not fixing, or the fix failed: the source as it is
        left = check_source(source, filename, config, module_name=module_name, rules=rules)
    render("text", left.diagnostics, sys.stdout if not fixing else sys.stderr, show_fixes=False)
    sys.exit(EXIT_FINDINGS if left.diagnostics and not exit_zero else EXIT_CLEAN)


def _unified_diff(filename: str, before: bytes, after: bytes) -> str:
    def lines(data: bytes) -> list[str]:
        return data.decode("utf-8", errors="replace").splitlines(keepends=True)

    diff = []
    for line in difflib.unified_diff(lines(before), lines(after), filename, filename):
        diff.append(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n")
    return "".join(diff)


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
