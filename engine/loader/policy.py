"""Stage 4d: the chart's ``notification_policy`` -> :class:`NotificationPolicy`.

The policy is a YAML data file beside the chart (inside its definitions folder, like a
template's ``body_file``), checked against ``notification-policy.schema.json`` and then
for meaning: every template it names is one of the chart's, every address is one plain
address. Problems are E507 diagnostics pointing into the policy file (line and column)
or at the chart's ``notification_policy`` key.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from engine.errors import Diagnostic, Severity
from engine.expr import TypeEnv
from engine.expr.types import STRING, EnumType, strip_optional
from engine.loader.files import FileRefused, confine, exists, read_text
from engine.loader.yaml_source import Document, Pointer, format_path, parse_yaml
from engine.model import NotificationPolicy, PolicyRule, TemplateDecl
from engine.model.policy import ANY
from engine.notify.addresses import address_problem

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

    from engine.loader.expressions import ExpressionCompiler

__all__ = ["build_policy"]

_CODE = "E507"
_KEY: Pointer = ("notification_policy",)
#: the largest policy file
MAX_POLICY_BYTES = 1024 * 1024


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    text = resources.files("engine.schemas").joinpath("notification-policy.schema.json")
    return Draft202012Validator(json.loads(text.read_text("utf-8")))


def _at(data: Any, path: Pointer) -> dict[str, Any] | None:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, dict) else None


class _Policy:
    def __init__(
        self,
        doc: Document,
        diagnostics: list[Diagnostic],
        templates: dict[str, TemplateDecl],
    ) -> None:
        self.doc, self.diagnostics, self.templates = doc, diagnostics, templates

    def error(self, message: str, path: Pointer, policy: Document | None = None) -> None:
        where = policy or self.doc
        span = where.span(path)
        self.diagnostics.append(Diagnostic(_CODE, Severity.ERROR, message, span, format_path(path)))

    def refused(self, refused: FileRefused, path: Pointer) -> None:
        """A policy file refused (outside the folder, not a regular file, too large), reported
        at the ``file`` key without quoting the file."""
        self.diagnostics.append(
            Diagnostic(refused.code, Severity.ERROR, f"notification_policy.file: {refused.reason}",
                       self.doc.span(path), format_path(path))
        )  # fmt: skip

    def read(self, ref: str) -> Document | None:
        fpath: Pointer = (*_KEY, "file")
        loc = self.doc.loc(fpath)
        base = Path(loc.span.file if loc else self.doc.file).parent
        try:
            target = confine(ref, base, self.doc.folder())
        except FileRefused as refused:
            self.refused(refused, fpath)
            return None
        if not exists(target):
            self.error(
                f"notification policy file '{ref}' not found (looked for {target}); expected a "
                "path relative to the chart, inside its definitions folder",
                fpath,
            )
            return None
        try:
            text = read_text(target, limit=MAX_POLICY_BYTES)
        except FileRefused as refused:
            self.refused(refused, fpath)
            return None
        policy, diags = parse_yaml(text, str(target), root=self.doc.root)
        self.diagnostics.extend(diags)
        return policy

    def rules(self, policy: Document) -> dict[str, MappingProxyType[str, PolicyRule]] | None:
        data, before = policy.data, len(self.diagnostics)
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        for err in errors:
            path: Pointer = tuple(err.absolute_path)
            what = format_path(path) or "the file"
            message = err.message
            if err.validator == "oneOf" and not path:
                message = "expected `scopes` (one chart's rules) or `charts` (a section per chart)"
            elif err.validator == "oneOf":
                message = (
                    "expected `send`, `suppress`, or a mapping {action: send|suppress|redirect, "
                    "to: [addresses], reason: text}"
                )
            self.error(f"notification policy: {what}: {message}", path, policy)
        # the rules for this chart: `scopes`, or its section of a file several charts share
        base: Pointer = ("scopes",)
        if isinstance(data, dict) and "charts" in data:
            base = ("charts", str(self.doc.data.get("id")), "scopes")
        depth = len(base) + 2
        broken = {tuple(e.absolute_path)[:depth] for e in errors}
        scopes = _at(data, base)
        if any(len(b) < depth for b in broken) or (scopes is None and base[0] == "scopes"):
            return None  # the shape is wrong: nothing more to check
        out: dict[str, MappingProxyType[str, PolicyRule]] = {}
        known = ", ".join(sorted(self.templates)) or "none declared"
        for scope, entries in (scopes or {}).items():
            found: dict[str, PolicyRule] = {}
            for template, spec in entries.items():
                path = (*base, scope, template)
                if path in broken:
                    continue
                if template != ANY and template not in self.templates:
                    self.error(
                        f"notification policy names template '{template}', which chart "
                        f"'{self.doc.data.get('id')}' does not declare; expected one of: {known} "
                        "(or `*`)",
                        path,
                        policy,
                    )
                    continue
                rule = self.rule(spec, path, policy)
                if rule is not None:
                    found[template] = rule
            out[str(scope)] = MappingProxyType(found)
        return None if errors or any(d.is_error for d in self.diagnostics[before:]) else out

    def rule(self, spec: Any, path: Pointer, policy: Document) -> PolicyRule | None:
        span = policy.span(path)
        if isinstance(spec, str):
            return PolicyRule(spec, (), None, span)
        action, to, reason = spec["action"], tuple(spec.get("to") or ()), spec.get("reason")
        if (action == "redirect") != bool(to):
            need = (
                "a `redirect` needs `to`"
                if action == "redirect"
                else f"`to` is only for `redirect`, not `{action}`"
            )
            self.error(f"notification policy: {need}", path, policy)
            return None
        for i, address in enumerate(to):
            why = address_problem(address)
            if why is not None:
                self.error(
                    f"notification policy: '{address}' is {why}; expected one address such "
                    "as orders@shop.example per entry",
                    (*path, "to", i),
                    policy,
                )
                return None
        return PolicyRule(action, to, reason, span)


def build_policy(
    doc: Document,
    diagnostics: list[Diagnostic],
    compiler: ExpressionCompiler,
    env: TypeEnv,
    templates: dict[str, TemplateDecl],
    sources: list[str],
) -> NotificationPolicy | None:
    """The chart's notification policy (None when it names none or it has errors)."""
    spec = doc.data.get("notification_policy") if isinstance(doc.data, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
        return None
    builder = _Policy(doc, diagnostics, templates)
    scope, typ = compiler.expression(spec.get("scope"), (*_KEY, "scope"), env)
    base = strip_optional(typ) if typ is not None else None
    if base is not None and base != STRING and not isinstance(base, EnumType):
        builder.error(
            f"notification_policy.scope is {base.describe()}; expected text (a shop code, "
            "a store id) the policy's scopes are keyed by",
            (*_KEY, "scope"),
        )
        return None
    policy = builder.read(spec["file"])
    if policy is None or scope is None:
        return None
    rules = builder.rules(policy)
    if rules is None:
        return None
    sources.append(policy.file)
    return NotificationPolicy(policy.file, scope, MappingProxyType(rules), doc.span(_KEY))
