"""The flows shipped with statewise, and the ``builtin:`` prefix that names them.

The charts, fragments, templates and scenarios of the four systems (``definitions/`` at the
top of the repository) are installed with the wheel as ``engine/definitions/``; a source
checkout or an editable install reads the repository's folder. Wherever a command takes a
chart file or a definitions folder, ``builtin:`` names the shipped one from anywhere:

* ``builtin:`` (or ``builtin:/``): the whole folder;
* ``builtin:yescart``: one system's folder;
* ``builtin:yescart/order.yaml``: one chart (or scenario, fragment).

>>> resolve_path("charts/order.yaml")
'charts/order.yaml'
>>> resolve_path("builtin:yescart/order.yaml").endswith("yescart/order.yaml")
True
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["BUILTIN", "BuiltinNotFound", "flow_path", "resolve_path", "shipped_flows"]

#: the prefix that names the shipped flows
BUILTIN = "builtin:"


class BuiltinNotFound(LookupError):
    """A ``builtin:`` path that names nothing among the shipped flows."""


def shipped_flows() -> Path:
    """The folder of the shipped flows: installed with the wheel, or the source checkout's."""
    here = Path(__file__).resolve().parent
    installed = here / "definitions"
    if installed.is_dir():
        return installed
    source = here.parent / "definitions"
    if source.is_dir():
        return source
    raise BuiltinNotFound(  # pragma: no cover - only a broken installation lands here
        f"the shipped flows are missing: neither {installed} nor {source} exists"
    )


def resolve_path(text: str) -> str:
    """``text`` itself, or the shipped file or folder a ``builtin:`` path names.

    Raises :class:`BuiltinNotFound` when the shipped flows have no such file or folder
    (a ``..`` that would leave the shipped folder counts as none).
    """
    if not text.startswith(BUILTIN):
        return text
    rest = text[len(BUILTIN) :].strip("/")
    root = shipped_flows()
    path = (root / rest).resolve() if rest else root
    if not path.is_relative_to(root) or not path.exists():
        systems = ", ".join(sorted(p.name for p in root.iterdir() if p.is_dir()))
        raise BuiltinNotFound(
            f"{text}: no such shipped flow (the shipped folders are {systems}; "
            "`statewise flows list` shows every chart)"
        )
    return str(path)


def flow_path(text: str) -> str:
    """An argparse ``type``: a path, with ``builtin:`` resolved (a usage error if unknown)."""
    try:
        return resolve_path(text)
    except BuiltinNotFound as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
