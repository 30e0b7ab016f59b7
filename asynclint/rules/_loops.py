"""Loops a call runs in, and whether the call's arguments change with each iteration.

Shared by the rules about one round trip per item (ASL301 N+1 queries, ASL302 sequential
requests). A call "depends on the loop" when its arguments (or the arguments anywhere in its
method chain, `db.query(User).filter(User.id == uid)`) name a loop variable or a name assigned
from one inside the loop body. Loops over a literal (`for t in [access, refresh]`) and event
streams (`async for msg in websocket.iter_json()`) are not loops over data.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from asynclint.semantic.model import SemanticModel
from asynclint.semantic.scopes import Binding, BindingKind, Scope
from asynclint.semantic.walker import body_nodes, code_children, named_parameters

Comprehension = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_LITERALS = (cst.List, cst.Tuple, cst.Set, cst.Dict)
_BOUNDARIES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)
#: What may skip a statement in a loop's body.
_CONDITIONAL = (
    cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.For, cst.While,
    cst.Match, cst.IfExp, cst.BooleanOperation,
)  # fmt: skip
#: `item = stack.pop()` in a `while` body: the loop drains a collection, one item per turn.
_DRAIN_METHODS = frozenset({"pop", "popleft", "popitem", "get_nowait"})
#: `stack.extend(children)`: what a loop adds to the collection it works through.
_FEED_METHODS = frozenset(
    {"append", "appendleft", "extend", "extendleft", "add", "update", "insert", "put_nowait"}
)
_CHUNKS = frozenset({"itertools.batched", "more_itertools.chunked", "more_itertools.batched"})
_STREAM_OWNERS = ("fastapi.WebSocket", "starlette.websockets.WebSocket", "httpx.Response")


def names_in(node: cst.CSTNode, *, bounds: bool = True) -> Iterator[str]:
    """Names an expression reads (not attribute names, not keyword names); with
    `bounds=False`, not those read as the bounds of a range (`Log.at >= goal.start`,
    `Log.at.between(a, b)`): one query per range is not what one `IN (...)` batches."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current.value
        elif isinstance(current, (cst.Attribute, cst.Arg)):
            stack.append(current.value)
        elif bounds or not _range(current):
            stack.extend(code_children(current))


