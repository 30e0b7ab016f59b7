"""Check one file: decode, parse once, build the semantic model in one walk, run the rules."""

from __future__ import annotations

import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
import tokenize
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from itertools import accumulate
from pathlib import Path

import libcst as cst

from asynclint.config import Config
from asynclint.diagnostic import Analysis, Diagnostic, Edit, FileResult, Location
from asynclint.fix import Fix, apply_fixes
from asynclint.positions import ParentOf, enclosing_scope, line_column, locate
from asynclint.rule import Report, Rule
from asynclint.rules import load_rules
from asynclint.semantic.model import SemanticModel
from asynclint.semantic.project import SUMMARY_NODES, ModuleSummary, ProjectIndex
from asynclint.semantic.project import summarize as summarize_module
from asynclint.suppress import UNUSED_NOQA, parse_suppressions, unused_directives

MAX_FILE_BYTES = 10 * 1024 * 1024
#: Nesting deeper than this, or lines longer than this, are parsed in a child process first:
#: LibCST's native parser overflows its stack (a segfault) on about 2,000 nested brackets.
SUSPICIOUS_DEPTH = 200
SUSPICIOUS_LINE = 20_000
PARSE_TIMEOUT = 30.0
#: The parser also recurses once per link of a long `elif` or `and`/`or` chain, which no
#: bracket count sees: it runs on a thread with this much stack (address space; only the part
#: the recursion reaches is ever touched), where such chains parse instead of overflowing.
PARSER_STACK = 512 * 1024 * 1024

_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")
_DEPTH = bytes.maketrans(b"([{)]}", b"\x02\x02\x02\x00\x00\x00")
_LONG_LINE = re.compile(rb"(?m)^[^\n]{%d}" % SUSPICIOUS_LINE)
#: LibCST parses a chain of trailers (`a[0][0]...`, `f()()...`, `x().y().z()...`) in time
#: cubic in its length: 400 links take 0.2 s, 1,000 take 2.4 s, 3,000 over a minute.
MAX_CHAIN = 400
#: A line long enough to hold that many links (a link is 3 characters at least). Anchored at
#: a line's start: unanchored, the search tries again at every character of every line.
_CHAIN_LINE = re.compile(rb"(?m)^[^\n]{%d,}" % (MAX_CHAIN * 3))
_LINK = re.compile(rb"[\])][\[(.]")


@cache
def _rule_classes() -> dict[str, type[Rule]]:
    return load_rules()


def enabled_rules(config: Config) -> list[type[Rule]]:
    rules = _rule_classes()
    codes = config.enabled_codes(rules)
    return [rules[code] for code in sorted(codes)]


def module_name_for(path: Path) -> str:
    """`app.routers.users` for app/routers/users.py when app/ and routers/ are packages."""
    parts = [path.stem] if path.stem != "__init__" else []
    parent = path.parent
    while (parent / "__init__.py").is_file() and parent.name:
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts) or "__main__"


