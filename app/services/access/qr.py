"""QR images of pass tokens: SVG for pages, PNG for mail and printing.

Tokens are base45, so the code is built in alphanumeric mode at error correction M (version 5
for a 120-character token). The mask pattern is fixed rather than searched: the search scores
all eight masks in pure Python and triples the render time, while any mask decodes (the tests
decode every image with zxing-cpp). The SVG is one path of unit squares, written directly.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage

MASK_PATTERN = 2
QUIET_ZONE = 4  # modules of white border the standard asks for


def _code(token: str) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QUIET_ZONE,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(qrcode.util.QRData(token, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def qr_svg(token: str, title: str = "") -> str:
    """An inline, scalable SVG; the page sets its size."""
    modules = _code(token).modules
    size = len(modules) + 2 * QUIET_ZONE
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(modules)
        for x, dark in enumerate(row)
        if dark
    )
    label = f"<title>{title}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img">{label}'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def qr_png(token: str, box_size: int = 8) -> bytes:
    code = _code(token)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def qr_version(token: str) -> int:
    return int(_code(token).version)
