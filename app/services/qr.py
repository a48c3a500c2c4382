"""QR images of pass tokens: SVG for pages, PNG for mail and printing.

Tokens are base45, so the code is built in alphanumeric mode at error correction M (version 5
for a 120-character token).
"""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage


def _code(token: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(qrcode.util.QRData(token, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def qr_svg(token: str) -> str:
    """An inline SVG (scalable; the page sets its size)."""
    image = _code(token).make_image(image_factory=SvgPathImage)
    return image.to_string(encoding="unicode")  # type: ignore[no-any-return]


def qr_png(token: str, box_size: int = 8) -> bytes:
    code = _code(token)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def qr_version(token: str) -> int:
    return int(_code(token).version)
