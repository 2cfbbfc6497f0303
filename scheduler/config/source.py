"""Reading YAML while remembering where every key stands, so errors can name the line.

:func:`read_yaml` returns the plain data plus a :class:`Locator` that maps a key path such as
``("campaigns", "support", "min_gap")`` back to its line in the file.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Locator:
    path: Path
    root: yaml.Node | None

    def line(self, keys: Sequence[str | int]) -> int:
        """The 1-based line of the deepest node of ``keys`` that exists (the value, else its key, else 1)."""
        node, line = self.root, 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(key):
                        line = (
                            value_node.start_mark.line + 1 if _is_scalar(value_node) else key_node.start_mark.line + 1
                        )
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _is_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode)


# libyaml's parser when PyYAML was built with it: the pure-Python one costs every command ~10 ms.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose impossible dates (``2026-13-01``) are errors with a line, like syntax errors."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f'"{node.value}" is not a valid date ({error})', node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def read_yaml(path: Path) -> tuple[Any, Locator]:
    """Parse ``path``; a YAML syntax error, or a key defined twice in one mapping, becomes ``ValueError``
    naming the file and line (every duplicate at once, each at its second occurrence)."""
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        duplicates = list(_duplicate_keys(node, ())) if node is not None else []
        if duplicates:
            raise ValueError("\n".join(f"{path}:{line}: {where}" for line, where in duplicates))
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ValueError(f"{where}: not valid YAML: {error.problem or error}") from None
    finally:
        loader.dispose()
    return data, Locator(path, node)


def _duplicate_keys(node: yaml.Node, keys: tuple[str, ...], seen: set[int] | None = None) -> Iterator[tuple[int, str]]:
    """(line, message) for every key written twice in one mapping. PyYAML keeps the last silently, so a
    channel defined twice would quietly replace the first. Merge keys (``<<``) may repeat, as YAML allows."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias of a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            name = str(key_node.value)
            if isinstance(key_node, yaml.ScalarNode) and name != "<<":
                where = ".".join((*keys, name))
                if (key_node.tag, name) in first:
                    yield (
                        line,
                        f"{where}: defined twice (first on line {first[key_node.tag, name]}); the second would win",
                    )
                else:
                    first[key_node.tag, name] = line
            yield from _duplicate_keys(value_node, (*keys, name), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*keys, str(index)), seen)
