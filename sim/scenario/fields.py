"""The building blocks of the file schemas: the strict base model, ids, fractions, days.

The schema modules (this one, ``actions``, ``rivers``, ``schema``) do not use ``from __future__
import annotations``: pydantic would then compile and evaluate every field's annotation from
its text when it builds each class, which cost 20-25 ms of every command's start-up (a fifth of
importing the schema). Annotations naming a class defined later must be quoted (or ``Self``).
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.text import printable

__all__ = ["DAY_RANGE", "ID_PATTERN", "NOT_BOOL", "TERRAINS", "Date", "DayOrDate", "Float",
           "Fraction", "Id", "Int", "Name", "Number", "Relation", "Strict", "Terrain", "Text",
           "empty_list"]


def empty_list() -> list[Any]:
    """A new empty list: the ``default_factory`` of the schemas' list fields.

    The same as ``list``; but pydantic reads each factory's signature when it builds a class,
    and the built-in ``list``'s is parsed from text (0.2 ms each, 34 fields; a function's is
    read in 16 us). ``reference.py`` shows these fields as sections, as it does ``list``'s.
    """
    return []


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

#: What an id looks like (``Id``).
ID_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"

Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
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


def _date(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970 ("date: 20170808" would say "should have
    # zero time"), and true as a date error of its own: one plain message instead
    if isinstance(value, bool | int | float):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise ValueError(f"expected a date (YYYY-MM-DD), got {shown}")
    return value


#: A calendar date, written YYYY-MM-DD (numbers refused).
Date = Annotated[dt.date, BeforeValidator(_date)]

#: The day numbers ``DayOrDate`` takes.
DAY_RANGE = (1, 100_000)


def _day_or_date(value: Any) -> Any:
    """One clear message for a bad day or date (pydantic's union would give one per branch)."""
    lo, hi = DAY_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float | str | dt.date):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise ValueError(f"expected a day number ({lo} - {hi:,}) or a date (YYYY-MM-DD), "
                         f"got {shown}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"a day number is a whole number, got {value}")
    if isinstance(value, int | float) and not lo <= value <= hi:
        shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        raise ValueError(f"a day number is {lo} to {hi:,} (day 1 is the first day of the run; "
                         f"or give a date, YYYY-MM-DD), got {shown}")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a day number ({lo} - {hi:,}) or a date (YYYY-MM-DD), "
                             f"got {value!r}") from None
    return value


#: A day of the run (1 = the first day) or a calendar date.
DayOrDate = Annotated[
    Annotated[int, Field(ge=DAY_RANGE[0], le=DAY_RANGE[1])] | dt.date,
    BeforeValidator(_day_or_date),
]