class _Checker:
    def __init__(self, source: bytes, filename: str, config: Config, module_name: str) -> None:
        self.source = source
        self.filename = filename
        self.config = config.for_file(filename)
        self.module_name = module_name
        self.result = FileResult(filename)
        self.text = ""
        self.module: cst.Module | None = None
        self.summary: ModuleSummary | None = None
        self.asked: frozenset[tuple[str, str]] = frozenset()
        #: line -> the codes its noqa comment suppressed.
        self.noqa_used: dict[int, set[str]] = {}

    def engine_finding(self, code: str, detail: str, row: int = 1, column: int = 1) -> FileResult:
        rule = _rule_classes()[code]
        line = self.text.splitlines()[row - 1] if 0 < row <= len(self.text.splitlines()) else ""
        self.result.diagnostics.append(
            Diagnostic(
                filename=self.filename,
                code=code,
                name=rule.name,
                message=rule.message.format(detail=detail),
                location=Location(row, column),
                end_location=Location(row, column),
                source_line=line,
                url=rule.url(),
            )
        )
        return self.result

    def decode(self) -> str | None:
        if len(self.source) > MAX_FILE_BYTES:
            size = len(self.source) / 1024 / 1024
            self.engine_finding("ASL002", f"File too large to check ({size:.1f} MB > 10 MB)")
            return None
        if b"\0" in self.source:
            self.engine_finding("ASL002", "Binary file (contains NUL bytes), not Python source")
            return None
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(self.source).readline)
        except SyntaxError as error:
            if "invalid or missing encoding declaration" not in str(error.msg):
                self.engine_finding("ASL002", f"Cannot decode: {error.msg}")
                return None
            encoding = "utf-8"  # undecodable bytes in the first two lines: say where below
        try:
            return self.source.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            where = ""
            if isinstance(error, UnicodeDecodeError):
                line = self.source.count(b"\n", 0, error.start) + 1
                where = f" (line {line}, byte {error.start})"
            self.engine_finding(
                "ASL002",
                f"Not valid {encoding}{where}; add a coding cookie or re-encode the file as UTF-8",
            )
        return None

    def parse(self) -> cst.Module | None:
        links = _longest_chain(self.source)
        if links > MAX_CHAIN:
            detail = (
                f"A chain of {links} calls or subscripts on one line: more than the parser "
                f"handles in reasonable time ({MAX_CHAIN}); not checked"
            )
            return self._parse_failed(("crash", detail))
        if _suspicious(self.source):
            problem = _parse_isolated(self.source)
            if problem is not None:
                return self._parse_failed(problem)
        try:
            return _parse_module(self.source)
        except cst.ParserSyntaxError as error:
            return self._parse_failed(_syntax_problem(error.message, error.raw_line))
        except RecursionError:
            return self._parse_failed(("crash", "The parser hit its recursion limit"))
        except Exception as error:  # the parser is third-party code: contain its failures
            return self._parse_failed(("crash", f"The parser crashed: {error!r}"))

    def _parse_failed(self, problem: tuple) -> None:
        if problem[0] == "syntax":
            _, message, line, column = problem
            if message.startswith("tokenizer error") and (line, column) == (1, 1):
                line, column = _tokenizer_error_position(message, self.text)
            self.engine_finding("ASL001", message, line, column)
        else:
            self.engine_finding("ASL002", problem[1])
        return None

    def run(
        self,
        rules: Sequence[type[Rule]],
        project: ProjectIndex | None = None,
        summarize: bool = False,
    ) -> FileResult:
        if self.load() is not None:
            self.analyse_module(rules, project, summarize)
        return self.result

    def load(self) -> cst.Module | None:
        """Decode and parse; None (with the ASL001/ASL002 finding made) when that fails."""
        text = self.decode()
        if text is None:
            return None
        self.text = text
        self.module = self.parse()
        return self.module

    def active(self, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
        """The rules that can find something in this file."""
        seen: dict[str, bool] = {}
        return [r for r in rules if not r.engine_only and r.applies_to(self.text, seen)]

    def analyse_module(
        self,
        rules: Sequence[type[Rule]],
        project: ProjectIndex | None = None,
        summarize: bool = False,
    ) -> None:
        assert self.module is not None
        active = self.active(rules)
        if not active and not summarize:
            self.report_unused_noqa(rules)
            return
        try:
            collect = SUMMARY_NODES if summarize else ()
            prepare = (lambda model: self.summarize(model, rules)) if summarize else None
            model, reports = self.analyse(self.module, active, project, collect, prepare)
            self.asked = frozenset(model.asked)
            if reports:
                self.add_reports(self.module, reports, model.parent_of)
            model.close()
            self.report_unused_noqa(rules)
        except RecursionError:
            self.engine_finding("ASL002", "Too deeply nested to analyse")
        except Exception as error:  # a bug of ours must cost one file, not the run
            self.engine_finding(
                "ASL002",
                f"Internal error while checking this file ({type(error).__name__}: {error}); "
                "please report it",
            )

    def summarize(self, model: SemanticModel, rules: Sequence[type[Rule]]) -> None:
        """What this module tells the others, from this file alone (`model` knows no other
        module yet): a pure function of the file's bytes, so it can be cached by them."""
        assert self.module is not None
        lines = None  # function facts only for rules that follow calls across modules
        if any(r.follows_functions for r in rules):
            blocking = model.local_facts.blocking_nodes()
            spans = locate(self.module, blocking, model.parent_of, self.text)
            lines = {key: span[0][0] for key, span in spans.items()}
        self.summary = summarize_module(model, lines, self.filename)

    def analyse(
        self,
        module: cst.Module,
        rules: Sequence[type[Rule]],
        project: ProjectIndex | None,
        collect: Sequence[type] = (),
        prepare: Callable[[SemanticModel], None] | None = None,
    ) -> tuple[SemanticModel, list[Report]]:
        """Run `rules` over `module`; `prepare` first reads the model as if no other module
        were known, then the model learns what `project` knows."""
        visits: dict[type, list] = {node_type: [] for node_type in collect}
        for rule_class in rules:
            for type_name in rule_class.visited_types():
                visits.setdefault(getattr(cst, type_name), [])
            for node_type in rule_class.collects:
                visits.setdefault(node_type, [])
        is_package = os.path.basename(self.filename).startswith("__init__.")
        known = ProjectIndex(project_roots=project.project_roots) if project else None
        model = SemanticModel(module, self.module_name, visits, known, is_package)
        if prepare is not None:
            prepare(model)
        model.learn(project)
        if any(r.serves_requests for r in rules) and model.fastapi.one_off:
            rules = [r for r in rules if not r.serves_requests]
        instances = [rule_class(model, self.config) for rule_class in rules]
        together: dict[Callable, list[Rule]] = {}
        for instance in instances:
            group = instance.group_visitor
            if group is None:
                for type_name, method in instance.visited_types().items():
                    visits[getattr(cst, type_name)].append(getattr(instance, method))
                continue
            if group not in together:  # visited where the group's first rule would be
                together[group] = []
                (type_name,) = instance.visited_types()
                visits[getattr(cst, type_name)].append(partial(group, together[group]))
            together[group].append(instance)
        for node_type, methods in visits.items():
            for node in model.nodes(node_type):
                for method in methods:
                    method(node)
        return model, [report for instance in instances for report in instance.reports]

    def add_reports(
        self, module: cst.Module, reports: list[Report], parent_of: ParentOf | None = None
    ) -> None:
        nodes = [n for r in reports for n in (r.node, *r.extra_nodes())]
        spans = locate(module, nodes, parent_of, self.text)
        lines = self.text.splitlines()
        noqa = parse_suppressions(self.text)
        rules = _rule_classes()
        seen = set()
        for report in reports:
            (row, column), (end_row, end_column) = spans.get(id(report.node), ((1, 1), (1, 1)))
            key = (report.code, row, column)
            if key in seen:
                continue
            seen.add(key)
            noqa_row = next((r for r in (row, end_row) if noqa.suppresses(r, report.code)), 0)
            if noqa_row:
                self.result.suppressed += 1
                self.noqa_used.setdefault(noqa_row, set()).add(report.code)
                continue
            rule = rules[report.code]
            self.result.diagnostics.append(
                Diagnostic(
                    filename=self.filename,
                    code=report.code,
                    name=rule.name,
                    message=report.message(
                        lambda node: spans.get(id(node), ((0, 0), (0, 0)))[0][0]
                    ),
                    location=Location(row, column),
                    end_location=Location(end_row, end_column),
                    source_line=lines[row - 1] if row <= len(lines) else "",
                    fix_title=rule.fix_title,
                    url=rule.url(),
                    fix_applicability=report.fix.applicability.value if report.fix else None,
                    scope=enclosing_scope(report.node, parent_of) if parent_of else "",
                )
            )

    def report_unused_noqa(self, rules: Sequence[type[Rule]]) -> None:
        """ASL003 for each `# noqa` that suppressed none of the findings of `rules`."""
        if not any(r.code == UNUSED_NOQA for r in rules):
            return
        enabled = {r.code for r in rules}
        noqa = parse_suppressions(self.text)
        for row, column, detail in unused_directives(noqa, self.noqa_used, enabled):
            self.engine_finding(UNUSED_NOQA, detail, row, column)


_ERROR_AT = re.compile(r"(?:parser error: )?error at (\d+):(\d+): ")


def _syntax_problem(message: str, raw_line: int) -> tuple[str, str, int, int]:
    """LibCST's message carries the error position; keep the list of expected tokens short."""
    message = " ".join(message.split())
    line, column = raw_line, 1
    match = _ERROR_AT.match(message)
    if match:
        line, column = int(match.group(1)), max(int(match.group(2)), 1)
        message = message[match.end() :]
    if message.startswith("expected one of "):
        options = message[len("expected one of ") :].split(", ")
        if len(options) > 6:
            message = "expected one of " + ", ".join(options[:6]) + ", ..."
    return ("syntax", message, line, column)


_BAD_CHARACTER = re.compile(r"'\\u\{([0-9a-fA-F]+)\}' is not a valid character")
_ON_LINE = re.compile(r"on line (\d+)")


def _tokenizer_error_position(message: str, text: str) -> tuple[int, int]:
    """LibCST's tokenizer errors carry no position; recover one from what they name."""
    bad = _BAD_CHARACTER.search(message)
    if bad:
        index = text.find(chr(int(bad.group(1), 16)))
        if index >= 0:
            line = text.count("\n", 0, index) + 1
            return line, index - (text.rfind("\n", 0, index) + 1) + 1
    on_line = _ON_LINE.search(message)
    if on_line:
        return int(on_line.group(1)), 1
    return 1, 1


def _longest_chain(source: bytes) -> int:
    """The most trailer links (`][`, `)(`, `).`) on one line, counted only on lines long
    enough to hold more than MAX_CHAIN of them."""
    return max((len(_LINK.findall(m.group())) + 1 for m in _CHAIN_LINE.finditer(source)), default=0)


def _suspicious(source: bytes) -> bool:
    brackets = source.translate(_DEPTH, _BRACKETS)
    if len(brackets) > SUSPICIOUS_DEPTH and max(accumulate(b - 1 for b in brackets)) > (
        SUSPICIOUS_DEPTH
    ):
        return True
    return len(source) > SUSPICIOUS_LINE and _LONG_LINE.search(source) is not None


def _parse_module(source: bytes) -> cst.Module:
    """`cst.parse_module(source)` on a thread with a PARSER_STACK stack (on this one when no
    such thread can be made); what it raises is raised here."""
    parser = _Parser.here()
    return _parse_unchecked(source) if parser is None else parser.parse(source)


#: What LibCST runs as each node is built: the node's own checks of its fields.
_VALIDATE = cst.CSTNode.__dict__.get("__post_init__")


def _parse_unchecked(source: bytes) -> cst.Module:
    """`cst.parse_module(source)` without the checks each node runs on its fields as it is
    built. The parser builds only nodes that pass them (LibCST's own note on
    `CSTNode.__post_init__` says they could be skipped when parsing), and they cost about a
    tenth of the parse. Nodes built anywhere else are checked as before: this is put back
    before the parse returns, and nothing else builds nodes while a parse runs (the thread
    that asked waits for it)."""
    if _VALIDATE is None:  # a LibCST that checks its nodes some other way
        return cst.parse_module(source)
    cst.CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        cst.CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]


