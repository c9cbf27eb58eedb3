"""The font the front-desk PDFs are set in: one that has Chinese glyphs, embedded as a subset when a
TrueType file is there, else reportlab's built-in Adobe CID font (which a viewer substitutes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from guestgraph.errors import ConfigurationError

# Debian's packages of Chinese TrueType fonts, most legible first. Noto CJK (fonts-noto-cjk) ships
# PostScript outlines, which reportlab cannot embed: it is tried and skipped.
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
BUILT_IN = "STSong-Light"  # Adobe-GB1 CID font every PDF viewer knows; not embedded


@dataclass(frozen=True)
class DocumentFont:
    name: str  # as registered with reportlab
    path: Path | None  # None: the built-in CID font

    @property
    def embedded(self) -> bool:
        return self.path is not None


def document_font(configured: Path | None, candidates: tuple[Path, ...] = CANDIDATES) -> DocumentFont:
    """The configured font (an error if it cannot be used), else the first candidate that loads,
    else the built-in CID font. Registered once per process."""
    if configured is not None:
        try:
            return _truetype(configured)
        except (OSError, TTFError) as e:
            raise ConfigurationError(
                f"GUESTGRAPH_DOCUMENT_FONT {configured} cannot be used for PDF documents: {e}",
                hint="Point it at a TrueType .ttf/.ttc with Chinese glyphs (e.g. apt-get install "
                "fonts-wqy-microhei), or unset it to use the built-in STSong-Light.",
            ) from e
    for path in candidates:
        if path.is_file():
            try:
                return _truetype(path)
            except (OSError, TTFError):
                continue  # e.g. PostScript outlines: try the next one
    return _built_in()


@lru_cache(maxsize=8)
def _truetype(path: Path) -> DocumentFont:
    name = "gg-" + hashlib.sha256(str(path).encode()).hexdigest()[:10]
    pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return DocumentFont(name, path)


@lru_cache(maxsize=1)
def _built_in() -> DocumentFont:
    pdfmetrics.registerFont(UnicodeCIDFont(BUILT_IN))
    return DocumentFont(BUILT_IN, None)
