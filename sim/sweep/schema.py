"""What a valid sweep file is: its pydantic schema (the file, its parameters and metrics)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from sim.scenario.fields import NOT_BOOL, Float, Int, Name, Number, Strict, Text
from sim.sweep.metrics import SERIES

__all__ = ["FIXED_COLUMNS", "MetricEntry", "RangeParam", "SampleParam", "SweepFile",
           "ValuesParam"]

#: Columns every results file has, besides parameters and metrics.
FIXED_COLUMNS = ("run", "point", "replicate", "seed", "status", "error", "control",
                 "closed")


class ValuesParam(Strict):
    """A parameter with listed values: ``{values: [0, 0.01, 0.02]}`` or just the list."""

    values: list[Any] = Field(min_length=1, max_length=100_000, description="the values")


class RangeParam(Strict):
    """A parameter with evenly spaced values: ``{from: 0, to: 0.05, step: 0.01}``."""

    from_: Number = Field(alias="from", description="first value")
    to: Number = Field(description="last value (included when a step lands on it)")
    step: Annotated[int | float, Field(gt=0), NOT_BOOL] | None = Field(
        None, description="spacing (give step or num)")
    num: Annotated[int, Field(ge=1, le=100_000), NOT_BOOL] | None = Field(
        None, description="number of values (step or num)")
    log: bool = Field(False, description="space num values evenly on a log scale")


class SampleParam(Strict):
    """A sampled parameter: ``{low: 0, high: 0.05}``, for ``design: lhs`` or ``sobol``."""

    low: Float = Field(description="lower bound")
    high: Float = Field(description="upper bound")
    log: bool = Field(False, description="sample uniformly on a log scale (low > 0)")
    integer: bool = Field(False, description="draw whole numbers from low to high inclusive")


class MetricEntry(Strict):
    """A metric to record: a name from the metric library and its arguments."""

    metric: str = Field(description="metric name, e.g. capture_day (see docs/sweeps.md)")
    name: Name | None = Field(None, min_length=1, max_length=120,
                             description="column name (default: metric.arguments)")
    town: str | None = Field(None, description="town id, for metrics about one town")
    towns: list[str] | None = Field(None, min_length=1, description="town ids")
    faction: str | None = Field(None, description="faction id (per-faction metrics: omit it "
                                                  "for one column per faction)")


class SweepFile(Strict):
    """A frontline sweep file (``format: 1``)."""

    format: Literal[1] = Field(description="file format version; must be 1")
    name: Name = Field(min_length=1, max_length=200)
    description: Text = ""
    scenario: str = Field(min_length=1, description="scenario file, relative to the sweep file")
    days: Annotated[int, Field(ge=1, le=100_000), NOT_BOOL] | None = Field(
        None, description="days per run (default: the scenario's)")
    seed: Int = Field(0, ge=0, le=2**63 - 1, description="root seed; run seeds derive from it")
    replicates: Int = Field(1, ge=1, le=1_000_000, description="runs (seeds) per point")
    seeds: Literal["common", "independent"] = Field(
        "common", description="common: replicate r has the same seed at every point; "
                              "independent: every run its own seed")
    design: Literal["grid", "oat", "lhs", "sobol", "morris", "saltelli"] = Field(
        "grid", description="grid: every combination of listed values; oat: one at a time "
                            "around the middle values; lhs / sobol: sample the low/high "
                            "parameters; morris / saltelli: sensitivity designs (see "
                            "docs/sweeps.md)")
    samples: Annotated[int, Field(ge=1, le=1_000_000), NOT_BOOL] | None = Field(
        None, description="points to sample (lhs, sobol); trajectories (morris); base "
                          "samples (saltelli)")
    set: dict[str, Any] = Field(default_factory=dict, description="constant overrides for "
                                                                  "every run (path: value)")
    parameters: dict[str, Any] = Field(default_factory=dict, description="swept parameters "
                                                                         "(path: values)")
    metrics: list[Any] = Field(min_length=1, description="metrics to record")
    series: list[str] = Field(default_factory=list, description="per-faction daily series "
                              "for the long table: " + ", ".join(SERIES))