_RANGE_OPERATORS = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _own_names(node: cst.CSTNode) -> set[str]:
    """Names bound inside `node` by its comprehensions and lambdas: not read from outside."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.CompFor):
            found |= target_names(current.target)
        elif isinstance(current, cst.Lambda):
            found |= {param.name.value for param in named_parameters(current)}
        stack.extend(code_children(current))
    return found


def _read_by(value: cst.CSTNode) -> set[str]:
    """The names `value` reads from outside it."""
    return set(names_in(value)) - _own_names(value)


def _range(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Comparison):
        return all(isinstance(c.operator, _RANGE_OPERATORS) for c in node.comparisons)
    func = node.func if isinstance(node, cst.Call) else None
    return isinstance(func, cst.Attribute) and func.attr.value == "between"


def assignments(body: cst.CSTNode) -> Iterator[tuple[cst.BaseExpression, cst.CSTNode, bool]]:
    """(target, value, is_augmented) for every binding in `body`, not in nested defs."""
    for node in body_nodes(body):
        kind = type(node)  # not isinstance: these are final classes, and ABC checks are slow
        if kind is cst.Assign:
            for target in node.targets:
                yield target.target, node.value, False
        elif kind is cst.AnnAssign and node.value is not None:
            yield node.target, node.value, False
        elif kind is cst.AugAssign:
            yield node.target, node.value, True
        elif kind is cst.For:
            yield node.target, node.iter, False
        elif kind is cst.WithItem and node.asname is not None:
            yield node.asname.name, node.item, False
        elif kind is cst.NamedExpr:
            yield node.target, node.value, False


def target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return set()


def dependent_names(body: cst.CSTNode, seeds: set[str]) -> set[str]:
    """`seeds` plus every name assigned in `body` from them, to a fixed point."""
    found = set(seeds)
    pairs = [(target_names(t), set(names_in(v))) for t, v, _ in assignments(body)]
    changed = bool(found)
    while changed:
        changed = False
        for targets, read in pairs:
            if read & found and not targets <= found:
                found |= targets
                changed = True
    return found


class LoopAnalysis:
    """Per-file answers about loops, memoised by loop node."""

    def __init__(self, semantic: SemanticModel) -> None:
        self.semantic = semantic
        self._varying: dict[int, frozenset[str]] = {}

    def enclosing(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """Loops `node` runs in once per iteration, innermost first, within its function.

        Not a loop's own iterable (`for x in <here>`), evaluated once.
        """
        below, child = node, node
        parent = self.semantic.parent_of(node)
        while parent is not None and not isinstance(parent, _BOUNDARIES):
            if _per_iteration(parent, child, below):
                yield parent
            below, child, parent = child, parent, self.semantic.parent_of(parent)

    def varying(self, loop: cst.CSTNode) -> frozenset[str]:
        """Names whose value changes per iteration: loop variables and names derived from them.

        A `while` loop varies what it takes from a collection (`item = stack.pop()`); a
        cursor or page read from the previous answer makes the loop sequential by nature, and
        so does a walk over a graph: a loop that adds to the collection it works through what
        an iteration found (`stack.extend(children)`) learns each next item from a query.
        """
        if id(loop) not in self._varying:
            self._varying[id(loop)] = frozenset(self._compute(loop))
        return self._varying[id(loop)]

    def _compute(self, loop: cst.CSTNode) -> set[str]:
        if isinstance(loop, cst.For):
            if self._not_data(loop.iter, is_async=loop.asynchronous is not None):
                return set()
            found = dependent_names(loop.body, target_names(loop.target))
            worklist = {loop.iter.value} if isinstance(loop.iter, cst.Name) else set()
            walks = _feeds(loop.body, worklist, found) or self._recurses(loop, found)
            return set() if walks else found
        if isinstance(loop, cst.While):
            seeds, worklist = set(), set()
            for target, value, augmented in assignments(loop.body):
                if not augmented and self._drains(value):
                    seeds |= target_names(target)
                    worklist |= _receiver(value)
            found = dependent_names(loop.body, seeds)
            walks = _feeds(loop.body, worklist, found) or self._recurses(loop, found)
            return set() if walks else found
        seeds, for_in = set(), loop.for_in  # type: ignore[attr-defined]
        while for_in is not None:
            if not self._not_data(for_in.iter, is_async=for_in.asynchronous is not None):
                seeds |= target_names(for_in.target)
            for_in = for_in.inner_for_in
        return seeds

    def _recurses(self, loop: cst.CSTNode, varying: set[str]) -> bool:
        """Does the loop call the function it is in with what an iteration found (a
        depth-first walk: `for child in children: await visit(child.id)`)?"""
        scope = self.semantic.scope_of(loop)
        function = scope.function if scope is not None else None
        if function is None or not isinstance(function.node, cst.FunctionDef) or not varying:
            return False
        calls = (n for n in body_nodes(loop.body) if isinstance(n, cst.Call))  # type: ignore[attr-defined]
        return any(
            self._calls_itself(call.func, function) and set(names_in(arg.value)) & varying
            for call in calls
            for arg in call.args
        )

    def _calls_itself(self, func: cst.BaseExpression, function: Scope) -> bool:
        """`func` names the function of scope `function`: its `def` by name, or, for a
        method, `self.<name>` / `cls.<name>` of its own class."""
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = self.semantic.self_class(func.value)
            name = function.node.name.value  # type: ignore[attr-defined]
            return owner is not None and owner is function.parent and func.attr.value == name
        return self.semantic.local_function(func) is function.node

    def _drains(self, value: cst.CSTNode) -> bool:
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return False
        if isinstance(value.func, cst.Attribute) and value.func.attr.value in _DRAIN_METHODS:
            return True
        return self.semantic.resolves_to(value.func, "builtins.next")

    def _not_data(self, iterable: cst.BaseExpression, is_async: bool) -> bool:
        """A literal (or a module constant bound to one), or a websocket's message stream."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            qnames = self.semantic.qualified_names(iterable.func)
            if is_async and any(q.startswith(_STREAM_OWNERS) for q in qnames):
                return True
            if iterable.func.attr.value in ("items", "keys", "values") and not iterable.args:
                iterable = iterable.func.value
        if isinstance(iterable, cst.Subscript):
            if _few_sliced(iterable):
                return True  # `recent[:10]`
            return self._constant_table(iterable.value)  # `RELATIONS[kind]`
        if isinstance(iterable, _LITERALS):
            return True
        if isinstance(iterable, cst.Call):  # one query per chunk is the batched form
            qnames = self.semantic.qualified_names(iterable.func)
            if "builtins.range" in qnames:
                return len(iterable.args) == 3 or _few(iterable)
            return bool(qnames & _CHUNKS)
        if isinstance(iterable, cst.Name):
            scope = self.semantic.scope_of(iterable)
            bindings = scope.lookup(iterable.value) if scope is not None else None
            if bindings and _keyword_arguments(bindings[0], iterable.value):
                return True  # `**kwargs`: the arguments its caller wrote, not data
            return bool(bindings) and all(_fixed(b) for b in bindings)  # type: ignore[union-attr]
        return False

    def _constant_table(self, node: cst.BaseExpression) -> bool:
        """A name bound only to a literal of constants (`{"editor": ("owners", "members")}`):
        its items are values the code was written with."""
        if not isinstance(node, cst.Name):
            return False
        scope = self.semantic.scope_of(node)
        bindings = scope.lookup(node.value) if scope is not None else None
        return bool(bindings) and all(
            b.kind is BindingKind.ASSIGN and b.value is not None and _constant(b.value)
            for b in bindings  # type: ignore[union-attr]
        )

    def runs_once(self, node: cst.CSTNode) -> bool:
        """`node` is in a lifespan or startup hook: it runs once, not per request."""
        scope = self.semantic.scope_of(node)
        return scope is not None and self.semantic.fastapi.runs_once(scope.function.node)

    def depends_on(self, call: cst.Call) -> cst.CSTNode | None:
        """The innermost loop whose varying names the call's arguments read, if any."""
        read = set()
        for link in self._chain(call):
            for arg in link.args:
                read.update(names_in(arg.value, bounds=False))
        if not read:
            return None
        for loop in self.enclosing(call):
            varying = self.varying(loop)
            varies = any(self._varies_at(call, loop, n, varying) for n in read & varying)
            if varies and not self._chained(call, loop, read):
                return loop
        return None

    def _chained(self, call: cst.Call, loop: cst.CSTNode, read: set[str]) -> bool:
        """Each call needs what the one before answered: its arguments read (directly or
        through names set earlier in the iteration) a name that every iteration sets, after
        the call, from the call's own result. Filters applied in turn, each to the last one's
        output, or a cursor taken from the previous page: no batch and no gather can make
        such calls at once. A name set only on some path (a token refreshed after a 401) is
        not what the calls are about."""
        body = getattr(loop, "body", None)  # a comprehension has none: it assigns nothing
        if body is None:
            return False
        pairs = [(target_names(t), v) for t, v, _ in assignments(body)]
        around, fresh = set(), set()
        node: cst.CSTNode | None = call
        while node is not None:
            around.add(id(node))
            if isinstance(node, cst.For):  # set from the iterator, anew each time
                fresh |= target_names(node.target)
            if node is loop:
                break
            node = self.semantic.parent_of(node)
        answers = set().union(*(targets for targets, value in pairs if id(value) in around))
        if not answers:
            return False
        answers = dependent_names(body, answers)
        carriers = {
            name
            for targets, value in pairs
            if _read_by(value) & answers and self._always_runs(value, loop)
            for name in targets
        } - fresh
        if not carriers:
            return False
        waiting = [(name, call) for name in set(read) - _own_names(call)]
        seen: set[tuple[str, int]] = set()
        while waiting:
            name, at = waiting.pop()
            if (name, id(at)) in seen or name in fresh:
                continue
            seen.add((name, id(at)))
            if not self._set_earlier(at, loop, name):
                if name in carriers:  # the value the iteration before left
                    return True
                continue
            value = self._reaching_value(at, loop, name)  # this iteration's value: follow it
            if value is not None:
                waiting.extend((n, value) for n in _read_by(value))
        return False

    def _always_runs(self, node: cst.CSTNode, loop: cst.CSTNode) -> bool:
        """`node` runs in every iteration that gets through: no branch, handler or inner
        loop lies between it and `loop`."""
        parent = self.semantic.parent_of(node)
        while parent is not None and parent is not loop:
            if isinstance(parent, _CONDITIONAL):
                return False
            parent = self.semantic.parent_of(parent)
        return parent is loop

    def _set_earlier(self, node: cst.CSTNode, loop: cst.CSTNode, name: str) -> bool:
        """A statement before `node` in the same iteration of `loop` assigns `name`."""
        return any(
            name in target_names(target)
            for statement in self._earlier_statements(node, loop)
            for target, _, _ in assignments(statement)
        )

    def _earlier_statements(self, node: cst.CSTNode, loop: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The statements that run before `node` in an iteration of `loop`, in its enclosing
        blocks: the nearest first."""
        child, parent = node, self.semantic.parent_of(node)
        while parent is not None and parent is not loop:
            if isinstance(parent, cst.IndentedBlock):
                index = next(i for i, s in enumerate(parent.body) if s is child)
                yield from reversed(parent.body[:index])
            child, parent = parent, self.semantic.parent_of(parent)

    def _varies_at(
        self, call: cst.CSTNode, loop: cst.CSTNode, name: str, varying: frozenset[str]
    ) -> bool:
        """`name` varies where `call` reads it, judged by the `name = ...` statement that last
        runs before it (`stmt = select(Org).where(Org.id == org_id)` is loop-invariant even
        when `stmt` held a per-row query earlier in the body)."""
        value = self._reaching_value(call, loop, name)
        if value is None or (isinstance(loop, cst.While) and self._drains(value)):
            return True
        return bool(set(names_in(value, bounds=False)) & (varying - {name}))

    def _reaching_value(
        self, node: cst.CSTNode, loop: cst.CSTNode, name: str
    ) -> cst.BaseExpression | None:
        """The value of the last plain `name = value` before `node` in its enclosing blocks
        within `loop`; None when there is none, or an earlier statement may rebind it."""
        for statement in self._earlier_statements(node, loop):
            if not isinstance(statement, cst.SimpleStatementLine):
                if name in {n for t, _, _ in assignments(statement) for n in target_names(t)}:
                    return None
                continue
            for small in reversed(statement.body):
                if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = (
                        [small.target]
                        if not isinstance(small, cst.Assign)
                        else [t.target for t in small.targets]
                    )
                    if any(name in target_names(t) for t in targets):
                        plain = (
                            isinstance(small, cst.Assign)
                            and len(targets) == 1
                            and isinstance(targets[0], cst.Name)
                        )
                        return small.value if plain else None
        return None

    def _chain(self, call: cst.Call) -> Iterator[cst.Call]:
        """`call` and the calls chained on its result: `db.query(A).filter(...).first()`."""
        node: cst.CSTNode = call
        while True:
            if isinstance(node, cst.Call):
                yield node
            parent = self.semantic.parent_of(node)
            attribute = isinstance(parent, cst.Attribute) and parent.value is node
            if not attribute and not (isinstance(parent, cst.Call) and parent.func is node):
                return
            node = parent  # type: ignore[assignment]

    def describe(self, loop: cst.CSTNode) -> str:
        """`for user in users`, for messages (the rule adds the line with `LineOf(loop)`)."""
        code = self.semantic.module.code_for_node
        if isinstance(loop, cst.While):
            header = f"while {_short(code(loop.test))}"
        else:
            for_in = loop if isinstance(loop, cst.For) else loop.for_in  # type: ignore[attr-defined]
            keyword = "async for" if for_in.asynchronous else "for"
            header = f"{keyword} {_short(code(for_in.target))} in {_short(code(for_in.iter))}"
        return f"`{header}`"


def _receiver(value: cst.CSTNode) -> set[str]:
    """`stack` in `stack.pop()` (awaited or not)."""
    call = value.expression if isinstance(value, cst.Await) else value
    func = call.func if isinstance(call, cst.Call) else None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return {func.value.value}
    return set()


def _feeds(body: cst.CSTNode, worklist: set[str], varying: set[str]) -> bool:
    """Does `body` add to a `worklist` collection values derived from the iteration
    (`to_visit.extend(child.id for child in children)`, `queue += found`)?"""
    if not worklist or not varying:
        return False
    for node in body_nodes(body):
        added: list[cst.CSTNode] = []
        if isinstance(node, cst.Call) and _names_worklist(node.func, worklist, _FEED_METHODS):
            added = [arg.value for arg in node.args]
        elif isinstance(node, cst.AugAssign) and _names_worklist(node.target, worklist, None):
            added = [node.value]
        if any(set(names_in(value)) & varying for value in added):
            return True
    return False


def _names_worklist(
    node: cst.BaseExpression, worklist: set[str], methods: frozenset[str] | None
) -> bool:
    """`node` is a worklist's name, or (with `methods`) one of its methods: `stack.extend`."""
    if methods is not None:
        if not isinstance(node, cst.Attribute) or node.attr.value not in methods:
            return False
        node = node.value
    return isinstance(node, cst.Name) and node.value in worklist


def _keyword_arguments(binding: Binding, name: str) -> bool:
    """`name` is the `**kwargs` parameter of the function that binds it."""
    function = binding.scope.node
    if binding.kind is not BindingKind.PARAM or not isinstance(function, cst.FunctionDef):
        return False
    star = function.params.star_kwarg
    return star is not None and star.name.value == name


def _fixed(binding: Binding) -> bool:
    """A name bound once to a non-empty literal, a class (`for s in Status`: an Enum), or an
    imported class or CONSTANT: a fixed set of values, not data."""
    if binding.kind is BindingKind.ASSIGN:
        value = binding.value
        return isinstance(value, _LITERALS) and bool(value.elements)  # type: ignore[union-attr]
    if binding.kind is BindingKind.IMPORT and binding.qname:
        return binding.qname.rpartition(".")[2][:1].isupper()
    return binding.kind is BindingKind.CLASS


def _per_iteration(loop: cst.CSTNode, child: cst.CSTNode, below: cst.CSTNode) -> bool:
    """Does `child` (holding `below`) of `loop` run once per iteration?"""
    if isinstance(loop, (cst.For, cst.While)):
        return child is loop.body
    if isinstance(loop, Comprehension):
        return child is not loop.for_in or below is not loop.for_in.iter
    return False


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: A loop over at most this many fixed steps (`range(7)`: the days of a week) does not grow
#: with the data.
FEW = 12


_CONSTANTS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)


