"""ASL101's fix: a `requests` (or sync `httpx`) call becomes `await client.<verb>(...)` in an
`async with httpx.AsyncClient(...) as client:` block around the statement that holds it.

Arguments are mapped so behaviour is kept (requests follows redirects except for `head` and
has no timeout; httpx does neither by default). Safe only when every use of the response is
in the API both libraries share and no enclosing `try` catches `requests` exceptions; no fix
at all where httpx has no exact equivalent (`stream=`, `hooks=`, `proxies=`, a timeout tuple,
`*args`/`**kwargs`) or where the call is not a plain part of its statement (a condition).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.fix import Applicability, Fix
from asynclint.rules._fixes import can_await, import_of, module_name_at, spelled_names
from asynclint.rules._lifecycle import uses
from asynclint.semantic.walker import code_children

if TYPE_CHECKING:
    from asynclint.config import Config
    from asynclint.semantic.model import SemanticModel

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
#: Response members requests and httpx share (`ok` is rewritten to `is_success`).
SHARED = frozenset({"json", "text", "content", "status_code", "headers", "raise_for_status", "ok"})
#: requests keywords httpx takes on the request as they are.
REQUESTS_KEPT = frozenset({"params", "json", "headers", "cookies", "files", "auth"})
#: Keywords that belong to the client.
REQUESTS_CLIENT = frozenset({"verify", "cert"})
HTTPX_CLIENT = frozenset({"verify", "cert", "trust_env", "proxy"})
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_CLIENT_NAMES = ("client", "http_client", "async_client", "_client")
_EMPTY = cst.Module(body=[])


def http_fix(semantic: SemanticModel, call: cst.Call, callee: str, config: Config) -> Fix | None:
    library, _, verb = callee.rpartition(".")
    if library not in ("requests", "httpx") or verb not in VERBS:
        return None
    if not can_await(semantic, call):
        return None
    found = _statement(semantic, call)
    if found is None:
        return None
    line, small = found
    named = module_name_at(semantic, call, config.fix_http_client or _imported_client(semantic))
    if named is None:
        return None
    module, client_imports = named
    mapped = _arguments(call, library, verb)
    if mapped is None:
        return None
    request_args, client_args, unsafe = mapped
    scope = semantic.scope_of(call)
    # Not a name the function refers to anywhere: binding it there would make that use local.
    written = spelled_names(scope.function.node) if scope is not None else set()
    name = next(
        (n for n in _CLIENT_NAMES if n not in written and (scope is None or not scope.lookup(n))),
        None,
    )
    if name is None:
        return None
    response_unsafe, members, more_edits = _response_uses(semantic, call, small)
    # `ok`/`raise_for_status` agree for 2xx, 4xx and 5xx, not for a 304 (a conditional
    # request: headers) or a redirect not followed (`head`).
    status = members & {"ok", "raise_for_status"}
    differs = status and (
        verb == "head"
        or any(a.keyword is not None and a.keyword.value == "headers" for a in call.args)
    )
    unsafe |= response_unsafe or bool(differs) or _catches_requests_errors(semantic, call)

    # The call keeps its own layout and comments; only its callee and arguments change.
    request = cst.Await(
        call.with_changes(
            func=cst.Attribute(cst.Name(name), cst.Name(verb)), args=request_args, lpar=(), rpar=()
        ),
        lpar=call.lpar,
        rpar=call.rpar,
    )
    parent = semantic.parent_of(call)
    target: cst.CSTNode = call
    if isinstance(parent, (cst.Attribute, cst.Subscript)) or (
        isinstance(parent, cst.Call) and parent.func is call
    ):
        if not request.lpar:
            request = request.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if isinstance(parent, cst.Attribute) and parent.attr.value == "ok":
            target = parent
            request = parent.with_changes(value=request, attr=cst.Name("is_success"))  # type: ignore[assignment]
    new_small = small.deep_replace(target, request)
    inner = line.with_changes(body=[new_small], leading_lines=[])
    client = cst.Call(cst.Attribute(cst.Name(module), cst.Name("AsyncClient")), args=client_args)
    block = cst.With(
        items=[cst.WithItem(client, asname=cst.AsName(cst.Name(name)))],
        body=cst.IndentedBlock(body=[inner]),
        asynchronous=cst.Asynchronous(),
        leading_lines=line.leading_lines,
    )
    imported = import_of(semantic, call.func)
    return Fix(
        line,
        block,
        Applicability.UNSAFE if unsafe else Applicability.SAFE,
        imports=client_imports,
        unused_imports=(imported,) if imported else (),
        more_edits=more_edits,
    )


def _imported_client(semantic: SemanticModel) -> str:
    """httpx2 (httpx's maintained continuation) where the file already uses it, else httpx."""
    for bindings in semantic.module_scope.bindings.values():
        if any((b.qname or "").split(".")[0] == "httpx2" for b in bindings):
            return "httpx2"
    return "httpx"


def _statement(
    semantic: SemanticModel, call: cst.Call
) -> tuple[cst.SimpleStatementLine, cst.BaseSmallStatement] | None:
    """The one-statement line whose value holds `call` plainly: not in a condition, a lambda
    or a comprehension, only under attribute access, subscripts and call arguments."""
    node: cst.CSTNode = call
    parent = semantic.parent_of(node)
    while not isinstance(parent, cst.BaseSmallStatement):
        plain = (
            (isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node)
            or (isinstance(parent, cst.Call) and (parent.func is node or isinstance(node, cst.Arg)))
            or (isinstance(parent, cst.Arg) and parent.value is node)
        )
        if not plain or parent is None:
            return None
        node, parent = parent, semantic.parent_of(parent)
    if isinstance(parent, cst.Assign):
        if parent.value is not node:
            return None
    elif not isinstance(parent, (cst.Expr, cst.Return)):
        return None
    line = semantic.parent_of(parent)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    if not isinstance(semantic.parent_of(line), cst.IndentedBlock):
        return None
    return line, parent


def _arguments(
    call: cst.Call, library: str, verb: str
) -> tuple[list[cst.Arg], list[cst.Arg], bool] | None:
    """(request arguments, client arguments, unsafe) for httpx, or None without an exact match."""
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or len(positional) > (2 if verb == "request" else 1):
        return None
    request: list[cst.Arg] = list(positional)
    client: list[cst.Arg] = []
    unsafe = False
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    if library == "httpx":  # the same API: the client's options move, the rest stays
        for key, arg in keywords.items():
            (client if key in HTTPX_CLIENT else request).append(arg)
        if any("#" in _EMPTY.code_for_node(arg) for arg in client):
            return None
        return _last_comma_dropped(request), _tidy(client), False
    for key, arg in keywords.items():
        if key in REQUESTS_KEPT:
            request.append(arg)
        elif key in REQUESTS_CLIENT:
            client.append(arg)
        elif key == "allow_redirects":
            request.append(arg.with_changes(keyword=cst.Name("follow_redirects")))
        elif key == "data":
            if isinstance(arg.value, _STRINGS):  # a raw body: httpx calls it `content`
                request.append(arg.with_changes(keyword=cst.Name("content")))
            else:
                request.append(arg)
                unsafe |= not isinstance(arg.value, (cst.Dict, cst.DictComp))
        elif key == "timeout":
            if isinstance(arg.value, cst.Tuple):
                return None  # (connect, read) has no one-argument httpx equivalent
            request.append(arg)
            unsafe |= not isinstance(arg.value, (cst.Integer, cst.Float, cst.Name))
        elif key == "stream" and isinstance(arg.value, cst.Name) and arg.value.value == "False":
            continue
        else:
            return None  # stream=True, hooks=, proxies=...: no exact httpx equivalent
    added = []
    if "allow_redirects" not in keywords and verb != "head":
        added.append(_keyword("follow_redirects", "True"))
    if "timeout" not in keywords:
        added.append(_keyword("timeout", "None"))
    if any("#" in _EMPTY.code_for_node(arg) for arg in client):
        return None  # a comment on an argument that moves to the client would be lost
    return _joined(_last_comma_dropped(request), added), _tidy(client), unsafe


def _keyword(name: str, value: str) -> cst.Arg:
    return cst.Arg(
        value=cst.Name(value),
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _tidy(args: list[cst.Arg]) -> list[cst.Arg]:
    """Commas between arguments only: the code generator puts them back."""
    return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]


def _last_comma_dropped(args: list[cst.Arg]) -> list[cst.Arg]:
    """The arguments as written, without a one-line trailing comma (`f(url, )`) left behind
    by an argument that moved to the client; a multi-line layout keeps its commas."""
    last = args[-1].comma if args else None
    if isinstance(last, cst.Comma) and isinstance(last.whitespace_after, cst.SimpleWhitespace):
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


def _joined(args: list[cst.Arg], added: list[cst.Arg]) -> list[cst.Arg]:
    """`args` then `added`, one per line when the call is written one argument per line."""
    closing = args[-1].comma if args else None
    if not added or not isinstance(closing, cst.Comma):
        return [*args, *added]
    if not isinstance(closing.whitespace_after, cst.ParenthesizedWhitespace):
        return [*args, *added]
    between = args[-2].comma if len(args) > 1 else closing
    if not isinstance(between, cst.Comma) or not isinstance(
        between.whitespace_after, cst.ParenthesizedWhitespace
    ):
        between = closing
    step = between.whitespace_after
    assert isinstance(step, cst.ParenthesizedWhitespace)
    # The last argument keeps its own comment; new lines are indented like the others.
    last = closing.with_changes(
        whitespace_after=closing.whitespace_after.with_changes(
            indent=step.indent, last_line=step.last_line
        )
    )
    plain = cst.Comma(
        whitespace_after=step.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    )
    end = closing.with_changes(
        whitespace_after=closing.whitespace_after.with_changes(
            first_line=cst.TrailingWhitespace(), empty_lines=[]
        )
    )
    return [
        *args[:-1],
        args[-1].with_changes(comma=last),
        *(a.with_changes(comma=plain) for a in added[:-1]),
        added[-1].with_changes(comma=end),
    ]


def _response_uses(
    semantic: SemanticModel, call: cst.Call, small: cst.BaseSmallStatement
) -> tuple[bool, frozenset[str], tuple[tuple[cst.CSTNode, cst.CSTNode], ...]]:
    """Whether the response is used beyond the shared API (unsafe), the members read, and
    the `.ok` reads of a response variable, rewritten to `.is_success`."""
    parent = semantic.parent_of(call)
    if isinstance(parent, cst.Attribute):
        return parent.attr.value not in SHARED, frozenset({parent.attr.value}), ()
    if parent is not small or isinstance(small, cst.Return):
        return True, frozenset(), ()  # passed on or returned: its uses are not known here
    if not isinstance(small, cst.Assign):
        return False, frozenset(), ()  # `requests.post(...)` for its effect
    targets = small.targets
    if len(targets) != 1:
        return True, frozenset(), ()
    target = targets[0].target
    scope = semantic.scope_of(call)
    if not isinstance(target, cst.Name) or scope is None:
        return True, frozenset(), ()
    function = scope.function
    if target.value in function.declared_outer:
        return True, frozenset(), ()  # `global resp`: read elsewhere too
    if len(function.bindings.get(target.value, ())) != 1:
        return True, frozenset(), ()  # rebound elsewhere: its other values are not this one
    edits: list[tuple[cst.CSTNode, cst.CSTNode]] = []
    members = set()
    for use in uses(semantic, function, target.value):
        member = semantic.parent_of(use)
        if not isinstance(member, cst.Attribute) or member.attr.value not in SHARED:
            return True, frozenset(), ()
        members.add(member.attr.value)
        if member.attr.value == "ok":
            edits.append((member, member.with_changes(attr=cst.Name("is_success"))))
    return False, frozenset(members), tuple(edits)


#: Exceptions requests raises (its own, and OSError, which its RequestException subclasses)
#: that httpx's do not match.
_REQUESTS_ERRORS = (
    "requests.",
    "builtins.OSError",
    "builtins.IOError",
    "builtins.EnvironmentError",
    "builtins.ConnectionError",
    "builtins.TimeoutError",
)


def _catches_requests_errors(semantic: SemanticModel, call: cst.Call) -> bool:
    """The function catches requests' errors somewhere (`except requests.HTTPError`,
    `except OSError`): after the fix, httpx raises other types there."""
    scope = semantic.scope_of(call)
    if scope is None:
        return False
    stack: list[cst.CSTNode] = [scope.function.node]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)) and node.type:
            kinds = node.type
            for element in kinds.elements if isinstance(kinds, cst.Tuple) else [kinds]:
                value = element.value if isinstance(element, cst.Element) else element
                if any(q.startswith(_REQUESTS_ERRORS) for q in semantic.qualified_names(value)):
                    return True
        stack.extend(code_children(node))
    return False
