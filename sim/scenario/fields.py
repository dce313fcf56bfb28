"""The building blocks of the file schemas: the strict base model, ids, fractions, terrains."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TERRAINS", "Fraction", "Id", "Relation", "Strict", "Terrain"]

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
        max_length=64,
        description="lower-case id: letters, digits, single underscores",
    ),
]
Fraction = Annotated[float, Field(ge=0, le=1)]
Relation = Literal["allied", "neutral", "hostile"]

TERRAINS = ("flat", "desert", "mountain", "urban", "river", "hills", "marsh")
Terrain = Literal["flat", "desert", "mountain", "urban", "river", "hills", "marsh"]


class Strict(BaseModel):
    """Frozen, no unknown fields, no inf or nan; fields may be given by name or alias."""

    # no inf or nan anywhere: an infinite garrison made a run fail on its first day
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )
