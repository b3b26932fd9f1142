"""The guard and assignment expression language: text -> typed tree -> closures.

Pipeline (each stage callable on its own): :func:`parse` (lark, LALR) ->
:func:`check` against a :class:`TypeEnv` -> :func:`compile_expr` -> call with a
:class:`Scope`. See docs/expressions.md.
"""

from engine.expr.assign import assign_path as assign_path
from engine.expr.ast import Expr as Expr
from engine.expr.ast import unparse as unparse
from engine.expr.check_assign import check_assignment as check_assignment
from engine.expr.checker import TypeEnv as TypeEnv
from engine.expr.checker import check as check
from engine.expr.compiler import Compiled as Compiled
from engine.expr.compiler import Scope as Scope
from engine.expr.compiler import compile_expr as compile_expr
from engine.expr.explain import ClauseResult as ClauseResult
from engine.expr.explain import explain_guard as explain_guard
from engine.expr.functions import ArgInfo as ArgInfo
from engine.expr.functions import Function as Function
from engine.expr.functions import FunctionRegistry as FunctionRegistry
from engine.expr.functions import TypeProblem as TypeProblem
from engine.expr.functions import default_functions as default_functions
from engine.expr.parser import parse as parse
from engine.expr.parser import parse_path as parse_path

__all__ = [
    "ArgInfo",
    "ClauseResult",
    "Compiled",
    "Expr",
    "Function",
    "FunctionRegistry",
    "Scope",
    "TypeEnv",
    "TypeProblem",
    "assign_path",
    "check",
    "check_assignment",
    "compile_expr",
    "default_functions",
    "explain_guard",
    "parse",
    "parse_path",
    "unparse",
]
