"""The small vocabulary of errors the product speaks.

Code deep inside raises one of these; the edges (CLI, dashboard, flows) translate them into a
message for a person. Every error carries a human-readable message that names what went wrong.
"""

from collections.abc import Callable


class YuqingError(Exception):
    """Base of every error the product raises on purpose."""

    exit_code = 1


class ConfigError(YuqingError):
    """A configuration file (profile, sources, settings) is malformed; the message names file, entry and problem."""

    exit_code = 2


class NotFound(YuqingError):
    """A requested row does not exist (or is not visible to the caller)."""


class AccessDenied(YuqingError):
    """The caller's role or unit may not read or change this."""


class IllegalTransition(YuqingError):
    """A status change that the lifecycle does not allow (e.g. responded before acknowledged)."""


class AuthError(YuqingError):
    """Wrong credentials or a locked account."""


class ModelMissing(YuqingError):
    """No trained model is available where one is needed."""


class BadInput(YuqingError):
    """Input data (a CSV, a page, a post) that cannot be used; the message says why."""


class ModelIncompatible(YuqingError):
    """A trained model was built with another scikit-learn than the installed one; the message says
    which versions and how to retrain."""


def one_of(choices: tuple[str, ...], what: str = "kind") -> Callable[[str], str]:
    """A field check for the config models, ``Annotated[str, AfterValidator(one_of(KINDS))]``: the value
    must be one of ``choices``, and the error names the value and the choices."""

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"unknown {what} {value!r}; one of {', '.join(choices)}")
        return value

    return check


def describe_validation(exc, top_level: str = "(top level)") -> str:
    """A pydantic ValidationError as one line, ``where: problem; …`` (``top_level`` names the whole entry)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or top_level}: {error['msg']}" for error in exc.errors()
    )
