"""The analysis tools: each one argument model, one description, one call into brain/."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from brain.analytics.anomalies import anomalies
from brain.analytics.causal import causal_effect
from brain.analytics.chronotype import chronotype
from brain.analytics.correlation import correlate
from brain.analytics.data import PersonData
from brain.analytics.forecast import forecast
from brain.analytics.granger import granger
from brain.analytics.period_words import read_period, window_days
from brain.analytics.periods import Period
from brain.analytics.result import AnalysisResult
from brain.analytics.simulator import fit_simulator
from brain.analytics.stats import stats_lookup
from brain.analytics.weekday import weekday_profile
from brain.errors import InvalidQuery
from brain.metrics import CANONICAL
from tools.registry import Arguments, Tool, ToolContext, ToolResult, register
from tools.subject import Subject

Metric = str  # the schema narrows it to the person's own metrics with an enum


def _envelope(
    tool: str,
    arguments: Arguments,
    data: PersonData,
    result: AnalysisResult,
    first: date | None = None,
    last: date | None = None,
) -> ToolResult:
    return ToolResult(
        tool=tool,
        arguments=arguments.model_dump(mode="json", exclude_none=True),
        data_version=data.data_version,
        first_day=first or data.first_day,
        last_day=last or data.last_day,
        summary=result.summary,
        result=result.model_dump(mode="json", exclude={"summary"}),
    )


def _run(
    context: ToolContext,
    subject: Subject,
    tool: str,
    arguments: Arguments,
    analysis: Any,
    source: str = "daily",
    **kwargs: Any,
) -> ToolResult:
    data = context.analytics.data(subject.person)
    result = context.analytics.run(subject.person, analysis, source=source, **kwargs)
    return _envelope(tool, arguments, data, result)


# list_metrics ------------------------------------------------------------------------------


class ListMetricsArgs(Arguments):
    pass


def _list_metrics(context: ToolContext, subject: Subject, args: ListMetricsArgs) -> ToolResult:
    data = context.analytics.data(subject.person)
    metrics = []
    for name in sorted(data.daily.columns):
        series = data.daily[name].dropna()
        spec = CANONICAL.get(name)
        metrics.append(
            {
                "metric": name,
                "unit": spec.unit if spec else None,
                "description": spec.description if spec else None,
                "days": len(series),
                "first_day": series.index[0].date().isoformat() if len(series) else None,
                "last_day": series.index[-1].date().isoformat() if len(series) else None,
            }
        )
    summary = f"You have {len(metrics)} metrics over {len(data.daily)} days" + (
        f", from {data.first_day} to {data.last_day}." if len(data.daily) else "."
    )
    return ToolResult(
        tool="list_metrics",
        arguments={},
        data_version=data.data_version,
        first_day=data.first_day,
        last_day=data.last_day,
        summary=summary,
        result={"metrics": metrics, "checkins": len(data.checkins), "nights": len(data.sleep)},
    )


register(
    Tool(
        "list_metrics",
        "What data this person has: each metric with its unit, number "
        "of days and first and last day. Call it when unsure which metrics exist.",
        ListMetricsArgs,
        _list_metrics,
    )
)


# stats_lookup ------------------------------------------------------------------------------


PERIOD_WORDS = (
    'The period in the person\'s own words, copied from the question: "past 3 weeks", '
    '"last 2 months", "yesterday", "this year", "in March", "2026-03-01 to 2026-03-31".'
)


def _read_period(words: str) -> Period:
    try:
        return read_period(words)
    except InvalidQuery as error:  # a validation error the model can read and correct
        raise ValueError(str(error)) from error


class StatsLookupArgs(Arguments):
    metric: Metric = Field(description="The metric to summarise.")
    period: str | None = Field(None, description=PERIOD_WORDS)
    last_days: int | None = Field(None, ge=1, le=3660, description="The last N days.")
    last_weeks: int | None = Field(None, ge=1, le=520, description="The last N weeks.")
    start: date | None = Field(None, description="First day, YYYY-MM-DD.")
    end: date | None = Field(None, description="Last day, YYYY-MM-DD.")
    month: str | None = Field(None, description='A month: "2026-05", "May 2026" or "May".')
    days: Literal["all", "weekdays", "weekends"] = Field("all", description="Which days count.")

    @model_validator(mode="after")
    def _period(self) -> StatsLookupArgs:
        self.resolved()  # raises on contradictions, as a validation error the model can read
        return self

    def resolved(self) -> Period:
        """The days asked for: the period's words read by brain, or the explicit fields."""
        explicit = Period(
            last_days=self.last_days,
            last_weeks=self.last_weeks,
            start=self.start,
            end=self.end,
            month=self.month,
            days=self.days,
        )
        if self.period is None:
            return explicit
        if explicit.model_dump(exclude_defaults=True, exclude={"days"}):
            raise ValueError("give the period in words or as last_days/.../month, not both")
        return _read_period(self.period).model_copy(update={"days": self.days})


def _stats(context: ToolContext, subject: Subject, args: StatsLookupArgs) -> ToolResult:
    data = context.analytics.data(subject.person)
    result = context.analytics.run(
        subject.person, stats_lookup, metric=args.metric, period=args.resolved()
    )
    return _envelope("stats_lookup", args, data, result, result.first, result.last)


register(
    Tool(
        "stats_lookup",
        "Mean, median, range and total of one metric over a period "
        "(default: the last 30 days), and the change from the period before.",
        StatsLookupArgs,
        _stats,
        ("metric",),
    )
)


# correlate ---------------------------------------------------------------------------------


