"""Load the clause library (`clauses/`) and agreement templates (`templates/`) into typed objects.

Legal content is data: this module only checks its shape and compiles its Jinja text, so a typo
in a clause fails at load time with file and line, not in a partner's agreement.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .deadlines import Deadline, check_references, load_deadlines
from .errors import LibraryError
from .keyterms import KeyTermSpec, parse_key_terms
from .params import PARAM_TYPES, Bound, Param, Playbook, suggest, unknown_key
from .yamlio import LineDict, line_of, load_yaml, plain

if TYPE_CHECKING:
    from .playbook import OrgPlaybook

FAMILIES = (
    "parties",
    "definitions",
    "purpose",
    "prohibited_uses",
    "data",
    "deidentification",
    "security",
    "breach",
    "retention",
    "publication",
    "confidentiality",
    "licence",
    "ip",
    "ethics",
    "compliance",
    "term",
    "liability",
    "governing_law",
    "fees",
    "general",
    "signatures",
)
CLAUSE_ID = re.compile(r"[a-z][a-z0-9_]{0,23}")
VARIANT_ID = re.compile(r"[a-z][a-z0-9_]{0,19}")
SEMVER = re.compile(r"\d+\.\d+\.\d+")
LICENCE_SOURCES = {
    "CDLA-Permissive-2.0": "https://cdla.dev/permissive-2-0/ (Community Data License Agreement, "
    "stewarded by the CDLA workgroup of The Linux Foundation)",
    "CDLA-Sharing-1.0": "https://cdla.dev/sharing-1-0/ (Community Data License Agreement, "
    "stewarded by the CDLA workgroup of The Linux Foundation)",
}


@dataclass(frozen=True)
class Variant:
    """One wording of a clause: the standard text or a named fallback."""

    name: str
    label: str
    text: str
    position: str  # standard | fallback | approval
    when: str | None
    line: int


@dataclass(frozen=True)
class Clause:
    """A versioned clause: parameters, playbook and its variants' Jinja text."""

    id: str
    title: str
    family: str
    version: str
    summary: str
    numbered: bool
    kind: str  # "clause" or "signatures"
    params: dict[str, Param]
    variants: dict[str, Variant]
    path: str
    digest: str  # sha256 of the clause file, for provenance
    deadlines: tuple[Deadline, ...] = ()  # dates the clause makes come due (dsagen due)

    def anchor(self, variant: str) -> str:
        """Bookmark name carrying clause id, version and variant (Word limit: 40 characters)."""
        return f"_dsa_{self.id}__{self.version.replace('.', '_')}__{variant}"


@dataclass(frozen=True)
class TemplateEntry:
    clause_id: str
    when: str | None = None


@dataclass(frozen=True)
class Attachment:
    licence_from: str
    when: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Template:
    """An agreement type: ordered clauses (some conditional) and attached licence texts."""

    id: str
    title: str
    version: str
    description: str
    entries: tuple[TemplateEntry, ...]
    attachments: tuple[Attachment, ...]
    path: str
    key_terms: tuple[KeyTermSpec, ...] = ()  # the optional key-terms cover page (keyterms.py)
    alignment: str = "left"  # of the body text: "left" (ragged right) or "justified"


@dataclass(frozen=True)
class Licence:
    """A licence text attached verbatim (CDLA), with where it came from."""

    spdx_id: str
    title: str
    text: str
    source: str


# Filters that print every value differently (a number in words, a date, a list joined):
# a name printed through them shows any change of its value.
PRINTING_FILTERS = frozenset({"num_words", "words", "long_date", "join_and", "join_or"})


def _regex_escaped(value: Any) -> Any:
    return re.escape(value) if isinstance(value, str) else value


