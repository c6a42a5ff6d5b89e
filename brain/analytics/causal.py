"""Causal effect of one daily metric on another, estimated with DoWhy's explicit steps.

A correlation between steps and mood is not an effect: a good night's sleep and a free day
raise both. `causal_effect` states its assumptions as a causal graph, identifies the effect
by backdoor adjustment, estimates it by linear regression (effect per unit of the treatment,
with a 95% confidence interval) and then tries to refute it: a permuted placebo treatment
must show no effect, and an added random common cause must not move the estimate.

Column names. A name refers to a column of the person's daily frame on the outcome's day;
`<metric>_lag<j>` is that metric j days earlier, and `weekday_tue` ... `weekday_sun` are 0/1
indicators of the outcome day's weekday (Monday is the reference). With `lag=k` the treatment
is `<treatment>_lag<k>`, the treatment k days before the outcome. `common_causes` and the
nodes of a `graph` use these names; graph nodes that name no column are unobserved.

The default graph (used when neither `common_causes` nor `graph` is given): the outcome and
the treatment share as common causes, all adjusted for,
- the weekday, as six dummies (Tuesday ... Sunday against Monday), not a free-day flag,
  so that each weekday keeps its own level;
- the value of the treatment and of the outcome on the day before the treatment day;
- the night's sleep (every sleep metric of the night ending on the morning of the treatment
  day, which precedes the day), unless the treatment is itself a sleep metric, or the outcome
  is that very night;
- every other metric's value on the day before the treatment day.
Nothing measured on or after the treatment day is adjusted for, except that night's sleep:
same-day metrics may be effects of the treatment (mediators or colliders), and adjusting for
them would hide part of the effect or invent one. The estimate is therefore the total effect
of the treatment (through later sleep, steps, ... as well), e.g. of yesterday's drinks on
today's mood including the worse night in between. Adjustment columns missing on more than
a fifth of the usable days are dropped (a caveat names them), then days with any gap are.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt
from brain.analytics.series import require_metric
from brain.errors import InvalidQuery
from brain.metrics import CANONICAL, SLEEP_DAILY

MIN_DAYS = 60
MIN_DAYS_PER_ARM = 10
MIN_RESIDUAL_DAYS = 30  # complete days beyond the regression's parameters
MAX_MISSING_SHARE = 0.2
CONFIDENCE = 95
SIGNIFICANCE = 0.05
AUTOCORRELATION_LIMIT = 0.2
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_EXPLAINED = 0.99  # share of the treatment's variance the adjustment may explain
_LAGGED = re.compile(r"^(?P<metric>.+)_lag(?P<days>[1-9]\d{0,2})$")
_PLACEBO_RULE = (
    f"passes when DoWhy's test finds an effect of 0 consistent with the effects of permuted "
    f"placebo treatments (p > {SIGNIFICANCE})"
)
_COMMON_CAUSE_RULE = (
    f"passes when DoWhy's test finds the estimate consistent with the estimates after adding "
    f"a random common cause (p > {SIGNIFICANCE})"
)


class Refutation(BaseModel):
    """One refutation test: what DoWhy found and whether the estimate survived it."""

    model_config = ConfigDict(frozen=True)

    name: str
    new_effect: float | None
    p_value: float | None
    passed: bool
    rule: str


class CausalEffect(AnalysisResult):
    """The adjusted effect of `treatment` (`lag` days earlier) on `outcome`."""

    treatment: str
    outcome: str
    lag: int = Field(description="Days between the treatment and the outcome.")
    binary: bool = Field(description="The treatment is a 0/1 column (days with against without).")
    unit: str = Field(description="What `effect` is measured in.")
    effect: float | None = Field(None, description="Outcome change per unit of treatment.")
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: int = Field(CONFIDENCE, description="Confidence level of the interval, in %.")
    per_units: float = Field(1.0, description="Treatment step of the `*_scaled` fields.")
    effect_scaled: float | None = None
    ci_low_scaled: float | None = None
    ci_high_scaled: float | None = None
    naive_slope: float | None = Field(None, description="Unadjusted OLS slope, for contrast.")
    adjusted_for: list[str] = Field(default_factory=list)
    refutations: list[Refutation] = Field(default_factory=list)
    refutation_simulations: int
    n_treated: int | None = None
    n_untreated: int | None = None


def causal_effect(
    daily: pd.DataFrame,
    treatment: str,
    outcome: str,
    *,
    common_causes: list[str] | None = None,
    graph: str | None = None,
    lag: int = 0,
    refutation_simulations: int = 25,
    seed: int = 0,
) -> CausalEffect:
    """Identify, estimate and refute the effect of `treatment` on `outcome` (see module doc).

    Raises InvalidQuery for unknown metrics or names, a bad graph or one that allows no
    backdoor adjustment; too little data gives a result with an insufficient-data caveat.
    """
    frame = _daily_frame(daily)
    _check_query(frame, treatment, outcome, lag, refutation_simulations)
    t_col = _lagged(treatment, lag)
    caveats: list[str] = []
    if graph is not None:
        adjust, how = _graph_adjustment(frame, t_col, outcome, graph, caveats), "graph"
    elif common_causes is not None:
        adjust, how = _chosen_adjustment(frame, common_causes, (t_col, outcome)), "chosen"
    else:
        adjust, how = _default_adjustment(frame, treatment, outcome, lag, caveats), "default"
    data = _complete_days(frame, t_col, outcome, adjust)
    adjust = [c for c in adjust if data[c].nunique() > 1]
    if outcome in SLEEP_DAILY and lag == 0 and treatment not in SLEEP_DAILY:
        caveats.append(
            f"{outcome} is filed under the day the night ends, so it precedes that day's "
            f"{treatment}; for the effect on the following night, ask with a lag of 1."
        )
    return _analyse(
        data, treatment, outcome, lag, adjust, how, caveats, refutation_simulations, seed
    )


def _analyse(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    lag: int,
    adjust: list[str],
    how: str,
    caveats: list[str],
    simulations: int,
    seed: int,
) -> CausalEffect:
    """Check that the data can carry an estimate, then estimate, refute and summarise."""
    t_col = _lagged(treatment, lag)
    treated = data[t_col]
    binary = bool(treated.isin((0.0, 1.0)).all()) and treated.nunique() == 2
    base: dict[str, Any] = {
        "method": _method(simulations),
        "n": len(data),
        "treatment": treatment,
        "outcome": outcome,
        "lag": lag,
        "binary": binary,
        "unit": _unit(treatment, outcome, binary),
        "adjusted_for": adjust,
        "refutation_simulations": simulations,
    }
    if binary:
        base |= {"n_treated": int(treated.sum()), "n_untreated": int(len(data) - treated.sum())}
    problem = _data_problem(data, t_col, adjust, binary)
    if problem is not None:
        caveats.append(f"{INSUFFICIENT}: {problem}")
        summary = (
            f"Not enough data to estimate the effect of {_words(treatment)} on "
            f"{_words(outcome)} ({len(data)} complete days)."
        )
        return CausalEffect(**base, caveats=caveats, summary=summary)
    effect, low, high, refutations, autocorrelation = _estimate(
        data, t_col, outcome, adjust, simulations, seed
    )
    per = 1.0 if binary else _per_units(float(treated.std()))
    result = {
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "per_units": per,
        "effect_scaled": effect * per,
        "ci_low_scaled": low * per,
        "ci_high_scaled": high * per,
        "naive_slope": float(np.polyfit(treated, data[outcome], 1)[0]),
        "refutations": refutations,
    }
    caveats.extend(_estimate_caveats(low, high, refutations, autocorrelation))
    summary = _summary(base | result, how)
    return CausalEffect(**base, **result, caveats=caveats, summary=summary)


def _daily_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """The numeric metrics on a gap-free daily index, so that a shift of one row is one day."""
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise InvalidQuery("the daily frame needs a DatetimeIndex of days")
    numeric = daily.select_dtypes(include=["number", "bool"]).astype(float)
    numeric = numeric[~numeric.index.duplicated()].sort_index()
    if numeric.empty:
        return numeric
    return numeric.asfreq("D")


def _check_query(frame: pd.DataFrame, treatment: str, outcome: str, lag: int, sims: int) -> None:
    """Reject questions that cannot be asked of this frame, naming what could be asked."""
    for name in (treatment, outcome):
        require_metric(frame, name)
    if not 0 <= lag <= 366:
        raise InvalidQuery(f"lag must be between 0 and 366 days, not {lag}")
    if treatment == outcome and lag == 0:
        raise InvalidQuery("treatment and outcome must differ (or use a lag)")
    if sims < 1:
        raise InvalidQuery("refutation_simulations must be at least 1")


def _lagged(metric: str, days: int) -> str:
    """The column name of `metric` measured `days` before the outcome's day."""
    return metric if days == 0 else f"{metric}_lag{days}"


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """The values behind a column name (see the module doc), or None if it names nothing."""
    if name in frame.columns:
        return frame[name]
    if name.startswith("weekday_") and name[8:] in WEEKDAYS:
        weekday = WEEKDAYS.index(name[8:])
        return pd.Series((frame.index.day_of_week == weekday).astype(float), index=frame.index)
    match = _LAGGED.match(name)
    if match and match["metric"] in frame.columns:
        return frame[match["metric"]].shift(int(match["days"]))
    return None