def _unchecked(self: cst.CSTNode) -> None:
    pass


class _Parser:
    """One long-lived parsing thread per process. A new thread per file cost a fifth of the
    parse: each starts with cold allocator arenas."""

    _pid = -1
    _parser: _Parser | None = None

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[cst.Module | BaseException] = queue.SimpleQueue()
        previous = threading.stack_size(PARSER_STACK)
        try:
            threading.Thread(target=self._serve, name="asynclint-parse", daemon=True).start()
        finally:
            threading.stack_size(previous)

    @classmethod
    def here(cls) -> _Parser | None:
        """This process's parser (a forked worker starts its own), None when no thread with
        that stack can be made."""
        if cls._pid != os.getpid():
            cls._pid = os.getpid()
            try:
                cls._parser = cls()
            except (ValueError, RuntimeError):  # no such stack here
                cls._parser = None
        return cls._parser

    def _serve(self) -> None:
        while True:
            source = self._jobs.get()
            try:
                self._done.put(_parse_unchecked(source))
            except BaseException as error:
                self._done.put(error)

    def parse(self, source: bytes) -> cst.Module:
        self._jobs.put(source)
        outcome = self._done.get()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


_CHILD = """
import json, sys
import libcst
try:
    libcst.parse_module(sys.stdin.buffer.read())
except libcst.ParserSyntaxError as e:
    print(json.dumps(["syntax", e.message, e.raw_line, 0]))
except BaseException as e:
    print(json.dumps(["crash", "The parser crashed: " + repr(e)[:200]]))
"""


