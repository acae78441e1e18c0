"""The base of the SDK's pydantic models: one error contract for every validation failure.

A model built from bad input raises :class:`~quiltkit.exceptions.InvalidInput` (a ``ValueError``)
naming the field, :class:`~quiltkit.exceptions.InvalidAddress` when the field is an address, and
:class:`~quiltkit.exceptions.PrivateKeyAsAddress` when the value looks like a key. It never lets
pydantic's ``ValidationError`` escape: that one repeats the rejected input in its message, and the
input may be a private key passed in the wrong place.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ValidationError

from quiltkit.exceptions import InvalidAddress, InvalidInput, PrivateKeyAsAddress

__all__ = ["Model", "invalid_input"]


class Model(BaseModel):
    """A pydantic model whose validation errors are quiltkit's (see the module docstring)."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
            return
        except ValidationError as exc:
            error = invalid_input(type(self).__name__, exc)
        raise error  # outside the handler: no chained ValidationError carries the input along

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            error = invalid_input(cls.__name__, exc)
        raise error

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            error = invalid_input(cls.__name__, exc)
        raise error


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def invalid_input(model: str, exc: ValidationError) -> InvalidInput:
    """The quiltkit exception for a failed validation of ``model``.

    Its class is the most specific one among the failures (:class:`PrivateKeyAsAddress`, then
    :class:`InvalidAddress`, then :class:`InvalidInput`), its ``field`` the failing field of that
    kind, and its message names every failing field; the rejected input is never in it.
    """
    entries: list[tuple[str, str, type[InvalidInput]]] = []
    for error in exc.errors(include_input=False, include_url=False):
        cause = (error.get("ctx") or {}).get("error")
        where = _location(tuple(error["loc"]))
        if isinstance(cause, InvalidInput):
            named = cause.field or ""
            related = bool(named) and (not where or where.startswith(named) or named.startswith(where))
            if related and named.startswith(where):
                where = named  # the validator knew better: "amounts[0]" rather than "amounts"
            text = str(cause)
            if related and text.startswith(named) and where != named:
                text = where + text[len(named) :]  # "verifiers[1] must be ...", not "verifiers must be ..."
            kind = type(cause) if isinstance(cause, InvalidAddress) else InvalidInput
        else:
            text, kind = str(error["msg"]), InvalidInput
        entries.append((where or "(model)", text, kind))
    ranked = [PrivateKeyAsAddress, InvalidAddress, InvalidInput]
    field, _, kind = min(entries, key=lambda e: next(i for i, k in enumerate(ranked) if issubclass(e[2], k)))
    message = f"invalid {model}: " + "; ".join(
        text if text.startswith(where) else f"{where}: {text}" for where, text, _ in entries
    )
    if issubclass(kind, PrivateKeyAsAddress):
        error_out: InvalidInput = PrivateKeyAsAddress(field)
        error_out.args = (message,)
        return error_out
    if issubclass(kind, InvalidAddress):
        return InvalidAddress(message, field=field)
    return InvalidInput(message, field=field)
