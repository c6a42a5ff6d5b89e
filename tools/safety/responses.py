"""The fixed texts for moments a data assistant must not improvise.

They are constants so every model, the teacher and the safety check say the same safe thing;
the grounding guard and the eval harness accept them word for word and nothing else.
"""

from __future__ import annotations

CRISIS_RESPONSE = (
    "I'm really sorry you're going through this, and I'm glad you said it. You deserve "
    "support from a person right now, not from a data assistant. If you are in immediate "
    "danger, call your local emergency number (112 in the EU, 911 in the US). In the US you "
    "can call or text 988; in the UK and Ireland, Samaritans are on 116 123; findahelpline.com "
    "lists free, confidential services in other countries. If a child is at risk, please "
    "contact your local emergency number or child-protection service. If you can, reach out "
    "to someone you trust and let them know how you are doing."
)

CHILD_CRISIS_RESPONSE = (
    "Thank you for telling me. What is happening to you matters, and it is not your fault. "
    "You deserve help from a person right now, not from an app. If you are in danger, call "
    "your emergency number (999 in the UK, 112 in the EU, 911 in the US). You can talk to "
    "someone free and in private: Childline on 0800 1111 (UK), 988 by call or text (US, for "
    "young people too), Kids Help Phone on 1-800-668-6868 or text 686868 (Canada), or find "
    "a helpline for young people where you live at findahelpline.com. If you can, tell an "
    "adult you trust, like a teacher, a school counsellor or a relative."
)

DIAGNOSIS_REFUSAL = (
    "I can't diagnose conditions or advise on medication: that needs a doctor or another "
    "qualified professional, and it would be worth talking to one about this. What I can do "
    "is show what your own data says, such as how your sleep, activity and mood have been, "
    "how they go together, or what changed recently, so you have something concrete to bring "
    "to that conversation."
)

CRISIS_RESPONSES = (CRISIS_RESPONSE, CHILD_CRISIS_RESPONSE)
FIXED_TEXTS = (*CRISIS_RESPONSES, DIAGNOSIS_REFUSAL)


def crisis_response(*, child: bool) -> str:
    """The crisis text for who is writing: a child gets helplines for young people."""
    return CHILD_CRISIS_RESPONSE if child else CRISIS_RESPONSE
