"""The security policy of hiendien's answers: the pages' Content-Security-Policy and who may
frame them. Only the chat page may be framed, and only by the ward portal's origins
(``HIENDIEN_WIDGET_ORIGINS``, :meth:`bot.settings.Settings.frame_ancestors`); every other
answer — the office, the API, the webhooks, errors — says ``frame-ancestors 'none'``.

May import: the standard library only.
"""

from __future__ import annotations

NOT_FRAMED = "frame-ancestors 'none'"  # an answer that is not a page


def page_csp(frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy of a page: everything from this server only, framed by
    ``frame_ancestors`` (CSP sources) or by nobody."""
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self'; frame-ancestors {frame_ancestors}; object-src 'none'; "
        "base-uri 'none'; form-action 'self'"
    )