def _constant(node: cst.CSTNode) -> bool:
    """A literal made of strings and numbers only."""
    if isinstance(node, _CONSTANTS):
        return True
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(_constant(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _constant(e.key) and _constant(e.value)
            for e in node.elements
        )
    return False


def _few_sliced(subscript: cst.Subscript) -> bool:
    """`items[:10]`, `items[2:8]`: integer literal bounds, at most FEW items."""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Slice):
        return False
    part = subscript.slice[0].slice
    return _few_steps(part.lower, part.upper)


def _few(call: cst.Call) -> bool:
    """`range(7)`, `range(1, 13)`: integer literals, at most FEW steps."""
    if any(arg.keyword is not None or arg.star for arg in call.args) or len(call.args) not in (
        1,
        2,
    ):
        return False
    bounds = [arg.value for arg in call.args]
    return _few_steps(*([None, *bounds] if len(bounds) == 1 else bounds))


def _few_steps(lower: cst.BaseExpression | None, upper: cst.BaseExpression | None) -> bool:
    """From `lower` (0 when absent) to `upper`, both integer literals: at most FEW steps."""
    if not isinstance(upper, cst.Integer) or not isinstance(lower, (cst.Integer, type(None))):
        return False
    start = int(lower.evaluated_value) if lower is not None else 0
    return int(upper.evaluated_value) - start <= FEW