class CorrelateArgs(Arguments):
    x: Metric = Field(description="The metric that may come first (e.g. sleep_hours).")
    y: Metric = Field(description="The metric it may go with (e.g. valence for mood).")
    max_lag: int = Field(
        1,
        ge=0,
        le=7,
        description="Also compare x from up to this many days "
        "earlier with y (1 = does yesterday's x go with today's y).",
    )


register(
    Tool(
        "correlate",
        "How two metrics go together (Pearson and Spearman, with lags): "
        "e.g. does more sleep go with a more pleasant mood?",
        CorrelateArgs,
        lambda c, s, a: _run(c, s, "correlate", a, correlate, x=a.x, y=a.y, max_lag=a.max_lag),
        ("x", "y"),
    )
)


# weekday_profile -----------------------------------------------------------------------------


class WeekdayProfileArgs(Arguments):
    pass


register(
    Tool(
        "weekday_profile",
        "How likely each mood quadrant (high/low energy, pleasant/"
        "unpleasant) is on each weekday, with credible intervals.",
        WeekdayProfileArgs,
        lambda c, s, a: _run(c, s, "weekday_profile", a, weekday_profile, source="checkins"),
    )
)


# granger -----------------------------------------------------------------------------------


class GrangerArgs(Arguments):
    cause: Metric = Field(description="The metric that may come first.")
    effect: Metric = Field(description="The metric it may help predict.")
    max_lag: int = Field(7, ge=1, le=14, description="Longest lag in days to test.")


register(
    Tool(
        "granger",
        "Whether past values of one metric help predict another (Granger "
        "test): predictive precedence, not proof of cause.",
        GrangerArgs,
        lambda c, s, a: _run(
            c, s, "granger", a, granger, cause=a.cause, effect=a.effect, max_lag=a.max_lag
        ),
        ("cause", "effect"),
    )
)


# causal_effect -------------------------------------------------------------------------------


class CausalEffectArgs(Arguments):
    treatment: Metric = Field(description="What might have the effect (e.g. steps).")
    outcome: Metric = Field(description="What it might affect (e.g. valence).")
    lag: int = Field(0, ge=0, le=7, description="Days between treatment and outcome.")


register(
    Tool(
        "causal_effect",
        "The estimated effect of one metric on another per unit, "
        "adjusted for confounders (sleep, weekday, yesterday), with a confidence "
        "interval and refutation tests. Slower than the other tools.",
        CausalEffectArgs,
        lambda c, s, a: _run(
            c,
            s,
            "causal_effect",
            a,
            causal_effect,
            treatment=a.treatment,
            outcome=a.outcome,
            lag=a.lag,
        ),
        ("treatment", "outcome"),
    )
)


# simulate ----------------------------------------------------------------------------------


class SimulateArgs(Arguments):
    changes: dict[str, float] = Field(
        description='What-if values for a day, e.g. {"sleep_hours": 8, "steps": 10000}.',
        min_length=1,
    )
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday ... 6 = Sunday.")


def _simulate(context: ToolContext, subject: Subject, args: SimulateArgs) -> ToolResult:
    data = context.analytics.data(subject.person)
    model = context.analytics.cached(
        subject.person, "simulator", lambda person: fit_simulator(person.daily)
    )
    result = context.analytics.cached(
        subject.person,
        "simulate",
        lambda _: model.simulate(args.changes, weekday=args.weekday),
        changes=args.changes,
        weekday=args.weekday,
    )
    return _envelope("simulate", args, data, result)


register(
    Tool(
        "simulate",
        "Predict mood (valence, arousal, quadrant chances) for a what-if "
        "day from the person's own past days; refuses values they have never had.",
        SimulateArgs,
        _simulate,
    )
)


# chronotype --------------------------------------------------------------------------------


class ChronotypeArgs(Arguments):
    free_day_rule: Literal["weekends", "late_wakeups"] = Field(
        "weekends", description="How free days are told apart from work days."
    )


register(
    Tool(
        "chronotype",
        "Chronotype from sleep (MCTQ: mid-sleep on free days corrected "
        "for sleep debt) and social jetlag.",
        ChronotypeArgs,
        lambda c, s, a: _run(
            c, s, "chronotype", a, chronotype, source="sleep", free_day_rule=a.free_day_rule
        ),
    )
)


# anomalies ---------------------------------------------------------------------------------


class AnomaliesArgs(Arguments):
    metric: Metric = Field(description="The metric to check.")
    period: str | None = Field(None, description=PERIOD_WORDS + " Default: the last 30 days.")
    last_days: int | None = Field(
        None, ge=1, le=365, description="Only report days in this window (default 30)."
    )

    @model_validator(mode="after")
    def _window(self) -> AnomaliesArgs:
        self.window()
        return self

    def window(self) -> int:
        """The recent days to report, from the period's words or `last_days`."""
        if self.period is None:
            return self.last_days or 30
        if self.last_days is not None:
            raise ValueError("give the period in words or as last_days, not both")
        return min(window_days(_read_period(self.period)), 365)


register(
    Tool(
        "anomalies",
        "Days when a metric was unusual compared with the weeks before.",
        AnomaliesArgs,
        lambda c, s, a: _run(
            c, s, "anomalies", a, anomalies, metric=a.metric, last_days=a.window()
        ),
        ("metric",),
    )
)


# forecast ----------------------------------------------------------------------------------


class ForecastArgs(Arguments):
    metric: Metric = Field(description="The metric to forecast.")
    horizon: int = Field(7, ge=1, le=14, description="Days ahead.")


register(
    Tool(
        "forecast",
        "Forecast a metric for the next 1-14 days with ranges, and how well "
        "the model did on recent weeks.",
        ForecastArgs,
        lambda c, s, a: _run(c, s, "forecast", a, forecast, metric=a.metric, horizon=a.horizon),
        ("metric",),
    )
)
