"""The link to a training sign-up's check-in QR code, as a resident's chat shows it.

The image itself is served by the training package's route (:data:`QR_PATH`, the code in
it: the code is what the QR carries, and nothing else). A phone can only open an absolute
address, so the link is ``HIENDIEN_PUBLIC_URL`` + the path; without a public address only
the web page (which is served from this server) gets the path alone, and other channels
show the code in the text only.

May import: the standard library only.
"""

from __future__ import annotations

from urllib.parse import quote

QR_PATH = "/training/qr/{code}.png"
WEB = "web"  # the web chat: served from this server, a path is enough


def training_qr_link(public_url: str | None, code: str | None, channel: str) -> str | None:
    """The address of the QR image of ``code`` for a resident on ``channel``; None when
    there is no code, or no address the channel could open."""
    if not code:
        return None
    path = QR_PATH.format(code=quote(code, safe=""))
    if public_url:
        return public_url.rstrip("/") + path
    return path if channel == WEB else None