def _parse_isolated(source: bytes) -> tuple | None:
    """Parse in a child process, so a parser crash or hang costs only that child."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=source,
            capture_output=True,
            timeout=PARSE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ("crash", f"The parser did not finish within {PARSE_TIMEOUT:.0f} s")
    if done.returncode < 0:
        return (
            "crash",
            f"The parser crashed (signal {-done.returncode}), probably on deeply nested code",
        )
    out = done.stdout.decode("utf-8", "replace").strip()
    if out:
        problem = json.loads(out)
        return _syntax_problem(problem[1], problem[2]) if problem[0] == "syntax" else tuple(problem)
    if done.returncode != 0:
        return ("crash", f"The parser failed (exit code {done.returncode})")
    return None


def engine_error(filename: str, detail: str) -> FileResult:
    """An ASL002 finding for a file that could not be read or analysed."""
    return _Checker(b"", filename, Config(), "").engine_finding("ASL002", detail)


def analyse_file(
    source: bytes,
    filename: str,
    config: Config,
    *,
    module_name: str,
    rules: Sequence[type[Rule]],
    project: ProjectIndex,
    summarize: bool,
) -> Analysis:
    """Check one file of a project run, knowing what `project` knows of the other modules;
    with `summarize`, also say what this module tells the others."""
    checker = _Checker(source, filename, config, module_name)
    checker.run(rules, project, summarize)
    checker.result.diagnostics.sort(key=lambda d: d.sort_key)
    return Analysis(checker.result, checker.summary, checker.asked)


def check_source(
    source: bytes,
    filename: str,
    config: Config | None = None,
    *,
    module_name: str | None = None,
    rules: Sequence[type[Rule]] | None = None,
    project: ProjectIndex | None = None,
) -> FileResult:
    """Check one file's bytes. Never raises for bad input: problems become ASL001/ASL002."""
    config = config or Config()
    if module_name is None:
        module_name = module_name_for(Path(filename))
    if rules is None:
        rules = enabled_rules(config)
    checker = _Checker(source, filename, config, module_name)
    result = checker.run(rules, project)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


