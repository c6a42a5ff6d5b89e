"""The person's metrics as people name them: nouns, things they do, how they feel.

Every phrase here is one the planner reads (lexicon.METRIC_WORDS); the tests check it, and
the generators draw from these names so a question may name a metric any way people do.
"""

from __future__ import annotations

NOUNS: dict[str, tuple[str, ...]] = {
    "sleep_hours": ("sleep", "sleep duration", "hours of sleep", "rest", "nightly sleep"),
    "sleep_start": ("bedtime",),
    "sleep_end": ("wake-up time", "wake-up times"),
    "time_in_bed_hours": ("time in bed",),
    "steps": ("steps", "step count", "daily steps", "walking", "step total"),
    "caffeine_mg": ("caffeine", "coffee intake", "coffee", "caffeine intake", "espresso"),
    "alcohol_drinks": ("alcohol", "drinking", "alcohol intake", "booze", "drinks", "beer", "wine"),
    "exercise_minutes": (
        *("exercise", "workouts", "gym time", "training", "exercise minutes", "workout time"),
        "gym sessions",
    ),
    "music_minutes": ("music listening", "spotify listening", "music", "spotify", "songs"),
    "late_night_music_minutes": ("late night music", "late-night music"),
    "skip_rate": ("skip rate",),
    "mindful_minutes": ("meditation", "mindfulness", "meditation minutes", "mindfulness time"),
    "resting_hr": ("resting heart rate", "resting hr", "rhr"),
    "hrv_sdnn_ms": ("hrv", "heart rate variability"),
    "heart_rate": ("heart rate", "pulse"),
    "hours_at_work": ("hours at work", "work hours", "time at work", "time at the office"),
    "hours_at_home": ("time at home", "hours at home"),
    "travel_km": ("travel", "travel distance"),
    "screen_time_min": ("screen time", "phone use", "phone time", "phone usage"),
    "readiness_score": ("readiness", "readiness score"),
    "valence": ("mood", "happiness", "emotions", "valence", "feelings"),
    "arousal": ("energy", "energy levels", "energy level", "arousal"),
}
MOODS = ("valence", "arousal")
# A metric as something people do, and a mood as how they feel: "does working out improve
# how I feel", "how much did I meditate last week". Nouns alone left the student reading
# "working out" as sleep and "how energetic have I been" as sleep hours. Every phrase is one
# the planner reads (lexicon.METRIC_WORDS), and each question is planned before it is kept.
DOINGS: dict[str, tuple[str, ...]] = {
    "exercise_minutes": ("working out", "exercising", "going to the gym", "training hard"),
    "mindful_minutes": ("meditating", "doing meditation", "practising mindfulness"),
    "alcohol_drinks": ("drinking", "drinking alcohol", "having a few beers", "drinking wine"),
    "steps": ("walking", "walking more", "going for a walk"),
    "sleep_hours": ("sleeping more", "sleeping longer", "getting more sleep", "sleeping in"),
    "caffeine_mg": ("having coffee", "coffee in the afternoon", "having an espresso"),
    "music_minutes": ("listening to music", "listening to spotify"),
    "screen_time_min": ("scrolling on my phone", "being on my phone", "screen time at night"),
    "hours_at_work": ("long hours at work", "working at the office", "overtime at work"),
}
FEELINGS: dict[str, tuple[str, ...]] = {
    "valence": ("how I feel", "how happy I am", "how I'm feeling", "how down I get"),
    "arousal": ("how tired I am", "how energetic I am", "how alert I am", "how wired I get"),
}
MAKES_ME: dict[str, tuple[str, ...]] = {
    "valence": ("happier", "sadder", "feel better", "feel worse", "feel down", "unhappy"),
    "arousal": ("more tired", "less tired", "more energetic", "more alert", "wired"),
}
# stats_lookup asked with a verb: "how many hours did I sleep", "how tired have I been"
DONE: dict[str, tuple[str, ...]] = {
    "sleep_hours": (
        *("how much did I sleep {p}", "how many hours did I sleep {p}"),
        *("how long did I sleep {p}", "how many hours have I been sleeping {p}"),
        "how well have I been sleeping {p}",
    ),
    "sleep_start": ("when did I go to bed {p}", "what time did I fall asleep {p}"),
    "sleep_end": ("what time did I wake up {p}", "when did I usually wake up {p}"),
    "steps": (
        *("how much did I walk {p}", "how many steps did I take {p}"),
        "how much have I been walking {p}",
    ),
    "exercise_minutes": (
        *("how much did I exercise {p}", "how often did I go to the gym {p}"),
        *("how much time did I spend working out {p}", "how much have I been working out {p}"),
    ),
    "mindful_minutes": (
        *("how much did I meditate {p}", "how often did I meditate {p}"),
        "how long have I been meditating {p}",
    ),
    "alcohol_drinks": (
        *("how much have I been drinking {p}", "how many drinks did I have {p}"),
        "how much alcohol did I have {p}",
    ),
    "caffeine_mg": ("how much coffee did I have {p}", "how much caffeine did I get {p}"),
    "music_minutes": (
        *("how much music did I listen to {p}", "how long did I spend listening to music {p}"),
    ),
    "screen_time_min": (
        "how much time did I spend on my phone {p}",
        "how long was I on my phone {p}",
    ),
    "hours_at_home": (
        *("how many hours a day was I at home {p}", "how much time did I spend at home {p}"),
    ),
    "hours_at_work": ("how many hours did I spend at work {p}", "how long was I at the office {p}"),
    "valence": (
        *("how have I been feeling {p}", "how happy was I {p}", "how did I feel {p}"),
        "how down have I been {p}",
    ),
    "arousal": ("how energetic was I {p}", "how tired have I been {p}", "how alert was I {p}"),
}
