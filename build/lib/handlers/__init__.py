"""The conversation, pure and channel-agnostic.

Everything here is a function of data: the engine, its steps, the eligibility
rules, the understanding of typed Vietnamese and the domain-name ideas. Nothing
in this package imports from ``bot`` or ``db`` or knows a chat platform: its modules
import only the standard library, their libraries (pydantic, jinja2, pyyaml, rapidfuzz,
phonenumbers) and each other, and each module's docstring names which.
"""
