"""The building blocks of the file schemas: the strict base model, ids, fractions, terrains."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.text import printable

__all__ = ["NOT_BOOL", "TERRAINS", "Float", "Fraction", "Id", "Int", "Name", "Number", "Relation",
           "Strict", "Terrain", "Text"]


def _not_bool(value: Any) -> Any:
    # pydantic (lax) reads true as 1: "population: true" loaded as a town of one
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


#: Numbers (true/false refused; pydantic alone would read them as 1 and 0).
Float = Annotated[float, BeforeValidator(_not_bool)]
Int = Annotated[int, BeforeValidator(_not_bool)]
Number = Annotated[int | float, BeforeValidator(_not_bool)]

#: The validator of the types above, for numbers with limits of their own: put the limits
#: first (``Annotated[float, Field(gt=0), NOT_BOOL] | None``), else pydantic checks them but
#: leaves them out of the JSON Schema.
NOT_BOOL = BeforeValidator(_not_bool)

def _free_text(text: str) -> str:
    return printable(text, allow="\n\t")


#: A name shown in logs, maps and files: no control characters.
Name = Annotated[str, AfterValidator(printable)]
#: Free text (descriptions): newlines and tabs allowed, no other control characters.
Text = Annotated[str, AfterValidator(_free_text)]

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
        max_length=64,
        description="lower-case id: letters, digits, single underscores",
    ),
]
# constraints before the validator: after it, pydantic keeps them out of the JSON Schema
Fraction = Annotated[float, Field(ge=0, le=1), NOT_BOOL]
Relation = Literal["allied", "neutral", "hostile"]

TERRAINS = ("flat", "desert", "mountain", "urban", "river", "hills", "marsh")
Terrain = Literal["flat", "desert", "mountain", "urban", "river", "hills", "marsh"]


class Strict(BaseModel):
    """Frozen, no unknown fields, no inf or nan; fields may be given by name or alias."""

    # no inf or nan anywhere: an infinite garrison made a run fail on its first day
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )
