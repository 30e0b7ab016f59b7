"""The command line: parse arguments, call the API, render the output. No analysis here."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from asynclint import __version__, progress
from asynclint.cache import CACHE_DIR_NAME
from asynclint.config import Config, ConfigError, find_pyproject, load_config, parse_selectors
from asynclint.files import is_project_root
from asynclint.pins import manifest_folders, project_pins

if TYPE_CHECKING:
    from collections import Counter

    from asynclint.baseline import Fingerprint
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
    """Without a config file: the nearest folder above the paths (or the working directory)
    that holds a pyproject.toml or .git; failing that, the working directory, or the paths'
    common folder outside it.

    Modules are named from the root (`app.deps`), so `asynclint check ~/src/shop` from
    elsewhere still knows that `from app.deps import HttpClient` is `shop/app/deps.py`; and
    `asynclint check app/routes.py` still sees the helpers of the rest of the project.
    """
    cwd = Path.cwd()
    folders = [(p if p.is_dir() else p.parent).resolve() for p in paths if p.exists()]
    try:
        common = Path(os.path.commonpath(folders)) if folders else cwd
    except ValueError:  # different drives on Windows
        return cwd
    for folder in (common, *common.parents):
        if is_project_root(folder):
            return folder
    if all(f == cwd or cwd in f.parents for f in folders):
        return cwd
    return common


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
            type=click.Choice(["text", "json", "github", "sarif"]),
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
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            help="Processes that analyse files in parallel.  [default: the number of cores]",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the cache of earlier runs."
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help=f"Where the cache lives.  [default: {CACHE_DIR_NAME}/ at the project root]",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Report only findings not recorded in this baseline file.",
        ),
        click.option(
            "--report-unused-noqa",
            is_flag=True,
            default=None,
            help="Report `# noqa` comments that suppress nothing (ASL003).",
        ),
        click.option(
            "--preview/--no-preview",
            default=None,
            help="Turn on the rules' preview behaviour: wider shapes, right less often.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@_common_options
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply safe fixes (as `asynclint fix`).")
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record today's findings in this baseline file (replacing it) and exit 0.",
)
@click.option(
    "--add-noqa", is_flag=True, help="Add `# noqa: ASL...` comments to the lines of findings."
)
def check(apply_fixes: bool, write_baseline: Path | None, add_noqa: bool, **options: Any) -> None:
    """Check PATHS (default: the current directory) for async pitfalls."""
    fixing = apply_fixes or options["diff"]
    chosen = [
        flag
        for flag, given in (
            ("--fix/--diff", fixing),
            ("--write-baseline", write_baseline is not None),
            ("--add-noqa", add_noqa),
        )
        if given
    ]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be used together")
    if chosen and not fixing and options["paths"] == (Path("-"),):
        raise click.UsageError(f"{chosen[0]} needs files, not stdin")
    _run(fixing=fixing, write_baseline=write_baseline, add_noqa=add_noqa, **options)


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
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    baseline: Path | None,
    report_unused_noqa: bool | None,
    preview: bool | None,
    write_baseline: Path | None = None,
    add_noqa: bool = False,
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
        report_unused_noqa=report_unused_noqa,
        preview=preview,
        baseline=baseline,
    )
    recorded = None if write_baseline else _read_baseline(config)
    bar = progress.ProgressBar(sys.stderr) if progress.wanted(sys.stderr) else None
    if paths == (Path("-"),):
        _stdin(config, fixing, unsafe_fixes, diff, stdin_filename or "-", exit_zero, recorded)
    run = {
        "force_exclude": force_exclude,
        "jobs": jobs,
        "cache_dir": None if no_cache else cache_dir or config.root / CACHE_DIR_NAME,
        "progress": bar,
    }
    try:
        if fixing:
            diagnostics, fixed, failed = _fix(
                list(paths) or [Path(".")], config, unsafe_fixes, diff, run
            )
        else:
            from asynclint.api import check_paths

            result = check_paths(list(paths) or [Path(".")], config, **run)
            diagnostics, fixed, failed = result.diagnostics, None, False
    except ValueError as error:  # an invalid exclude pattern
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    finally:
        if bar is not None:
            bar.close()
    if diff:
        sys.exit(EXIT_FINDINGS if fixed else EXIT_CLEAN)
    if write_baseline is not None:
        _write_baseline(write_baseline, diagnostics, config)
    diagnostics, hidden = _without_baseline(diagnostics, recorded, config)
    if add_noqa:
        _add_noqa(diagnostics)
    render(
        output_format,
        diagnostics,
        sys.stdout,
        color=_use_color(sys.stdout),
        statistics=statistics,
        rules=_enabled_rules(config) if output_format == "sarif" else None,
        edits=_edits(diagnostics, config) if output_format == "sarif" else None,
        root=config.root,
    )
    stream = sys.stdout if output_format == "text" else sys.stderr
    if fixed is not None:
        click.echo(f"Fixed {fixed} error{'' if fixed == 1 else 's'}.", file=stream)
    if hidden:
        click.echo(f"{_count(hidden, 'finding')} hidden by the baseline.", file=stream)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _edits(diagnostics: list[Diagnostic], config: Config) -> dict[tuple[str, str, int, int], Any]:
    """The findings' fixes as text edits of their files (SARIF's fixes are edits)."""
    from asynclint.engine import fix_edits, module_name_for

    found, rules = {}, _enabled_rules(config)
    for filename in sorted({d.filename for d in diagnostics if d.fix_applicability}):
        try:
            source = Path(filename).read_bytes()
        except OSError:
            continue
        module = module_name_for(Path(filename))
        edits = fix_edits(source, filename, config, module_name=module, rules=rules)
        for (code, row, column), edit in edits.items():
            found[filename, code, row, column] = edit
    return found


def _enabled_rules(config: Config) -> list[Any]:
    from asynclint.engine import enabled_rules

    return enabled_rules(config)


def _fix(
    paths: list[Path], config: Config, unsafe: bool, diff: bool, run: dict[str, Any]
) -> tuple[list[Diagnostic], int, bool]:
    """Fix (or, with `diff`, show the fixes of) the files: the findings left, how many were
    fixed, and whether a file could not be written."""
    from asynclint.api import fix_paths
    from asynclint.atomic import write_atomic

    changed, result = fix_paths(paths, config, unsafe=unsafe, **run)
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _read_baseline(config: Config) -> Counter[Fingerprint] | None:
    """The findings recorded in the configured baseline (None without one); exit 2 on error."""
    if config.baseline is None:
        return None
    from asynclint.baseline import BaselineError, load

    try:
        return load(config.baseline)
    except BaselineError as error:
        click.echo(f"asynclint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _without_baseline(
    diagnostics: list[Diagnostic], recorded: Counter[Fingerprint] | None, config: Config
) -> tuple[list[Diagnostic], int]:
    if recorded is None:
        return diagnostics, 0
    from asynclint.baseline import new_findings

    return new_findings(diagnostics, recorded, config.root, Path.cwd())


def _write_baseline(path: Path, diagnostics: list[Diagnostic], config: Config) -> NoReturn:
    from asynclint.baseline import write

    try:
        write(path, diagnostics, config.root, Path.cwd())
    except OSError as error:
        click.echo(f"asynclint: error: {path}: cannot write the baseline: {error}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Wrote {_count(len(diagnostics), 'finding')} to the baseline {path}.")
    sys.exit(EXIT_CLEAN)


def _add_noqa(diagnostics: list[Diagnostic]) -> NoReturn:
    """Suppress each finding with a noqa comment on its line; exit 1 when some could not be."""
    from asynclint.add_noqa import Target, add_noqa
    from asynclint.atomic import write_atomic
    from asynclint.rules import load_rules

    rules = load_rules()
    by_file: dict[str, list[Target]] = {}
    skipped: list[tuple[str, int, str, str]] = []
    for d in diagnostics:
        if rules[d.code].engine_only:
            skipped.append((d.filename, d.location.row, d.code, "noqa does not apply to it"))
        else:
            target = Target(d.location.row, d.end_location.row, d.code)
            by_file.setdefault(d.filename, []).append(target)
    added, failed = 0, False
    for filename, targets in by_file.items():
        path = Path(filename)
        try:
            before = path.read_bytes()
            edit = add_noqa(before, targets)
            if edit.source != before:
                write_atomic(path, edit.source)
        except OSError as error:
            click.echo(f"asynclint: error: {filename}: {error}", err=True)
            failed = True
            continue
        added += edit.added
        skipped.extend((filename, row, code, why) for row, code, why in edit.skipped)
    for filename, row, code, why in sorted(skipped):
        click.echo(f"asynclint: warning: {filename}:{row}: {code} not suppressed: {why}", err=True)
    click.echo(f"Added {_count(added, 'noqa directive')}.")
    sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if skipped else EXIT_CLEAN)


def _stdin(
    config: Config,
    fixing: bool,
    unsafe: bool,
    diff: bool,
    filename: str,
    exit_zero: bool,
    recorded: Counter[Fingerprint] | None,
) -> NoReturn:
    """`asynclint fix -`: the fixed source on stdout, what is left on stderr."""
    from asynclint.engine import check_source, enabled_rules, fix_file, module_name_for
    from asynclint.output import render

    source = sys.stdin.buffer.read()
    module_name = module_name_for(Path(filename))
    pins = project_pins(config.root, manifest_folders([Path(filename)]))
    config = config.with_overrides(fastapi_pins=pins)
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
    diagnostics, _ = _without_baseline(left.diagnostics, recorded, config)
    render("text", diagnostics, sys.stdout if not fixing else sys.stderr, show_fixes=False)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


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
