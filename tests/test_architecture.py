"""The structure docs/architecture.md describes holds in the code.

No import cycles; no module but sim/model.py assigns attributes on the model; kernels
import only kernels and constants; importing the package has no side effects; the page
names every process and state.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every sim module ``name`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name and not name.startswith(t + "."):
                found.add(t)
    return found


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            for n in graph[m]:
                if n == goal:
                    return True
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False

    cycles = sorted(m for m in graph if reaches(m, m))
    assert not cycles, f"modules on an import cycle: {cycles}"


def test_only_the_model_assigns_attributes_on_the_model() -> None:
    offenders = []
    for path in SIM.rglob("*.py"):
        if path == SIM / "model.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
            for t in targets:
                if isinstance(t, ast.Attribute):
                    base = t.value
                    if isinstance(base, ast.Attribute) and base.attr == "model":
                        base = ast.Name(id="model")
                    if isinstance(base, ast.Name) and base.id == "model":
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} model.{t.attr}")
    assert not offenders, offenders


def test_kernels_import_only_kernels_and_constants() -> None:
    modules = _modules()
    for name, path in modules.items():
        if not name.startswith("sim.kernels"):
            continue
        bad = {m for m in _imports(name, path, modules)
               if not (m.startswith("sim.kernels") or m == "sim.constants")}
        assert not bad, f"{name} imports {bad}"
    firms = _imports("sim.kernels.firms", modules["sim.kernels.firms"], modules)
    assert not firms & {"sim.kernels.households", "sim.kernels.migration"}


def test_importing_the_package_has_no_side_effects() -> None:
    """Importing every module sets no environment variable, changes no multiprocessing
    start method (Mesa 3.3 sets ``spawn`` when imported), picks no matplotlib backend
    and registers no config schema."""
    names = sorted(n for n in _modules() if not n.endswith("__main__"))
    code = f"""
import importlib, multiprocessing, os, sys
before = dict(os.environ)
method = multiprocessing.get_start_method(allow_none=True)
for name in {names!r}:
    importlib.import_module(name)
from hydra.core.config_store import ConfigStore
assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())
now = multiprocessing.get_start_method(allow_none=True)
assert now == method, f"start method {{method}} -> {{now}}"
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert "sim_schema.yaml" not in ConfigStore.instance().repo, "schema registered at import"
print("ok")
"""
    env = {k: v for k, v in __import__("os").environ.items() if k != "OMP_WAIT_POLICY"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_mesa_is_imported_through_sim_compat() -> None:
    """Only sim/compat.py imports Mesa at module level (it puts back the start method
    that Mesa 3.3's import changes); a module that imports one of Mesa's submodules
    inside a function imports sim.compat, directly or through another sim module, so
    Mesa is loaded the clean way by then."""
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}

    def reaches_compat(start: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for n in graph[todo.pop()]:
                if n == "sim.compat":
                    return True
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False

    def is_mesa(node: ast.AST) -> bool:
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        return any(n == "mesa" or n.startswith("mesa.") for n in names)

    offenders = []
    for name, path in modules.items():
        if name == "sim.compat":
            continue
        tree = ast.parse(path.read_text())
        nested = {id(n) for f in ast.walk(tree)
                  if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                  for n in ast.walk(f)}
        for node in ast.walk(tree):
            if not is_mesa(node):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if id(node) not in nested:
                offenders.append(f"{where} imports Mesa at module level "
                                 "(use `from sim.compat import mesa`)")
            elif not reaches_compat(name):
                offenders.append(f"{where} imports Mesa without sim.compat")
    assert not offenders, offenders


def test_sim_compat_puts_back_the_start_method() -> None:
    code = """
import multiprocessing
multiprocessing.set_start_method("forkserver")
import sim.compat
assert multiprocessing.get_start_method(allow_none=True) == "forkserver"
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_architecture_page_names_every_process_and_state() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    from sim.model import SCHEDULE

    for process in SCHEDULE:
        assert f"{process}.py" in text and f"**{process}**" in text, process
    for state in ("World", "FirmState", "LabourState", "DemographyState", "MigrationState",
                  "HousingState", "PolicyState", "Observed", "Recorder"):
        assert f"`{state}`" in text, state


def test_every_process_steps_on_one_typed_inputs_record() -> None:
    """Each process's ``step`` takes its state, the household columns it writes (if any),
    one frozen ``Inputs`` record of what it reads, and the threading policy: no long lists
    of positional values that the schedule, the builder and the tests would each wire."""
    import dataclasses
    import importlib
    import inspect

    from sim.schedule import SCHEDULE

    for name in SCHEDULE:
        module = importlib.import_module(f"sim.processes.{name}")
        inputs = module.Inputs
        assert dataclasses.is_dataclass(inputs) and inputs.__dataclass_params__.frozen, name
        step = module.observe if name == "observation" else module.step
        params = list(inspect.signature(step).parameters)
        assert set(params) <= {"state", "households", "inputs", "parallel"}, (name, params)
        assert "inputs" in params, name


def test_no_code_compares_a_region_name() -> None:
    """What a region is lives in configs/region/*.yaml (data folder or generator, real
    codes, focus province, nation); no module branches on its name."""
    offenders = []
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            parts = [node.left, *node.comparators]
            names = [p for p in parts if isinstance(p, ast.Constant) and p.value in ("korea", "synthetic")]
            if names:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