MAX_FIX_PASSES = 10
#: LibCST drops the last line break of a file whose line breaks are lone CRs.
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass
class FixOutcome:
    """What fixing one file gave: its new bytes (the old ones on error), how many fixes, and
    the findings left in the new bytes (None on error: the file's findings are unchanged)."""

    source: bytes
    fixed: int = 0
    error: str | None = None
    left: FileResult | None = None


def fix_file(
    source: bytes,
    filename: str,
    config: Config,
    *,
    module_name: str,
    rules: Sequence[type[Rule]],
    project: ProjectIndex | None = None,
    unsafe: bool = False,
) -> FixOutcome:
    """Apply the fixes of `rules`, re-check and repeat until nothing fixable is left.

    The result must parse (and compile, when the input did); otherwise, or when the fixes do
    not settle within MAX_FIX_PASSES passes, the file is left as it was and the error given.
    The last pass, which finds nothing more to fix, gives the findings left.
    """
    original, fixed = source, 0
    if _LONE_CR.search(source):
        return FixOutcome(
            original,
            0,
            "its line breaks are lone CRs (classic Mac OS), which "
            "the fixer cannot keep: file left unchanged",
        )
    for _ in range(MAX_FIX_PASSES + 1):
        checker = _Checker(source, filename, config, module_name)
        module = checker.load()
        if module is None:
            if source != original:
                return FixOutcome(original, 0, "the fixes produced code that does not parse")
            break
        try:
            model, reports = checker.analyse(module, checker.active(rules), project)
            fixes = _chosen_fixes(module, model, reports, checker.text, unsafe)
            new = apply_fixes(module, fixes).bytes if fixes else source
            if new == source:  # settled: what is found now is what is left
                if reports:
                    checker.add_reports(module, reports, model.parent_of)
                checker.report_unused_noqa(rules)
        except RecursionError:
            return FixOutcome(original, 0, "too deeply nested to fix")
        except Exception as error:  # a bug of ours must cost one file, not the run
            return FixOutcome(original, 0, f"internal error while fixing ({error!r})")
        if new == source:
            break
        source, fixed = new, fixed + len(fixes)
    else:
        return FixOutcome(original, 0, f"fixes did not converge after {MAX_FIX_PASSES} passes")
    if source != original:
        problem = _not_compiling(original, source, filename)
        if problem is not None:
            return FixOutcome(original, 0, problem)
    checker.result.diagnostics.sort(key=lambda d: d.sort_key)
    return FixOutcome(source, fixed, left=checker.result)


