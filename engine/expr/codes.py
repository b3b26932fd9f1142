"""The E2xx diagnostic codes of the expression language (documented in docs/errors.md)."""

from __future__ import annotations

__all__ = ["CODES"]

SYNTAX = "E200"
EQUALS_TYPO = "E201"
MISSING_OPERAND = "E202"
UNBALANCED = "E203"
BAD_LITERAL = "E204"
UNKNOWN_NAME = "E205"
UNKNOWN_FIELD = "E206"
UNKNOWN_FUNCTION = "E207"
ARITY = "E208"
ARGUMENT_TYPE = "E209"
OPERATOR_TYPE = "E210"
NOT_BOOLEAN = "E211"
NOT_ASSIGNABLE = "E212"
UNKNOWN_STATE = "E213"
UNKNOWN_EVENT_FIELD = "E214"
NOT_ENUM_MEMBER = "E215"
BAD_TARGET = "E216"

#: code -> one-line meaning, the source of the table in docs/errors.md.
CODES: dict[str, str] = {
    SYNTAX: "syntax error in an expression",
    EQUALS_TYPO: "`=` used where a comparison `==` was meant",
    MISSING_OPERAND: "an operator or call is missing a value",
    UNBALANCED: "unbalanced parenthesis or bracket",
    BAD_LITERAL: "a literal that does not denote a value (bad date, escape, number)",
    UNKNOWN_NAME: "unknown name (not a context field, `event`, or a variable)",
    UNKNOWN_FIELD: "a record has no field of that name",
    UNKNOWN_FUNCTION: "the function is not in the registry",
    ARITY: "wrong number of arguments in a call",
    ARGUMENT_TYPE: "an argument has the wrong type",
    OPERATOR_TYPE: "an operator cannot combine the types of its operands",
    NOT_BOOLEAN: "the expression must give a boolean (a guard) or the expected type",
    NOT_ASSIGNABLE: "the value's type cannot be stored in the assignment target",
    UNKNOWN_STATE: "`In()` names a state the chart does not have",
    UNKNOWN_EVENT_FIELD: "`event.x` where the event declares no field `x`",
    NOT_ENUM_MEMBER: "a string literal compared with or assigned to an enum is not one of its values",
    BAD_TARGET: "the assignment target is not a context field path",
}