def _default_adjustment(
    frame: pd.DataFrame, treatment: str, outcome: str, lag: int, caveats: list[str]
) -> list[str]:
    """The default graph's common causes, less columns too often missing (named in a caveat)."""
    before = lag + 1
    names = [f"weekday_{day}" for day in WEEKDAYS[1:]]
    names += [_lagged(treatment, before), _lagged(outcome, before)]
    outcome_is_that_night = outcome in SLEEP_DAILY and lag == 0
    if treatment not in SLEEP_DAILY and not outcome_is_that_night:
        names += [_lagged(s, lag) for s in sorted(SLEEP_DAILY) if s in frame.columns]
    others = [m for m in frame.columns if m not in (treatment, outcome)]
    names += [_lagged(m, before) for m in others]
    names = list(dict.fromkeys(n for n in names if n != outcome))
    usable = frame[outcome].notna() & frame[treatment].shift(lag).notna()
    sparse = [n for n in names if _column(frame, n)[usable].isna().mean() > MAX_MISSING_SHARE]
    if sparse:
        caveats.append(
            "Not adjusted for, as missing on more than a fifth of the days: "
            + ", ".join(sparse)
            + "."
        )
    return [n for n in names if n not in sparse]


def _chosen_adjustment(
    frame: pd.DataFrame, common_causes: Sequence[str], pair: tuple[str, str]
) -> list[str]:
    """The caller's adjustment set, each name checked against the frame."""
    if set(common_causes) & set(pair):
        raise InvalidQuery(f"the adjustment variables cannot include {pair[0]} or {pair[1]}")
    unknown = [c for c in common_causes if _column(frame, c) is None]
    if unknown:
        raise InvalidQuery(
            f"unknown adjustment variables {unknown}; use metric names {list(frame.columns)}, "
            "'<metric>_lag<days>' or weekday_tue ... weekday_sun"
        )
    return list(dict.fromkeys(common_causes))


