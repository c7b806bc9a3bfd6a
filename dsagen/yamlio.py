"""YAML loading that remembers where every value came from, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .limits import MAX_NUMBER_CHARS, MAX_YAML_BYTES, MAX_YAML_NODES


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]
    value_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence from YAML that knows the line of itself and of each item."""

    line: int = 0
    item_lines: list[int]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: 10x faster


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a plain key, found {type(key).__name__}", key_node.start_mark
            )
        key = str(key) if not isinstance(key, str) else key
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.value_lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date-shaped scalar that is no real date (2026-02-30) stays text, so the field's own
    validation reports it with its name and line instead of the parser failing."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return str(node.value)


class _TooLarge(yaml.constructor.ConstructorError):
    """A value beyond a limit: reported as such, not as malformed YAML."""


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """Whole numbers, refusing before conversion any written with more characters than a
    limit: Python refuses beyond 4,300 digits, and converting ``1:2:3:...`` is quadratic."""
    if len(str(node.value)) > MAX_NUMBER_CHARS:
        raise _TooLarge(
            None,
            None,
            f"expected a number of at most {MAX_NUMBER_CHARS} "
            f"characters, found one of {len(str(node.value)):,}",
            node.start_mark,
        )
    return loader.construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, *, error: type[InputError] = InputError) -> Any:
    """Parse one YAML file (safe loader, size-limited) into LineDict/LineList values."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=path) from None
    if size > MAX_YAML_BYTES:
        raise error(f"expected a YAML file under {MAX_YAML_BYTES} bytes, found {size}", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"expected UTF-8 text, found an invalid byte at offset {exc.start}", path=path
        ) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=path) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, path, error)
        return loader.construct_document(node)
    except RecursionError:
        raise error("malformed YAML: nested too deeply", path=path) from None
    except _TooLarge as exc:
        mark = exc.problem_mark
        raise error(str(exc.problem), path=path, line=mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise error(f"malformed YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML: {exc}", path=path) from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, path: Path, error: type[InputError]) -> None:
    """Refuse a file of more values than any real one before building them: an alias counts
    each time it is used, as that is what every later step pays for ("billion laughs")."""
    stack, count = [root], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise error(
                f"too many values: more than {MAX_YAML_NODES:,} in one file (the limit)",
                path=path,
                line=node.start_mark.line + 1,
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)


def plain(value: Any) -> Any:
    """LineDict/LineList -> dict/list, recursively (for values kept after loading)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def line_of(mapping: Any, key: str | None = None) -> int | None:
    """Best-known line of `mapping[key]` (or of the mapping itself)."""
    if isinstance(mapping, LineDict):
        if key is not None and key in mapping.value_lines:
            return mapping.value_lines[key]
        return mapping.line or None
    if isinstance(mapping, LineList):
        return mapping.line or None
    return None
