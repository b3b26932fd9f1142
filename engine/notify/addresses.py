"""What one e-mail address is: a plain ``local@domain``, nothing a mail header could
re-parse into several (no display name, angle brackets, commas or line breaks)."""

from __future__ import annotations

import re

__all__ = ["MAX_ADDRESS", "address_problem"]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")

#: the longest address (RFC 5321 path limit)
MAX_ADDRESS = 254


def address_problem(value: str) -> str | None:
    """None if ``value`` is exactly one plain address, else what is wrong with it
    (``"several addresses in one field"`` or ``"not a plain address"``)."""
    if len(value) <= MAX_ADDRESS and _ADDRESS.fullmatch(value) is not None:
        return None
    several = "," in value or ";" in value or value.count("@") > 1
    return "several addresses in one field" if several else "not a plain address"