def _graph_adjustment(
    frame: pd.DataFrame, t_col: str, outcome: str, graph: str, caveats: list[str]
) -> list[str]:
    """The backdoor set DoWhy identifies in the caller's graph (unnamed nodes: unobserved)."""
    from dowhy import CausalModel

    dag = _parse_graph(graph)
    for node in (t_col, outcome):
        if node not in dag:
            raise InvalidQuery(f"the graph has no node {node!r}")
    if not nx.has_path(dag, t_col, outcome):
        raise InvalidQuery(f"the graph has no directed path {t_col} -> {outcome}")
    observed = {n: _column(frame, n) for n in dag.nodes}
    hidden = sorted(n for n, values in observed.items() if values is None)
    if hidden:
        caveats.append(
            "Graph nodes with no data, treated as unobserved: " + ", ".join(hidden) + "."
        )
    data = pd.DataFrame({n: v for n, v in observed.items() if v is not None})
    with _quiet():
        model = CausalModel(data=data, treatment=t_col, outcome=outcome, graph=dag)
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
    if not estimand.estimands or estimand.estimands.get("backdoor") is None:
        raise InvalidQuery(f"the graph allows no backdoor adjustment for {t_col} -> {outcome}")
    return list(estimand.get_backdoor_variables())


def _parse_graph(graph: str) -> nx.DiGraph:
    """An inline DOT (`digraph {...}`) or GML (`graph [...]`) DAG; never a file path."""
    text = graph.strip()
    try:
        if re.match(r"^(strict\s+)?digraph\b", text, re.IGNORECASE):
            import pydot

            with _quiet(), contextlib.redirect_stdout(io.StringIO()):  # pydot prints errors
                parsed = pydot.graph_from_dot_data(text)
            dag = nx.DiGraph(nx.nx_pydot.from_pydot(parsed[0])) if parsed else None
        elif re.match(r"^graph\s*\[", text) and re.search(r"\bdirected\s+1\b", text):
            dag = nx.DiGraph(nx.parse_gml(text))
        else:
            dag = None
    except (nx.NetworkXError, ValueError, IndexError) as e:
        raise InvalidQuery(f"the graph could not be read: {e}") from e
    if dag is None or not nx.is_directed_acyclic_graph(dag):
        raise InvalidQuery("the graph must be a directed acyclic graph in DOT or directed GML")
    return dag


