"""Kawal uses pika's public API only: no attribute of pika's own that starts with an underscore is reached anywhere,
so a pika release that moves its internals cannot break the events."""
import ast
from pathlib import Path

import pika

ROOT = Path(__file__).resolve().parents[3]
CODE = ("shared", "services", "kawal", "bench", "tests", "deploy")


def _pika_private_names() -> set[str]:
    """Every underscore name pika defines or assigns (methods, attributes, module globals), dunders excepted."""
    names = set()
    for path in Path(pika.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _reaches_in(path: Path, names: set[str]) -> list[str]:
    """`something._name` where something is not self/cls (our own objects' state) and _name is pika's."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in names:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pika"):
            found.extend(f"{path.name}:{node.lineno} from {node.module} import {a.name}"
                         for a in node.names if a.name.startswith("_"))
    return found


def _our_own_names() -> set[str]:
    """Underscore names Kawal defines itself (a module's `_ready`, an object's `self._channel`): reaching those is
    reaching our own state, even where pika happens to use the same name."""
    names = set()
    for directory in CODE:
        for path in (ROOT / directory).rglob("*.py"):
            if ".venv" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
    return names


def test_no_code_reaches_a_private_attribute_of_pika():
    names = _pika_private_names() - _our_own_names()
    assert {"_impl", "_adapter_emit_data", "_body_max_length", "_flush_output"} <= names  # the check knows them
    found = []
    for directory in CODE:
        for path in (ROOT / directory).rglob("*.py"):
            if ".venv" not in path.parts and path != Path(__file__).resolve():
                found.extend(_reaches_in(path, names))
    assert found == []


def test_the_check_finds_the_private_calls_the_old_relay_made(tmp_path):
    old = tmp_path / "old_relay.py"
    old.write_text("channel = connection.channel()._impl\nlimit = connection._body_max_length\n"
                   "connection._adapter_emit_data(b'')\nconnection._flush_output(lambda: True)\n")
    assert [hit.split(" ")[1] for hit in _reaches_in(old, _pika_private_names())] == [
        "._impl", "._body_max_length", "._adapter_emit_data", "._flush_output"]
