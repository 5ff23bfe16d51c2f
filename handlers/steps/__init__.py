"""The conversation's steps, one module per feature; the order of the flow is the table in
:mod:`handlers.steps.flow`.

- :mod:`~handlers.steps.moves` — moving between steps (``goto``, ``reask``, an FAQ answer);
- :mod:`~handlers.steps.start` — the greeting, the menu, "who are you?", languages, idle;
- :mod:`~handlers.steps.questions` — the "ask a question" mode;
- :mod:`~handlers.steps.person` — a person's birth date and citizenship;
- :mod:`~handlers.steps.business` — an enterprise's founding date, a household's certificate;
- :mod:`~handlers.steps.verdict` — the eligibility verdict and what follows it;
- :mod:`~handlers.steps.ideas` — domain-name ideas and checks, then the offer of help;
- :mod:`~handlers.steps.consent` — the one consent step, built for any purpose;
- :mod:`~handlers.steps.lead` — asking for help: name, phone, area, time to call;
- :mod:`~handlers.steps.news` — programme news and the 18th-birthday reminder;
- :mod:`~handlers.steps.mydata` — a person's own data: show it, delete it;
- :mod:`~handlers.steps.training` — training sessions: the list, signing up, cancelling;
- :mod:`~handlers.steps.flow` — ``STEPS`` and ``GLOBAL``, the tables the engine reads.

Steps are named by the strings stored in conversation state ("lead_name", "person_birth"):
those names never change, so stored conversations keep working. A step moves to another by
its name (the table is on the :class:`~handlers.turn.Turn`), so the feature modules import
from this package only :mod:`~handlers.steps.moves` (and :mod:`~handlers.steps.verdict`, and
the training button of :mod:`~handlers.steps.training` for the prompts after a verdict);
only :mod:`~handlers.steps.flow` imports them all, and only the engine imports the flow.
Eligibility comes only from :mod:`handlers.rules`; sentences only from content/. Modules
here import the standard library and ``handlers``; never ``bot`` or ``db``.
"""