def _complete_days(
    frame: pd.DataFrame, t_col: str, outcome: str, adjust: list[str]
) -> pd.DataFrame:
    """The days on which the treatment, the outcome and every adjustment column are known."""
    columns = dict.fromkeys([t_col, outcome, *adjust])
    data = pd.DataFrame({c: _column(frame, c) for c in columns}, index=frame.index)
    return data.dropna()


def _data_problem(data: pd.DataFrame, t_col: str, adjust: list[str], binary: bool) -> str | None:
    """Why these complete days cannot carry an estimate, or None when they can."""
    n = len(data)
    if n < MIN_DAYS:
        return f"{n} complete days, at least {MIN_DAYS} are needed."
    if data[t_col].nunique() < 2:
        return f"{t_col} never varies on the complete days, so its effect cannot be seen."
    if n - len(adjust) - 2 < MIN_RESIDUAL_DAYS:
        return f"{n} complete days are too few for {len(adjust)} adjustment variables."
    if adjust and _explained(data[t_col], data[adjust]) > MAX_EXPLAINED:
        return f"{t_col} is almost fully determined by the adjustment variables."
    if binary:
        treated = int(data[t_col].sum())
        if min(treated, n - treated) < MIN_DAYS_PER_ARM:
            return (
                f"{treated} days with and {n - treated} without {t_col}; at least "
                f"{MIN_DAYS_PER_ARM} of each are needed."
            )
    return None


def _explained(target: pd.Series, predictors: pd.DataFrame) -> float:
    """R² of `target` regressed on `predictors` (with an intercept)."""
    x = np.column_stack([np.ones(len(target)), predictors.to_numpy()])
    y = target.to_numpy()
    residuals = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return 1.0 - float(residuals @ residuals) / float(((y - y.mean()) ** 2).sum())


def _estimate(
    data: pd.DataFrame, t_col: str, outcome: str, adjust: list[str], sims: int, seed: int
) -> tuple[float, float, float, list[Refutation], float]:
    """DoWhy: model, identify (backdoor), estimate (OLS with CI), refute twice.

    Returns the effect, its CI, the refutations and the lag-1 autocorrelation of residuals.
    """
    from dowhy import CausalModel
    from threadpoolctl import threadpool_limits

    with _quiet(), threadpool_limits(1):  # small OLS fits: BLAS threads only contend
        model = CausalModel(data=data, treatment=t_col, outcome=outcome, common_causes=adjust)
        estimand = model.identify_effect(
            method_name="maximal-adjustment", proceed_when_unidentifiable=True
        )
        estimate = model.estimate_effect(
            estimand,
            method_name="backdoor.linear_regression",
            confidence_intervals=True,
            method_params={"confidence_level": CONFIDENCE / 100},
        )
        placebo = model.refute_estimate(
            estimand,
            estimate,
            method_name="placebo_treatment_refuter",
            placebo_type="permute",
            num_simulations=sims,
            random_state=seed,
        )
        common = model.refute_estimate(
            estimand,
            estimate,
            method_name="random_common_cause",
            num_simulations=sims,
            random_state=seed,
        )
    low, high = (float(x) for x in np.ravel(estimate.get_confidence_intervals())[:2])
    refutations = [
        _refutation("placebo treatment (permuted)", placebo, _PLACEBO_RULE),
        _refutation("random common cause", common, _COMMON_CAUSE_RULE),
    ]
    residuals = estimate.estimator.model.resid
    return float(estimate.value), low, high, refutations, _autocorrelation(residuals)


def _refutation(name: str, refuted: Any, rule: str) -> Refutation:
    """A DoWhy refutation as a result row; a test DoWhy could not compute does not pass."""
    p = refuted.refutation_result.get("p_value") if refuted.refutation_result else None
    p_value = float(p) if p is not None and math.isfinite(float(p)) else None
    new_effect = float(refuted.new_effect)
    return Refutation(
        name=name,
        new_effect=new_effect if math.isfinite(new_effect) else None,
        p_value=p_value,
        passed=p_value is not None and p_value > SIGNIFICANCE,
        rule=rule,
    )


