"""SPDX licence expressions (`MIT OR Apache-2.0`, `GPL-2.0-or-later WITH Classpath-exception-2.0`),
parsed by the `license-expression` library against the catalogue's ids.

An expression is a tree of `Any` (OR: the best option may be chosen), `All` (AND: every part
holds) and `Leaf` (a licence, with an exception or not). Its size is bounded before the parser
sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

import license_expression

from commonsgraph.errors import ParameterError, UnknownLicence
from commonsgraph.legal.catalogue import Catalogue

MAX_LENGTH = 500
MAX_DEPTH = 10


@dataclass(frozen=True)
class Leaf:
    licence: str
    exception: str | None = None

    def __str__(self) -> str:
        return self.licence if self.exception is None else f"{self.licence} WITH {self.exception}"


@dataclass(frozen=True)
class Any:
    parts: tuple[Expression, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class All:
    parts: tuple[Expression, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(map(str, self.parts)) + ")"


Expression = Leaf | Any | All


def text(expression: Expression) -> str:
    """The expression as SPDX writes it, without outer parentheses."""
    written = str(expression)
    return written[1:-1] if isinstance(expression, (Any, All)) else written


class Parser:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        symbols = [license_expression.LicenseSymbol(key) for key in catalogue.licences]
        symbols += [
            license_expression.LicenseSymbol(key, is_exception=True) for key in catalogue.exceptions
        ]
        self.licensing = license_expression.Licensing(symbols)
        self.exceptions = {key.lower() for key in catalogue.exceptions}

    def parse(self, text: str, parameter: str) -> Expression:
        """The expression `text` stands for. Unknown ids raise UnknownLicence, malformed text
        a ParameterError naming `parameter`."""
        text = text.strip()
        if not text:
            raise ParameterError(parameter, "is empty: give an SPDX id or expression")
        if len(text) > MAX_LENGTH:
            raise ParameterError(parameter, f"is longer than {MAX_LENGTH} characters")
        key = self.catalogue.key(text)
        if key is not None:  # the common case: one id
            return Leaf(key)
        depth = 0
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth > MAX_DEPTH:
                raise ParameterError(parameter, f"nests parentheses deeper than {MAX_DEPTH}")
        if not any(c in text for c in " ()"):
            if text.lower() in self.exceptions:
                raise ParameterError(parameter, f"{text} is an exception: use it after WITH")
            raise self._unknown(text, parameter)
        try:
            parsed = self.licensing.parse(text, validate=False, strict=True)
        except license_expression.ExpressionError as error:
            raise ParameterError(parameter, f"is not a valid SPDX expression ({error})") from None
        unknown = self.licensing.unknown_license_keys(parsed)
        if unknown:
            raise self._unknown(str(unknown[0]), parameter)
        if parsed is None:
            raise ParameterError(parameter, "is empty: give an SPDX id or expression")
        return self._convert(parsed, parameter)

    def _unknown(self, given: str, parameter: str) -> UnknownLicence:
        return UnknownLicence(parameter, given, self.catalogue.suggest(given))

    def _convert(self, node: object, parameter: str) -> Expression:
        if isinstance(node, license_expression.LicenseWithExceptionSymbol):
            return Leaf(
                self._licence(node.license_symbol.key, parameter), node.exception_symbol.key
            )
        if isinstance(node, license_expression.LicenseSymbol):
            if node.is_exception:
                raise ParameterError(parameter, f"{node.key} is an exception: use it after WITH")
            return Leaf(self._licence(node.key, parameter))
        if isinstance(node, license_expression.OR):
            return Any(tuple(self._convert(part, parameter) for part in node.args))
        if isinstance(node, license_expression.AND):
            return All(tuple(self._convert(part, parameter) for part in node.args))
        raise ParameterError(parameter, "is not a valid SPDX expression")

    def _licence(self, key: str, parameter: str) -> str:
        found = self.catalogue.key(key)
        if found is None:
            raise self._unknown(key, parameter)
        return found
