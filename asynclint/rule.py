"""The rule base class: metadata as class attributes, automatic registration."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from asynclint.config import Config
    from asynclint.fix import Fix
    from asynclint.semantic.model import SemanticModel

_CODE = re.compile(r"ASL\d{3}")
_NAME = re.compile(r"[a-z]+(-[a-z0-9]+)*")
DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
DOCS_URL = "https://github.com/asynclint/asynclint/blob/main/docs/rules/{name}.md"


class FixAvailability(enum.Enum):
    NEVER = "never"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@functools.cache
def _visited_types(cls: type) -> dict[str, str]:
    return {
        attr[len("visit_") :]: attr
        for attr in dir(cls)
        if attr.startswith("visit_") and callable(getattr(cls, attr))
    }


class RuleError(Exception):
    """A rule class whose metadata break the contract."""


REGISTRY: dict[str, type[Rule]] = {}


class LineOf:
    """A message argument that becomes the line number of `node` once positions are known."""

    __slots__ = ("node",)

    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node


class Report:
    """One finding a rule made, before positions are known."""

    __slots__ = ("args", "code", "fix", "node", "template")

    def __init__(
        self,
        code: str,
        node: cst.CSTNode,
        template: str,
        args: dict[str, str | LineOf],
        fix: Fix | None = None,
    ) -> None:
        self.code = code
        self.node = node
        self.template = template
        self.args = args
        self.fix = fix

    def extra_nodes(self) -> list[cst.CSTNode]:
        return [v.node for v in self.args.values() if isinstance(v, LineOf)]

    def message(self, line_of: Callable[[cst.CSTNode], int]) -> str:
        args = {k: line_of(v.node) if isinstance(v, LineOf) else v for k, v in self.args.items()}
        return self.template.format(**args)


class Rule:
    """Base of every rule.

    A rule declares `visit_<NodeType>(self, node)` methods; the engine calls them for every node
    of that type in the file, after the semantic model is complete. A rule reads the model through
    `self.semantic` and reports with `self.report(node, **message_args)`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    fix_title: ClassVar[str | None] = None
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NEVER
    #: Rules the engine emits itself (ASL001/ASL002) have no visitors.
    engine_only: ClassVar[bool] = False
    #: Node types the rule reads through `semantic.nodes(...)` without visiting them.
    collects: ClassVar[tuple[type[cst.CSTNode], ...]] = ()
    #: A file whose text contains none of these cannot trigger the rule (empty: any file).
    requires_text: ClassVar[tuple[str, ...]] = ()
    #: The rule follows calls into other modules' functions: every module's summary must say
    #: what its functions do (block on, suspend; costly: only when such a rule is enabled).
    follows_functions: ClassVar[bool] = False
    #: The pitfall costs only code that serves requests: the rule reports nothing in a module
    #: that never serves one (a script, a CLI, a migration; `FastAPIModel.one_off`).
    serves_requests: ClassVar[bool] = False
    #: The `[tool.asynclint]` keys (kebab-case) the rule reads, for its documentation.
    settings: ClassVar[tuple[str, ...]] = ()
    #: Rules sharing this function are visited together: the engine calls it once per node of
    #: the one type they visit, with all of them, instead of each rule's `visit_<Type>`.
    group_visitor: ClassVar[Callable[[Sequence[Any], cst.CSTNode], None] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith("_"):
            return
        for attr in ("code", "name", "message"):
            if not isinstance(getattr(cls, attr, None), str):
                raise RuleError(f"{cls.__name__} must define `{attr}` as a string")
        if not _CODE.fullmatch(cls.code):
            raise RuleError(f"{cls.__name__}: code {cls.code!r} is not ASL###")
        if not _NAME.fullmatch(cls.name):
            raise RuleError(f"{cls.__name__}: name {cls.name!r} is not kebab-case")
        if cls.code in REGISTRY and REGISTRY[cls.code] is not cls:
            raise RuleError(f"{cls.__name__}: code {cls.code} already used")
        if not cls.__doc__ or not all(h in cls.__doc__ for h in DOC_HEADINGS):
            raise RuleError(f"{cls.__name__}: docstring lacks the required headings")
        REGISTRY[cls.code] = cls

    def __init__(self, semantic: SemanticModel, config: Config) -> None:
        self.semantic = semantic
        self.config = config
        self.reports: list[Report] = []

    @classmethod
    def visited_types(cls) -> dict[str, str]:
        """Node type name -> method name, for every `visit_<Type>` the rule defines."""
        return _visited_types(cls)

    @classmethod
    def applies_to(cls, text: str, seen: dict[str, bool] | None = None) -> bool:
        """`text` holds one of `requires_text`; `seen` remembers, across rules, which words
        it holds (many rules look for the same ones)."""
        if not cls.requires_text:
            return True
        seen = {} if seen is None else seen
        for word in cls.requires_text:
            held = seen.get(word)
            if held is None:
                held = seen[word] = word in text
            if held:
                return True
        return False

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(name=cls.name)

    @classmethod
    def summary(cls) -> str:
        """First sentence of the "What it does" section."""
        doc = cls.__doc__ or ""
        body = doc.split("## What it does", 1)[-1].split("##", 1)[0]
        sentence = " ".join(body.split()).split(". ")[0].rstrip(".")
        return sentence.split(": ")[0].removeprefix("Checks for ").removeprefix("Reports ")

    def report(
        self, node: cst.CSTNode, fix: Fix | None = None, **message_args: str | LineOf
    ) -> None:
        """Report at `node`; a `LineOf(other)` argument is filled with the line of `other`."""
        self.reports.append(Report(self.code, node, self.message, message_args, fix))