def _autocorrelation(residuals: pd.Series) -> float:
    """Lag-1 autocorrelation of residuals over pairs of consecutive calendar days."""
    shifted = residuals.reindex(residuals.index - pd.Timedelta(days=1)).to_numpy()
    pairs = ~np.isnan(shifted)
    if pairs.sum() < 3:
        return 0.0
    return float(np.corrcoef(residuals.to_numpy()[pairs], shifted[pairs])[0, 1])


def _estimate_caveats(
    low: float, high: float, refutations: list[Refutation], autocorrelation: float
) -> list[str]:
    """What the reader of an estimate must keep in mind."""
    caveats = []
    if low <= 0 <= high:
        caveats.append(f"No clear effect: the {CONFIDENCE}% confidence interval includes 0.")
    caveats.extend(
        f"Refutation failed ({r.name}): {r.rule}; the estimate may not be causal."
        for r in refutations
        if not r.passed
    )
    if abs(autocorrelation) > AUTOCORRELATION_LIMIT:
        caveats.append(
            f"Day-to-day residuals are correlated (lag-1 autocorrelation {fmt(autocorrelation)}), "
            "so the confidence interval is likely too narrow."
        )
    caveats.append(
        "This assumes no unmeasured common cause of both (illness, stress, plans); "
        "it is an estimate from observation, not an experiment."
    )
    return caveats


def _per_units(spread: float) -> float:
    """A round step of the treatment within its usual range (1,000 steps, 1 hour, 100 mg)."""
    if not spread > 0:
        return 1.0
    return float(10 ** math.floor(math.log10(2 * spread)))


def _unit(treatment: str, outcome: str, binary: bool) -> str:
    """The effect's unit in words."""
    if binary:
        return f"{outcome} difference, days with {treatment} against days without"
    spec = CANONICAL.get(treatment)
    return f"{outcome} per unit of {treatment}" + (f" ({spec.unit})" if spec else "")


def _method(simulations: int) -> str:
    return (
        "DoWhy backdoor adjustment estimated by linear regression (OLS) with a "
        f"{CONFIDENCE}% confidence interval; refuted by a permuted placebo treatment and a "
        f"random common cause, {simulations} simulations each"
    )


def _summary(fields: dict[str, Any], how: str) -> str:
    """One sentence from the estimate's own numbers."""
    adjusted = {
        "default": "weekday, the night's sleep and the previous day's values",
        "chosen": "the chosen variables",
        "graph": "the graph's backdoor set",
    }[how]
    lag, digits = fields["lag"], _digits(fields)
    when = "" if lag == 0 else " the day before" if lag == 1 else f" {lag} days earlier"
    treatment, outcome = _words(fields["treatment"]), _words(fields["outcome"])
    if fields["binary"]:
        change = f"days with {treatment}{when} go with a difference in {outcome} of"
        days = f"{fields['n']} days: {fields['n_treated']} with, {fields['n_untreated']} without"
    else:
        per = fields["per_units"]
        amount = f"{per:,.0f}" if per >= 1 else fmt(per, 6)
        change = f"each extra {amount} {treatment}{when} goes with a change in {outcome} of"
        days = f"{fields['n']} days"
    low, high = fmt(fields["ci_low_scaled"], digits), fmt(fields["ci_high_scaled"], digits)
    verdict = _verdict(fields)
    return (
        f"Adjusting for {adjusted}, {change} {fmt(fields['effect_scaled'], digits)} "
        f"({CONFIDENCE}% CI {low} to {high}, {days}){verdict}."
    )


def _verdict(fields: dict[str, Any]) -> str:
    """The sentence's tail: whether the interval excludes 0 and the refuters passed."""
    clear = "; no clear effect" if fields["ci_low"] <= 0 <= fields["ci_high"] else ""
    failed = [r.name for r in fields["refutations"] if not r.passed]
    if failed:
        return f"{clear}; refutation failed: {', '.join(failed)}"
    return f"{clear}; refutation tests passed"


def _digits(fields: dict[str, Any]) -> int:
    """Decimals that show about three significant figures of the effect and its interval."""
    values = [abs(fields[k]) for k in ("effect_scaled", "ci_low_scaled", "ci_high_scaled")]
    largest = max(values)
    if largest == 0:
        return 2
    return min(8, max(2, 2 - math.floor(math.log10(largest))))


def _words(metric: str) -> str:
    return metric.replace("_", " ")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence DoWhy's and pydot's deprecation warnings and DoWhy's log lines, locally."""
    dowhy_log = logging.getLogger("dowhy")
    level = dowhy_log.level
    dowhy_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"(dowhy|pydot)\.")
            yield
    finally:
        dowhy_log.setLevel(level)