def fix_edits(
    source: bytes,
    filename: str,
    config: Config,
    *,
    module_name: str,
    rules: Sequence[type[Rule]],
) -> dict[tuple[str, int, int], Edit]:
    """Each fix of the file's findings, alone, as a text edit of the file: keyed by the
    finding's code, line and column (for SARIF, whose fixes are edits, not transforms)."""
    checker = _Checker(source, filename, config, module_name)
    module = checker.load()
    if module is None:
        return {}
    model, reports = checker.analyse(module, checker.active(rules), None)
    fixable = [r for r in reports if r.fix is not None]
    if not fixable:
        return {}
    spans = locate(module, [r.node for r in fixable], model.parent_of, checker.text)
    old = module.code
    edits = {}
    for report in fixable:
        assert report.fix is not None
        try:
            new = apply_fixes(module, [report.fix]).code
        except Exception:  # a fix that cannot be made alone is left out, as fix_file would
            continue
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        end_old, end_new = len(old), len(new)
        while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
            end_old, end_new = end_old - 1, end_new - 1
        (row, column), _ = spans.get(id(report.node), ((0, 0), (0, 0)))
        edits[report.code, row, column] = (
            *line_column(old, start),
            *line_column(old, end_old),
            new[start:end_new],
        )
    return edits


def _chosen_fixes(
    module: cst.Module, model: SemanticModel, reports: list[Report], text: str, unsafe: bool
) -> list[Fix]:
    """The fixes to apply in one pass: allowed, not suppressed, and not nested in each other."""
    candidates = [r for r in reports if r.fix is not None and r.fix.allowed(unsafe)]
    if not candidates:
        return []
    spans = locate(module, [r.node for r in candidates], model.parent_of, text)
    noqa = parse_suppressions(text)
    chosen: list[Fix] = []
    chosen_nodes: set[int] = set()
    taken: set[int] = set()  # the chosen fixes' nodes and all their ancestors
    for report in sorted(candidates, key=lambda r: spans.get(id(r.node), ((0, 0), (0, 0)))):
        (row, _), (end_row, _) = spans.get(id(report.node), ((0, 0), (0, 0)))
        if noqa.suppresses(row, report.code) or noqa.suppresses(end_row, report.code):
            continue
        fix = report.fix
        assert fix is not None
        nodes = [node for node, _ in fix.edits]
        ancestors = [a for node in nodes for a in _ancestors(model, node)]
        if any(id(n) in taken for n in nodes) or any(id(a) in chosen_nodes for a in ancestors):
            continue  # overlaps a fix already chosen: the next pass will see it again
        chosen.append(fix)
        chosen_nodes.update(id(n) for n in nodes)
        taken.update(id(n) for n in nodes)
        taken.update(id(a) for a in ancestors)
    return chosen


def _ancestors(model: SemanticModel, node: cst.CSTNode) -> list[cst.CSTNode]:
    found = []
    parent = model.parent_of(node)
    while parent is not None:
        found.append(parent)
        parent = model.parent_of(parent)
    return found


def _not_compiling(original: bytes, fixed: bytes, filename: str) -> str | None:
    """Why the fixed bytes (which parse) may not replace the original ones, if they may not."""
    with warnings.catch_warnings():  # the compiler's opinions of the user's code are not ours
        warnings.simplefilter("ignore")
        try:
            compile(original, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return None  # newer syntax than this Python: parsing is all that can be checked
        try:
            compile(fixed, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            return f"the fixes produced code that does not compile ({error}); file left unchanged"
    return None
