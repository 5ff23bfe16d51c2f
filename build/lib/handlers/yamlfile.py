"""Reading content files: YAML with line numbers, validated by pydantic models.

A broken content file must stop the start with the file, the line and the problem, so a
ward officer who edited a sentence knows exactly what to fix. :class:`ContentError` says
that; :func:`load_model` reads a YAML file into a model and maps any validation error back
to the line it came from. Imports only the standard library, pyyaml and pydantic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ContentError(Exception):
    """A problem in a file under content/: where it is and what is wrong."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {problem}")


def _node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(key):
                    node = v
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if 0 <= key < len(node.value):
                node = node.value[key]
            else:
                return node
        else:
            return node
    return node


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data in a YAML file and its node tree (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ContentError(path, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise ContentError(path, None, "not UTF-8 text") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError(path, line, f"YAML syntax: {exc.problem or exc}") from exc
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    if node is None:
        return None
    return _node_at(node, loc).start_mark.line + 1


def load_model(path: Path, model: type[M]) -> tuple[M, yaml.Node | None]:
    """Read ``path`` into ``model``; a validation error becomes a :class:`ContentError`."""
    data, node = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {}), node
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err.get("loc", ()))
        where = ".".join(str(p) for p in loc) or "(top level)"
        raise ContentError(path, line_of(node, loc), f"{where}: {err.get('msg')}") from exc
