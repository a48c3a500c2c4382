"""The QR images we render decode back, with a real decoder (zxing-cpp), to the same token."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services.access.qr import qr_png, qr_svg, qr_version
from devices.passcode import PassClaims, PassKind, encode

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")

TOKEN = encode(
    PassClaims(3, 987_654, PassKind.DAY, 12, 1_795_000_000, 1_795_086_400),
    Ed25519PrivateKey.generate(),
)


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_png_decodes_to_the_token() -> None:
    assert decode(qr_png(TOKEN)) == [TOKEN]
    assert qr_version(TOKEN) == 5


def test_svg_decodes_to_the_token() -> None:
    try:
        import cairosvg
    except OSError as exc:  # the Python package is there but the cairo library is not
        pytest.skip(f"cannot rasterise SVG here: {exc}")
    png = cairosvg.svg2png(
        bytestring=qr_svg(TOKEN).encode(), output_width=360, background_color="white"
    )
    assert decode(png) == [TOKEN]