@dataclass
class Library:
    """Everything under clauses/ and templates/, checked and compiled."""

    root: Path
    version: str
    clauses: dict[str, Clause]
    templates: dict[str, Template]
    licences: dict[str, Licence]
    digest: str
    env: ImmutableSandboxedEnvironment = field(repr=False)
    codes: dict[str, CodeType] = field(default_factory=dict, repr=False)  # compiled Jinja
    _owners: dict[str, Clause] | None = field(default=None, repr=False)
    _compiled: dict[str, jinja2.Template] = field(default_factory=dict, repr=False)
    _variables: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _expressions: dict[str, Any] = field(default_factory=dict, repr=False)
    _patterns: dict[str, jinja2.Template] = field(default_factory=dict, repr=False)
    _trees: dict[str, Any] = field(default_factory=dict, repr=False)
    _printed: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    rendered: dict[tuple[Any, ...], str | None] = field(default_factory=dict, repr=False)
    playbook: OrgPlaybook | None = field(default=None, repr=False)  # playbook.yaml in force
    # Names each variant's text uses, found at load: kept in the on-disk cache, so a command
    # that reads a clause's parameters back (diff, lint) parses no Jinja to know them.
    uses: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def clause(self, clause_id: str) -> Clause:
        try:
            return self.clauses[clause_id]
        except KeyError:
            hint = suggest(clause_id, tuple(self.clauses))
            raise LibraryError(
                f"unknown clause '{clause_id}'{hint}; known: {', '.join(sorted(self.clauses))}"
            ) from None

    def template(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            hint = suggest(template_id, tuple(self.templates))
            raise LibraryError(
                f"unknown template '{template_id}'{hint}; "
                f"known: {', '.join(sorted(self.templates))}"
            ) from None

    def template_params(self, template: Template) -> dict[str, Param]:
        """Schema of a template: every parameter of every clause it may include."""
        params: dict[str, Param] = {}
        for entry in template.entries:
            params.update(self.clause(entry.clause_id).params)
        return params

    def param_owner(self) -> dict[str, Clause]:
        if self._owners is None:
            self._owners = {name: c for c in self.clauses.values() for name in c.params}
        return self._owners

    def compiled(self, source: str) -> jinja2.Template:
        """Compiled Jinja text, cached: assembly and parameter recovery render it often."""
        template = self._compiled.get(source)
        if template is None:
            code = self.codes.get(source)
            if code is None:  # not in the on-disk cache (dsagen.libcache)
                code = self.codes[source] = self.env.compile(self._parsed(source))
            template = self._compiled[source] = self.env.template_class.from_code(
                self.env, code, self.env.make_globals(None), None
            )
        return template

    def _parsed(self, source: str) -> Any:
        """The Jinja syntax tree of a text, parsed once for compiling and for its names."""
        tree = self._trees.get(source)
        if tree is None:
            tree = self._trees[source] = self.env.parse(source)
        return tree

    def check(self) -> None:
        """Parse every variant's Jinja text: a syntax error names file, line and variant.
        The American-spelling source is compiled too, so the on-disk cache holds both."""
        from .textfilters import localise_source

        for clause in self.clauses.values():
            for variant in clause.variants.values():
                try:
                    self.compiled(variant.text)
                    self.compiled(localise_source(variant.text, "en-US"))
                except jinja2.TemplateSyntaxError as exc:
                    raise LibraryError(
                        f"Jinja syntax error: {exc.message}",
                        path=clause.path,
                        line=variant.line + (exc.lineno or 1),
                        field=f"variants.{variant.name}.text",
                    ) from None

    def expression(self, source: str) -> Any:
        """A compiled Jinja expression (template and variant conditions), cached."""
        compiled = self._expressions.get(source)
        if compiled is None:
            compiled = self._expressions[source] = self.env.compile_expression(source)
        return compiled

    def compiled_pattern(self, source: str) -> jinja2.Template:
        """Compiled Jinja text whose printed values are regex-escaped (a lint rule's regex
        wording: the values match literally), cached: every document reviewed renders it."""
        template = self._patterns.get(source)
        if template is None:
            escaping = self.env.overlay(finalize=_regex_escaped)
            template = self._patterns[source] = escaping.from_string(source)
        return template

    def printed(self, source: str) -> frozenset[str]:
        """Names a Jinja text always prints, whatever the values: `{{ name }}` or
        `{{ name | filter }}` outside any `if`, `for` or conditional expression (cached)."""
        found = self._printed.get(source)
        if found is None:
            from jinja2 import nodes

            names = set()
            for output in self._parsed(source).body:
                if not isinstance(output, nodes.Output):
                    continue
                for node in output.nodes:
                    inner: nodes.Node | None = node
                    while isinstance(inner, nodes.Filter) and inner.name in PRINTING_FILTERS:
                        inner = inner.node
                    if isinstance(inner, nodes.Name):
                        names.add(inner.name)
            found = self._printed[source] = frozenset(names)
        return found

    def find_uses(self) -> None:
        """Fill `uses` for every variant's text (one with a syntax error is left to check(),
        which names file, line and variant)."""
        for clause in self.clauses.values():
            for variant in clause.variants.values():
                try:
                    self.uses[variant.text] = self.variables(variant.text)
                except jinja2.TemplateSyntaxError:
                    continue

    def variables(self, source: str) -> frozenset[str]:
        """Names a Jinja text uses (cached)."""
        found = self.uses.get(source)
        if found is None:
            found = self._variables.get(source)
        if found is None:
            from jinja2 import meta

            found = self._variables[source] = frozenset(
                meta.find_undeclared_variables(self._parsed(source))
            )
        return found


def make_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment: sandboxed, strict, no autoescape (renderers escape)."""
    from . import textfilters

    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(textfilters.FILTERS)
    return env


def shipped_root() -> Path:
    """The library dsagen ships: `dsagen/content/` in an installed wheel (the build maps the
    repository's clauses/, templates/, rules/ and playbook.yaml there), else the source tree
    this module runs from (an editable install or a checkout)."""
    from importlib.resources import files

    content = files("dsagen") / "content"
    if content.is_dir():
        return Path(str(content))
    return Path(__file__).resolve().parent.parent


def default_root() -> Path:
    """The library commands use without --library: DSAGEN_LIBRARY, else the one dsagen.toml
    names (found upward from the working folder), else the shipped one."""
    from .config import project_library

    return project_library() or shipped_root()


def load_library(root: Path | None = None, playbook: Path | None = None) -> Library:
    """Load and check `root/clauses` and `root/templates` (cached per root; default: see
    default_root), with the organisation's playbook: `playbook` when given, else
    `root/playbook.yaml` if present."""
    return _load_library((root or default_root()).resolve(), playbook)


@lru_cache(maxsize=4)
def _load_library(root: Path, playbook: Path | None = None) -> Library:
    """The library at `root`, from the on-disk cache (dsagen.libcache) when it is fresh."""
    from .libcache import cached_entry, store_entry

    found = cached_entry(root, playbook)
    if found is not None and isinstance(found[0], Library):
        cached: Library = found[0]
        cached.codes, cached.env = found[1], make_environment()
        return cached
    library = _load(root, playbook)
    store_entry(root, playbook, library, lambda: _compile_all(library))
    return library


def _compile_all(library: Library) -> dict[str, CodeType] | None:
    """Every variant's compiled code (None if one does not compile: reported by check)."""
    try:
        library.check()
    except LibraryError:
        return None
    return dict(library.codes)


def _load(root: Path, playbook: Path | None = None) -> Library:
    clause_dir, template_dir = root / "clauses", root / "templates"
    if not clause_dir.is_dir():
        raise LibraryError(f"expected a clause library folder, found nothing at {clause_dir}")
    env = make_environment()
    meta_path = clause_dir / "_library.yaml"
    meta = load_yaml(meta_path, error=LibraryError) if meta_path.exists() else {}
    version = str((meta or {}).get("version", "0.0.0"))
    clauses: dict[str, Clause] = {}
    owners: dict[str, str] = {}
    hasher = hashlib.sha256()
    for path in sorted(clause_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        clause = _load_clause(path, env)
        hasher.update(clause.digest.encode())
        for name in clause.params:
            if name in owners:
                raise LibraryError(
                    f"parameter '{name}' is defined twice: in {owners[name]} and here; "
                    "define each parameter in one clause",
                    path=path,
                    field=name,
                )
            owners[name] = clause.path
        clauses[clause.id] = clause
    check_references(clauses)
    templates: dict[str, Template] = {}
    if template_dir.is_dir():
        for path in sorted(template_dir.glob("*.yaml")):
            template = _load_template(path, clauses, env)
            templates[template.id] = template
            hasher.update(path.read_bytes())
    licences = _load_licences(clause_dir / "licenses")
    from .playbook import apply_playbook_file

    # the organisation's playbook overrides clause files
    org_playbook = apply_playbook_file(root, clauses, playbook)
    library = Library(
        root, version, clauses, templates, licences, hasher.hexdigest(), env, playbook=org_playbook
    )
    library.find_uses()
    return library


def _require(data: LineDict, key: str, path: Path, kind: type | tuple[type, ...] = str) -> Any:
    if key not in data:
        raise LibraryError(f"missing required key '{key}'", path=path, line=line_of(data))
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise LibraryError(
            f"expected {getattr(kind, '__name__', 'a value')}, found {value!r}",
            path=path,
            line=line_of(data, key),
            field=key,
        )
    return value


TEMPLATE_KEYS = (
    "alignment",
    "attachments",
    "clauses",
    "description",
    "id",
    "key_terms",
    "title",
    "version",
)
#: Body text alignments a template may ask for; the first is the default.
ALIGNMENTS = ("left", "justified")

CLAUSE_KEYS = (
    "deadlines",
    "family",
    "id",
    "kind",
    "numbered",
    "params",
    "summary",
    "title",
    "variants",
    "version",
)


def _load_clause(path: Path, env: ImmutableSandboxedEnvironment) -> Clause:
    data = load_yaml(path, error=LibraryError)
    if not isinstance(data, LineDict):
        raise LibraryError("expected a mapping of clause keys, found something else", path=path)
    _check_clause_keys(data, path)
    clause_id = _clause_id(data, path)
    family = _clause_family(data, path)
    version = _clause_version(data, path)
    params_raw = data.get("params") or LineDict()
    if not isinstance(params_raw, dict):
        raise LibraryError(
            "expected a mapping of parameters",
            path=path,
            line=line_of(data, "params"),
            field="params",
        )
    params = {
        name: _load_param(name, spec, path, clause_id, line_of(params_raw, name))
        for name, spec in params_raw.items()
    }
    variants = _load_variants(data, path, env)
    kind = _clause_kind(data, path)
    clause = Clause(
        id=clause_id,
        title=_require(data, "title", path),
        family=family,
        version=version,
        summary=str(data.get("summary", "")).strip(),
        numbered=bool(data.get("numbered", True)),
        kind=kind,
        params=params,
        variants=variants,
        path=str(path),
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        deadlines=load_deadlines(data.get("deadlines"), path, line_of(data, "deadlines")),
    )
    _check_anchors(clause, path)
    return clause


def _check_clause_keys(data: LineDict, path: Path) -> None:
    if unknown := unknown_key(data, CLAUSE_KEYS):
        key, message = unknown
        raise LibraryError(message, path=path, line=data.key_lines.get(key), field=key)


def _clause_id(data: LineDict, path: Path) -> str:
    """The clause's id: well formed, and the file's name."""
    clause_id: str = _require(data, "id", path)
    if not CLAUSE_ID.fullmatch(clause_id) or "__" in clause_id:
        raise LibraryError(
            f"expected an id of lowercase letters, digits and single underscores "
            f"(at most 24), found '{clause_id}'",
            path=path,
            line=line_of(data, "id"),
            field="id",
        )
    if path.stem != clause_id:
        raise LibraryError(
            f"expected id '{path.stem}' (the file name), found '{clause_id}'",
            path=path,
            line=line_of(data, "id"),
            field="id",
        )
    return clause_id


def _clause_family(data: LineDict, path: Path) -> str:
    return _one_of(data, "family", path, FAMILIES)


def _one_of(
    data: LineDict, key: str, path: Path, allowed: tuple[str, ...], default: str | None = None
) -> str:
    """The value of `key`, one of `allowed`: `default` when absent, required without one."""
    value = _require(data, key, path) if default is None else data.get(key, default)
    if value not in allowed:
        raise LibraryError(
            f"expected one of {', '.join(allowed)}, found {value!r}",
            path=path,
            line=line_of(data, key),
            field=key,
        )
    return str(value)


def _clause_version(data: LineDict, path: Path) -> str:
    version = str(_require(data, "version", path, (str, int, float)))
    if not SEMVER.fullmatch(version):
        raise LibraryError(
            f"expected a semantic version like 1.2.0, found '{version}'",
            path=path,
            line=line_of(data, "version"),
            field="version",
        )
    return version


def _load_variants(
    data: LineDict, path: Path, env: ImmutableSandboxedEnvironment
) -> dict[str, Variant]:
    variants_raw = data.get("variants")
    if not isinstance(variants_raw, dict) or "standard" not in variants_raw:
        raise LibraryError(
            "expected 'variants' with at least a 'standard' variant",
            path=path,
            line=line_of(data, "variants") or line_of(data),
            field="variants",
        )
    variants: dict[str, Variant] = {}
    for name, spec in variants_raw.items():
        if not VARIANT_ID.fullmatch(name) or "__" in name:
            raise LibraryError(
                f"expected a variant name of lowercase letters, digits and "
                f"underscores (at most 20), found '{name}'",
                path=path,
                line=line_of(variants_raw, name),
                field=f"variants.{name}",
            )
        variants[name] = _load_variant(name, spec, path, env, line_of(variants_raw, name) or 0)
    return variants


def _clause_kind(data: LineDict, path: Path) -> str:
    return _one_of(data, "kind", path, ("clause", "signatures"), default="clause")


def _check_anchors(clause: Clause, path: Path) -> None:
    """Every variant's bookmark name fits Word's limit."""
    for variant in clause.variants:
        if len(clause.anchor(variant)) > 40:
            raise LibraryError(
                f"anchor '{clause.anchor(variant)}' is longer than Word's 40-"
                "character bookmark limit; shorten the id or variant name",
                path=path,
                field=f"variants.{variant}",
            )


def _load_variant(
    name: str, spec: Any, path: Path, env: ImmutableSandboxedEnvironment, line: int
) -> Variant:
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        raise LibraryError(
            "expected a mapping with a 'text' string",
            path=path,
            line=line,
            field=f"variants.{name}",
        )
    position = spec.get("position", "standard" if name == "standard" else "fallback")
    if position not in ("standard", "fallback", "approval"):
        raise LibraryError(
            f"expected position standard, fallback or approval, found '{position}'",
            path=path,
            line=line,
            field=f"variants.{name}.position",
        )
    text_line = line_of(spec, "text") or line
    # The Jinja text itself is parsed on first use (Library.compiled) or by Library.check():
    # lexing 200 clauses costs a tenth of a second that `dsagen diff` should not pay.
    when = spec.get("when")
    if when is not None:
        _compile_expression(env, str(when), path, line_of(spec, "when"), f"variants.{name}.when")
    return Variant(
        name=name,
        label=str(spec.get("label", name.replace("_", " ").capitalize())),
        text=spec["text"],
        position=position,
        when=str(when) if when is not None else None,
        line=text_line,
    )


def _compile_expression(
    env: ImmutableSandboxedEnvironment, expr: str, path: Path, line: int | None, field_name: str
) -> None:
    try:
        env.compile_expression(expr)
    except jinja2.TemplateSyntaxError as exc:
        raise LibraryError(
            f"expected a Jinja expression, found '{expr}' ({exc.message})",
            path=path,
            line=line,
            field=field_name,
        ) from None


def _load_param(name: str, spec: Any, path: Path, clause_id: str, line: int | None) -> Param:
    where = {"path": path, "line": line, "field": f"params.{name}"}
    if not isinstance(spec, dict):
        raise LibraryError("expected a mapping with at least 'type'", **where)  # type: ignore[arg-type]
    kind = spec.get("type")
    if kind not in PARAM_TYPES:
        raise LibraryError(f"expected type among {', '.join(PARAM_TYPES)}, found '{kind}'", **where)  # type: ignore[arg-type]
    items = None
    if kind == "list":
        item_spec = spec.get("items", {"type": "str"})
        items = _load_param(f"{name}[]", item_spec, path, clause_id, line_of(spec, "items"))
    fields = {}
    if kind == "object" or spec.get("fields"):
        raw_fields = spec.get("fields") or {}
        if not isinstance(raw_fields, dict) or not raw_fields:
            raise LibraryError("expected 'fields' for an object parameter", **where)  # type: ignore[arg-type]
        fields = {
            key: _load_param(key, sub, path, clause_id, line_of(raw_fields, key))
            for key, sub in raw_fields.items()
        }
    choices = tuple(str(c) for c in spec.get("choices", ()) or ())
    if kind == "enum" and not choices:
        raise LibraryError("expected 'choices' for an enum parameter", **where)  # type: ignore[arg-type]
    playbook = _load_playbook(spec.get("playbook"), path, line_of(spec, "playbook"), name)
    required = bool(spec.get("required", False))
    default = plain(spec.get("default"))
    if default is None and not required:
        default = [] if kind == "list" else None
    return Param(
        name=name,
        type=kind,
        help=str(spec.get("help", "")).strip(),
        required=required,
        default=default,
        min=spec.get("min"),
        max=spec.get("max"),
        choices=choices,
        pattern=spec.get("pattern"),
        pattern_help=str(spec.get("pattern_help", "")).strip(),
        items=items,
        fields=fields,
        min_items=spec.get("min_items"),
        example=plain(spec.get("example")),
        playbook=playbook,
        clause=clause_id,
        capped_by=_capped_by(spec, where),
    )


def _capped_by(spec: dict[str, Any], where: dict[str, Any]) -> str | None:
    value = spec.get("capped_by")
    if value is not None and not (isinstance(value, str) and value.isidentifier()):
        raise LibraryError(
            f"capped_by: expected the name of another parameter, found {value!r}", **where
        )
    return value


def _bound(raw: Any, path: Path, line: int | None, field_name: str) -> Bound:
    if raw is None:
        return Bound()
    raw = plain(raw)
    if isinstance(raw, list):
        return Bound(values=tuple(raw))
    if isinstance(raw, dict) and set(raw) <= {"min", "max", "values"}:
        return Bound(values=tuple(raw.get("values", ())), min=raw.get("min"), max=raw.get("max"))
    if isinstance(raw, str | int | float | bool):
        return Bound(values=(raw,))
    raise LibraryError(
        f"expected a list of values or {{min, max}}, found {raw!r}",
        path=path,
        line=line,
        field=field_name,
    )


def _load_playbook(raw: Any, path: Path, line: int | None, name: str) -> Playbook | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise LibraryError(
            "expected a mapping with standard/fallback/walk_away",
            path=path,
            line=line,
            field=f"params.{name}.playbook",
        )
    return Playbook(
        standard=raw.get("standard"),
        fallback=_bound(raw.get("fallback"), path, line, f"params.{name}.playbook.fallback"),
        walk_away=_bound(raw.get("walk_away"), path, line, f"params.{name}.playbook.walk_away"),
        approver=raw.get("approver"),
    )


def _load_template(
    path: Path,
    clauses: dict[str, Clause],
    env: ImmutableSandboxedEnvironment,
) -> Template:
    data = load_yaml(path, error=LibraryError)
    if not isinstance(data, LineDict):
        raise LibraryError("expected a mapping of template keys", path=path)
    if unknown := unknown_key(data, TEMPLATE_KEYS):
        key, message = unknown
        raise LibraryError(message, path=path, line=data.key_lines.get(key), field=key)
    template_id = _require(data, "id", path)
    if path.stem != template_id:
        raise LibraryError(
            f"expected id '{path.stem}' (the file name), found '{template_id}'",
            path=path,
            line=line_of(data, "id"),
            field="id",
        )
    entries = _template_entries(data, path, clauses, env)
    attachments = _template_attachments(data, path, env)
    return Template(
        id=template_id,
        title=_require(data, "title", path),
        version=str(data.get("version", "1.0.0")),
        description=str(data.get("description", "")).strip(),
        entries=entries,
        attachments=attachments,
        path=str(path),
        key_terms=parse_key_terms(
            data.get("key_terms"), str(path), line_of(data, "key_terms"), set(clauses), env
        ),
        alignment=_one_of(data, "alignment", path, ALIGNMENTS, default=ALIGNMENTS[0]),
    )


def _template_entries(
    data: LineDict, path: Path, clauses: dict[str, Clause], env: ImmutableSandboxedEnvironment
) -> tuple[TemplateEntry, ...]:
    """The template's `clauses:` list: each a known clause, listed once, its condition valid."""
    raw_entries = data.get("clauses")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise LibraryError(
            "expected a non-empty list of clauses",
            path=path,
            line=line_of(data, "clauses"),
            field="clauses",
        )
    entries = []
    seen = set()
    for index, raw in enumerate(raw_entries):
        line = raw_entries.item_lines[index] if hasattr(raw_entries, "item_lines") else None
        clause_id, when = _entry_parts(raw)
        if clause_id not in clauses:
            hint = suggest(str(clause_id), tuple(clauses))
            raise LibraryError(
                f"unknown clause '{clause_id}'{hint}",
                path=path,
                line=line,
                field=f"clauses[{index}]",
            )
        if clause_id in seen:
            raise LibraryError(
                f"clause '{clause_id}' listed twice",
                path=path,
                line=line,
                field=f"clauses[{index}]",
            )
        seen.add(clause_id)
        if when is not None:
            _compile_expression(env, str(when), path, line, f"clauses[{index}].when")
        entries.append(TemplateEntry(clause_id, str(when) if when is not None else None))
    return tuple(entries)


def _entry_parts(raw: Any) -> tuple[Any, Any]:
    """(clause id, condition) of one template entry: a bare id or a mapping {id, when}."""
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, dict):
        return raw.get("id"), raw.get("when")
    return None, None


def _template_attachments(
    data: LineDict, path: Path, env: ImmutableSandboxedEnvironment
) -> tuple[Attachment, ...]:
    attachments = []
    for index, raw in enumerate(data.get("attachments") or []):
        if not isinstance(raw, dict) or "licence_from" not in raw:
            raise LibraryError(
                "expected an attachment with 'licence_from'",
                path=path,
                line=line_of(data, "attachments"),
                field=f"attachments[{index}]",
            )
        if raw.get("when") is not None:
            _compile_expression(
                env, str(raw["when"]), path, line_of(raw, "when"), f"attachments[{index}].when"
            )
        attachments.append(
            Attachment(
                str(raw["licence_from"]),
                str(raw["when"]) if raw.get("when") is not None else None,
                raw.get("title"),
            )
        )
    return tuple(attachments)


def _load_licences(folder: Path) -> dict[str, Licence]:
    licences: dict[str, Licence] = {}
    if not folder.is_dir():
        return licences
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        title = text.strip().splitlines()[0].strip()
        licences[path.stem] = Licence(
            spdx_id=path.stem,
            title=title,
            text=text,
            source=LICENCE_SOURCES.get(path.stem, "clauses/licenses/" + path.name),
        )
    return licences
