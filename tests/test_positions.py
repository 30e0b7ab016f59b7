"""Positions found from the statements around a node equal those of generating the whole file."""

from __future__ import annotations

import libcst as cst
import pytest

from asynclint.positions import locate
from asynclint.semantic.model import SemanticModel

TRICKY = {
    "duplicates": (
        "def f(x):\n    if x:\n        return None\n    return None\n\n"
        "def g(x):\n    if x:\n        return None\n    return None\n"
    ),
    "crlf_and_comments": "import time\r\n# c\r\n\r\nasync def f():\r\n    time.sleep(1)  # z\r\n",
    "lone_cr": "import time\rasync def f():\r    time.sleep(1)\r",
    "tabs_and_semicolons": "class A:\n\tdef m(self):\n\t\ta = 1; b = g(a)\n\t\treturn b\n",
    "decorators": "@app.get('/')\n# between\n@other(\n    1,\n)\nasync def f():\n    pass\n",
    "continuation": "x = \\\n    call(1)\nif x:\n    y = call(\n        2)\n",
    "form_feed": "def f():\n    pass\n\x0c\ndef g():\n    call(1)\n",
    "one_liners": "if x: call(1)\nwhile y: call(2)\nclass C: z = call(3)\n",
    "unicode": "s = 'héllo'; t = call('ü')\nasync def f():\n    await call('日本')\n",
}


def _all_nodes(module: cst.Module) -> tuple[list[cst.CSTNode], SemanticModel]:
    types = (cst.Call, cst.Name, cst.Return, cst.Decorator, cst.FunctionDef, cst.Assign)
    model = SemanticModel(module, "m", {t: [] for t in types}, None)
    return [node for t in types for node in model.nodes(t)], model


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_statement_positions_equal_whole_module_positions(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TRICKY[name]
    module = cst.parse_module(text)
    nodes, model = _all_nodes(module)
    assert nodes
    whole = locate(module, nodes)
    assert len(whole) == len(nodes)

    def no_whole_module(*_: object) -> None:
        raise AssertionError("fell back to generating the whole module")

    monkeypatch.setattr(cst.Module, "_codegen", no_whole_module)
    for node in nodes:  # one at a time, and all together
        assert locate(module, [node], model.parent_of, text) == {id(node): whole[id(node)]}
    assert locate(module, nodes, model.parent_of, text) == whole


def test_no_trailing_newline_and_elif_are_not_mistaken_for_twins() -> None:
    for text in (
        "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def b():\n    time.sleep(1)",
        "async def f(a, b):\n    if a:\n        pass\n    elif b:\n        g(1)\n"
        "    if b:\n        g(1)\n",
    ):
        module = cst.parse_module(text)
        nodes, model = _all_nodes(module)
        whole = locate(module, nodes)
        for node in nodes:
            assert locate(module, [node], model.parent_of, text) == {id(node): whole[id(node)]}
