"""Mood check-ins: the word picked from a noisy latent mood, its tags, notes and reflections.

A check-in sees the events of its day so far (steps, workouts, drinks, music), so its tags and
journal text match the other exports; `plant_injections` adds the prompt-injection texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from brain.affect import nearest_emotion
from brain.demo.clock import Window
from brain.demo.drivers import Drivers
from brain.demo.journal import INJECTIONS, NoteContext, write_note, write_reflection
from brain.demo.params import DemoParams
from brain.demo.records import CheckIn, Play, Span

_LAST_CHECKIN_MIN = 22 * 60 + 30


@dataclass(frozen=True, slots=True)
class CheckInContext:
    """Day i's drivers and the events that check-ins can see and mention."""

    window: Window
    drivers: Drivers
    i: int
    work: bool
    slots: tuple[Span, ...]
    workout: tuple[Span, ...]
    mindful: tuple[Span, ...]
    drinks: tuple[Span, ...]
    plays: tuple[Play, ...]


def day_checkins(rng: np.random.Generator, c: CheckInContext, p: DemoParams) -> list[CheckIn]:
    """0–3 check-ins between 08:00 and 22:30, each the nearest word to a noisy latent mood."""
    d, i, w = c.drivers, c.i, c.window
    count = int(rng.choice(len(p.checkins_p), p=np.asarray(p.checkins_p)))
    low = max(8 * 60, math.ceil(w.start / 60) + 10)
    high = min(_LAST_CHECKIN_MIN, w.end // 60 - 5)
    minutes = np.sort(rng.choice(np.arange(low, high + 1), size=count, replace=False))
    checkins = []
    for minute in minutes.tolist():
        at, hour = w.at(60 * minute), minute // 60
        valence = float(np.clip(d.valence[i] + rng.normal(0, p.checkin_sd), -1, 1))
        arousal = float(np.clip(d.arousal[i] + rng.normal(0, p.checkin_sd), -1, 1))
        emotion = nearest_emotion(valence, arousal)
        exercised = sum(1 for s in c.workout if s.end <= at)
        context = NoteContext(
            word=emotion.word,
            quadrant=emotion.quadrant,
            hour=hour,
            is_free_day=bool(d.free[i]),
            at_work=c.work and 9 * 60 <= minute < 17 * 60 + 30,
            exercise_minutes=exercised,
            steps=int(sum(s.value for s in c.slots if s.end <= at)),
            drinks_last_night=int(d.drinks_before[i]),
            drinks_today=sum(1 for s in c.drinks if s.start <= at),
            sleep_hours=float(d.sleep_h[i]),
            social=d.social[i] if hour >= 17 or (d.free[i] and hour >= 11) else "",
            meditated=any(s.end <= at for s in c.mindful),
            music=any(at - 3600 <= play.end <= at for play in c.plays),
            weather=d.weather[i],
            temperature_c=int(d.temperature[i]),
        )
        just_trained = any(at - 5400 <= s.end <= at for s in c.workout)
        note = write_note(rng, context) if rng.random() < p.note_prob else ""
        evening = hour >= 19 and rng.random() < p.reflection_prob_evening
        checkins.append(
            CheckIn(
                day=w.day,
                at=at,
                word=emotion.word,
                valence=emotion.valence,
                arousal=emotion.arousal,
                people=_people(rng, context),
                places=_places(context, c.work, minute, just_trained),
                events=_events(context, exercised),
                note=note,
                reflection=write_reflection(rng, context) if evening else "",
            )
        )
    return checkins


def _people(rng: np.random.Generator, ctx: NoteContext) -> tuple[str, ...]:
    """How We Feel "People" tags for the moment of a check-in."""
    if ctx.social:
        return ("Friends",) if ctx.social == "friends" else ("Family",)
    if ctx.at_work:
        return ("Coworkers",)
    return ("Alone",) if rng.random() < 0.5 else ()


def _places(ctx: NoteContext, work: bool, minute: int, just_trained: bool) -> tuple[str, ...]:
    """How We Feel "Places" tags: where Alex is at that minute."""
    places = []
    if ctx.at_work:
        places.append("Work")
    elif work and (7 * 60 + 30 <= minute < 9 * 60 or 17 * 60 + 30 <= minute < 18 * 60 + 30):
        places.append("Commute")
    elif ctx.social == "friends" and ctx.drinks_today:
        places.append("Bar")
    else:
        places.append("Home")
    if just_trained:
        places.append("Gym")
    return tuple(places)


def _events(ctx: NoteContext, exercised: int) -> tuple[str, ...]:
    """How We Feel "Events" tags: what has happened so far today."""
    tags = []
    if ctx.at_work:
        tags.append("Work")
    if exercised:
        tags.append("Exercise")
    if ctx.drinks_today >= 3:
        tags.append("Party")
    elif ctx.social:
        tags.append("Socializing")
    if ctx.meditated:
        tags.append("Meditation")
    if ctx.music:
        tags.append("Music")
    return tuple(tags)


def plant_injections(rng: np.random.Generator, checkins: list[CheckIn]) -> tuple[CheckIn, ...]:
    """Append each prompt-injection text to a different, randomly chosen note."""
    with_notes = [k for k, c in enumerate(checkins) if c.note]
    chosen = rng.choice(
        np.asarray(with_notes), size=min(len(INJECTIONS), len(with_notes)), replace=False
    )
    planted = list(checkins)
    for k, text in zip(sorted(chosen.tolist()), INJECTIONS, strict=False):
        planted[k] = replace(planted[k], note=f"{planted[k].note} {text}")
    return tuple(planted)
