"""Stage 4c, the ``notify`` action: which template (named, or chosen as data by
``template_from``), on which channel, to whom, from which sender, with which data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.expr import TypeEnv
from engine.expr.ast import Literal
from engine.expr.types import STRING, EnumType, ListType, Type, strip_optional
from engine.loader.yaml_source import Pointer
from engine.model import Action, Expression, Notify
from engine.notify.addresses import address_problem

if TYPE_CHECKING:
    from engine.loader.actions import ActionBuilder

__all__ = ["build_notify"]


def _is_text(typ: Type | None) -> bool:
    base = strip_optional(typ) if typ is not None else None
    return base is None or base == STRING or isinstance(base, EnumType)


def _choices(b: ActionBuilder, spec: dict[str, Any], path: Pointer, env: TypeEnv) -> Any:
    """(template shown, template_from, choices) of a notify action; problems reported."""
    name, chosen = spec.get("template"), spec.get("template_from")
    known = ", ".join(sorted(b.templates)) or "none declared"
    if name is not None and chosen is not None:
        b.error(
            "E505",
            "`template` and `template_from` both given; expected one: a template's name, or "
            "an expression whose value names it",
            (*path, "template_from"),
        )
    if chosen is None:
        if str(name) not in b.templates:
            b.error(
                "E308", f"unknown template '{name}'; expected one of: {known}", (*path, "template")
            )
        return str(name), None, (str(name),)
    fpath: Pointer = (*path, "template_from")
    expr, typ = b.compiler.expression(chosen, fpath, env)
    if expr is None:
        return f"[{chosen}]", None, tuple(b.templates)
    if not _is_text(typ):
        b.error(
            "E505",
            f"`template_from` is {typ.describe() if typ else '?'}; expected text naming a "
            "template (or null/empty: send nothing)",
            fpath,
        )
    literal = [expr.expr.value] if isinstance(expr.expr, Literal) else None
    base = strip_optional(typ) if typ is not None else None
    if isinstance(base, EnumType):
        literal = list(base.values)
    if literal is not None:
        for value in literal:
            if value not in (None, "") and str(value) not in b.templates:
                b.error(
                    "E505",
                    f"`template_from` can choose '{value}', which is not a template; "
                    f"expected one of: {known}",
                    fpath,
                )
        choices = tuple(str(v) for v in literal if v not in (None, "") and v in b.templates)
    else:
        choices = tuple(b.templates)
    return f"[{expr.text}]", expr, choices


def _sender(b: ActionBuilder, value: Any, path: Pointer, env: TypeEnv) -> Expression | None:
    if value is None:
        return None
    expr, typ = b.compiler.expression(value, path, env)
    if expr is None:
        return None
    base = strip_optional(typ) if typ is not None else None
    if base is not None and base != STRING:
        b.error(
            "E506",
            f"`sender` is {base.describe()}; expected text: one e-mail address",
            path,
        )
        return None
    if isinstance(expr.expr, Literal) and isinstance(expr.expr.value, str):
        why = address_problem(expr.expr.value)
        if why is not None:
            b.error(
                "E506",
                f"`sender` '{expr.expr.value}' is {why}; expected one address such as "
                "shop@example.com",
                path,
            )
            return None
    return expr


def build_notify(
    b: ActionBuilder, item: dict[str, Any], path: Pointer, env: TypeEnv
) -> Action | None:
    spec = item.get("notify")
    if not isinstance(spec, dict):
        return None
    npath: Pointer = (*path, "notify")
    shown, chosen, choices = _choices(b, spec, npath, env)
    template = b.templates.get(shown) if chosen is None else None
    channel = spec.get("channel") or (template.channel if template else None)
    if channel is None and chosen is not None:  # the channel every choice agrees on
        found = {b.templates[c].channel for c in choices}
        channel = found.pop() if len(found) == 1 else None
    channel = channel or "email"
    recipients: list[Expression] = []
    for i, value in enumerate(spec.get("to") or []):
        if value is None:
            continue  # left out: it broke the schema
        expr, typ = b.compiler.expression(value, (*npath, "to", i), env)
        if expr is None:
            continue
        base = strip_optional(typ) if typ is not None else None
        if base is not None and not (
            base == STRING or (isinstance(base, ListType) and strip_optional(base.item) == STRING)
        ):
            b.error(
                "E211",
                f"a recipient is {typ.describe() if typ else '?'}; expected text (an address or "
                "phone number) or a list of text",
                (*npath, "to", i),
            )
            continue
        recipients.append(expr)
    data = b.data_of(spec.get("data"), (*npath, "data"), env)
    sender = _sender(b, spec.get("sender"), (*npath, "sender"), env)
    return Notify(
        shown, str(channel), tuple(recipients), data, b.doc.span(path), chosen, choices, sender
    )
