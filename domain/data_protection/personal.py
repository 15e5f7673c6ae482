"""The marker of personal content in events, and where an event's JSON holds it.

A field typed `PersonalText` (free text, a file's name) is encrypted at rest with its data
subject's key and reads as ERASED once that key is deleted; every other field (ids,
dates, types, outcomes, counts) stays in the clear. The marker changes nothing in how a
model validates or serializes, so workflows and their histories are unaffected.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

ERASED = "[erased]"


class Personal:
    """Metadata marking a field as personal content."""


PersonalText = Annotated[str, Personal()]

# Where an event's JSON holds personal content: a field name maps to True (a personal
# string there) or to the fields of the model(s) held there (in a dict, or each item of a
# list). Members of a union are merged: each applies only where its fields are present.
PersonalFields = dict[str, Any]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is None:
        return []
    args = get_args(annotation)
    if origin is Annotated:
        args = args[:1]
    elif origin not in (Union, types.UnionType, tuple, list):
        return []
    return [model for arg in args if arg is not Ellipsis for model in _models_in(arg)]


def _is_personal(annotation: Any) -> bool:
    """`PersonalText`, or an optional one (`PersonalText | None`)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return any(isinstance(marker, Personal) for marker in annotation.__metadata__)
    if origin in (Union, types.UnionType):
        return any(_is_personal(arg) for arg in get_args(annotation))
    return False


def personal_fields(model: type[BaseModel]) -> PersonalFields:
    """Where instances of `model` hold personal content, as their JSON names it."""
    fields: PersonalFields = {}
    for name, info in model.model_fields.items():
        if any(isinstance(marker, Personal) for marker in info.metadata) or _is_personal(
            info.annotation
        ):
            fields[name] = True
            continue
        nested: PersonalFields = {}
        for inner in _models_in(info.annotation):
            nested.update(personal_fields(inner))
        if nested:
            fields[name] = nested
    return fields
