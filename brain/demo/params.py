"""Alex's parameters and the effects they imply: the known truth analytics are tested on.

`DemoParams` writes out every structural equation of the demo model (`brain.demo.scm` samples
them); `true_effects` turns a parameter set into what a correct analysis must recover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

import numpy as np

TZ = ZoneInfo("Europe/Berlin")

SLEEP_REF_H = 7.0
STEPS_REF = 8000
CAFFEINE_REF_MG = 200

LEAD_DAYS = 7  # simulated before the first reported day so that lags and weekly sums are warm


@dataclass(frozen=True, slots=True)
class DemoParams:
    """Coefficients of Alex's model. Day t has weekday w_t (Monday = 0, the index of every
    weekday tuple) and F_t = 1 on Saturday and Sunday; night t is the sleep that ends on the
    morning of t, and its clock times are hours from the local midnight starting t (−0.75 =
    23:15 the evening before). S̄ = SLEEP_REF_H, N̄ = STEPS_REF, C̄ = CAFFEINE_REF_MG.

        D_t   ~ Poisson(drinks_rate[w_t])                                  alcoholic drinks
        on_t  ~ N(free_onset_h, free_onset_sd_h) if F_t else N(work_onset_h, work_onset_sd_h)
        up_t  ~ N(free_wake_h, free_wake_sd_h)   if F_t else N(work_wake_h, work_wake_sd_h)
        W_t   = Gamma(awake_shape, awake_scale_min) + B·U(bad_night_awake_min)
                + awake_min_per_drink · D_{t−1}          minutes awake, B ~ Bern(bad_night_prob)
        S_t   = up_t − on_t − W_t/60                     hours asleep (elapsed, so DST-aware)
        C_t   = Σ cups of cup_mg,  cups ~ Poisson(cups_base + cups_per_lost_sleep_h (S̄ − S_t))
        E_t   = Bern(exercise_prob_free if F_t else exercise_prob_work)
                · clip(N(exercise_mean_min, exercise_sd_min), 15, 90)      gym or bike: no steps
        M_t   = Bern(mindful_prob) · U{5..20}                              mindful minutes
        N_t   = steps_base + steps_per_sleep_h (S_t − S̄) + steps_free F_t + N(0, steps_sd²)
        V_t   = valence_base + valence_per_sleep_h (S_t − S̄) + valence_free F_t
                + valence_per_step (N_t − N̄) + valence_per_exercise_h E_t/60
                + valence_per_drink_lag1 D_{t−1} + valence_weekday[w_t] + N(0, valence_sd²)
        A_t   = arousal_base + arousal_per_caffeine_mg (C_t − C̄) + arousal_per_step (N_t − N̄)
                + arousal_per_sleep_h (S_t − S̄) + arousal_mindful 1[M_t > 0]
                + arousal_weekday[w_t] + N(0, arousal_sd²)
        RHR_t = resting_hr_base + resting_hr_per_weekly_exercise_h Σ_{s=t−7}^{t−1} E_s/60
                + N(0, resting_hr_sd²)
        HRV_t = hrv_base_ms + hrv_per_drink_lag1_ms D_{t−1} + hrv_per_sleep_h_ms (S_t − S̄)
                + N(0, hrv_sd_ms²)
        mood  : K_t ~ Categorical(checkins_p) check-ins, each the nearest lexicon word to
                (V_t, A_t) + N(0, checkin_sd²) per axis; V_t, A_t clipped to ±0.95
        music : minutes ~ N(music_mean_min, music_sd_min²), skip probability
                logistic(logit(skip_base) + skip_logit_per_arousal · A_t), and with probability
                late_music_prob a session until onset when the next onset is after late_onset_h

    Steps are floored at 300, cups at a rate of 0.3. Vacation weeks only move hours from work
    to home. The watch is off the wrist (charging) during `watch_charging_hour`; the first
    `legacy_sleep_days` nights come from a watchOS without sleep stages.
    """

    work_onset_h: float = -0.75
    work_onset_sd_h: float = 25 / 60
    work_wake_h: float = 6.75
    work_wake_sd_h: float = 10 / 60
    free_onset_h: float = 0.75
    free_onset_sd_h: float = 40 / 60
    free_wake_h: float = 9.25
    free_wake_sd_h: float = 40 / 60
    awake_shape: float = 2.0
    awake_scale_min: float = 14.0
    awake_min_per_drink: float = 18.0
    bad_night_prob: float = 0.08
    bad_night_awake_min: tuple[float, float] = (45.0, 150.0)
    drinks_rate: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 1.8, 2.0, 0.4)
    cups_base: float = 2.2
    cups_per_lost_sleep_h: float = 0.9
    cup_mg: tuple[int, ...] = (65, 95, 95, 120)
    exercise_prob_work: float = 0.35
    exercise_prob_free: float = 0.55
    exercise_mean_min: float = 45.0
    exercise_sd_min: float = 12.0
    mindful_prob: float = 0.3
    steps_base: float = 8000.0
    steps_per_sleep_h: float = 1750.0
    steps_free: float = 2500.0
    steps_sd: float = 2600.0
    valence_base: float = -0.02
    valence_per_sleep_h: float = 0.22
    valence_free: float = 0.3
    valence_per_step: float = 2.5e-5
    valence_per_exercise_h: float = 0.15
    valence_per_drink_lag1: float = -0.07
    valence_weekday: tuple[float, ...] = (-0.12, -0.03, 0.0, 0.03, 0.1, 0.0, 0.0)
    valence_sd: float = 0.04
    arousal_base: float = 0.08
    arousal_per_caffeine_mg: float = 0.0012
    arousal_per_step: float = 2.5e-5
    arousal_per_sleep_h: float = 0.12
    arousal_mindful: float = -0.1
    arousal_weekday: tuple[float, ...] = (0.15, 0.05, 0.0, 0.0, 0.05, -0.05, -0.1)
    arousal_sd: float = 0.12
    checkin_sd: float = 0.2
    checkins_p: tuple[float, ...] = (0.1, 0.2, 0.35, 0.35)
    note_prob: float = 0.4
    reflection_prob_evening: float = 0.3
    resting_hr_base: float = 61.0
    resting_hr_per_weekly_exercise_h: float = -1.2
    resting_hr_sd: float = 1.5
    hrv_base_ms: float = 48.0
    hrv_per_drink_lag1_ms: float = -5.0
    hrv_per_sleep_h_ms: float = 3.0
    hrv_sd_ms: float = 6.0
    music_mean_min: float = 60.0
    music_sd_min: float = 30.0
    skip_base: float = 0.22
    skip_logit_per_arousal: float = 2.0
    late_music_prob: float = 0.75
    late_onset_h: float = -0.5
    vacation_weeks_per_730_days: int = 10
    work_hours_mean: float = 8.4
    screen_time_mean_min: float = 190.0
    screen_time_free_min: float = 60.0
    watch_charging_hour: int = 20
    legacy_sleep_days: int = 60
    wearable_missing_prob: float = 0.02


def true_effects(params: DemoParams) -> Mapping[str, float]:
    """The effects and chronotype constants an analysis of data from `params` must recover.

    Effects are direct (other causes held fixed) unless named `_total`, which adds the paths
    through sleep and steps; drinks act on the next day (lag 1). Estimating the alcohol totals
    needs weekday (or free-day) adjustment, since Friday and Saturday drinking precede free days.
    Chronotype follows the MCTQ: SD = sleep end − onset, MS = onset + SD/2,
    SDweek = (5·SDw + 2·SDf)/7, MSFsc = MSF − (SDf − SDweek)/2 (as SDf > SDw),
    social jetlag = |MSF − MSW|; all in hours, mid-sleep from local midnight.
    """
    sd_work = params.work_wake_h - params.work_onset_h
    sd_free = params.free_wake_h - params.free_onset_h
    msw = params.work_onset_h + sd_work / 2
    msf = params.free_onset_h + sd_free / 2
    sd_week = (5 * sd_work + 2 * sd_free) / 7
    msf_sc = msf - (sd_free - sd_week) / 2 if sd_free > sd_work else msf
    mean_cup = float(np.mean(params.cup_mg))
    sleep_per_drink = -params.awake_min_per_drink / 60
    sleep_on_valence_total = params.valence_per_sleep_h + (
        params.valence_per_step * params.steps_per_sleep_h
    )
    effects = {
        "steps_on_valence_per_step": params.valence_per_step,
        "sleep_on_valence_per_hour": params.valence_per_sleep_h,
        "sleep_on_valence_per_hour_total": sleep_on_valence_total,
        "free_day_on_valence": params.valence_free,
        "exercise_on_valence_per_hour": params.valence_per_exercise_h,
        "alcohol_lag1_on_valence": params.valence_per_drink_lag1,
        "alcohol_lag1_on_valence_total": (
            params.valence_per_drink_lag1 + sleep_per_drink * sleep_on_valence_total
        ),
        "alcohol_on_next_sleep_hours": sleep_per_drink,
        "alcohol_lag1_on_hrv_ms": params.hrv_per_drink_lag1_ms,
        "alcohol_lag1_on_hrv_ms_total": (
            params.hrv_per_drink_lag1_ms + sleep_per_drink * params.hrv_per_sleep_h_ms
        ),
        "sleep_on_steps_per_hour": params.steps_per_sleep_h,
        "free_day_on_steps": params.steps_free,
        "short_sleep_on_caffeine_mg_per_hour": params.cups_per_lost_sleep_h * mean_cup,
        "caffeine_on_arousal_per_mg": params.arousal_per_caffeine_mg,
        "steps_on_arousal_per_step": params.arousal_per_step,
        "sleep_on_arousal_per_hour": params.arousal_per_sleep_h,
        "weekly_exercise_on_resting_hr_per_hour": params.resting_hr_per_weekly_exercise_h,
        "msw": msw,
        "msf": msf,
        "sd_work": sd_work,
        "sd_free": sd_free,
        "sd_week": sd_week,
        "msf_sc": msf_sc,
        "social_jetlag": abs(msf - msw),
    }
    for name, valence, arousal in zip(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        params.valence_weekday,
        params.arousal_weekday,
        strict=True,
    ):
        free = params.valence_free if name in ("sat", "sun") else 0.0
        effects[f"valence_offset_{name}"] = valence + free
        effects[f"arousal_offset_{name}"] = arousal
    return MappingProxyType(effects)


TRUE_EFFECTS: Mapping[str, float] = true_effects(DemoParams())
"""Effects of the default parameters: `valence_offset_*` is relative to a Wednesday with
the same sleep, steps, exercise and drinks; chronotype values are clock hours."""
