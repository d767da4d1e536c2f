"""An uploaded export spooled to a private temporary file for the duration of one import.

The body's size is bounded before it is read (:mod:`kefu.api.limits`); the file is copied
a megabyte at a time, never held whole in memory, and named like the original (its suffix
picks the reader). The directory goes as soon as the import ends, whatever its outcome:
buyers' phones and addresses must not linger in the temp folder (PIPL).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import UploadFile

from kefu.api.limits import MIB

SUFFIXES = (".csv", ".txt", ".xlsx")


@asynccontextmanager
async def spooled(upload: UploadFile) -> AsyncIterator[Path]:
    """The upload as a file in a private temporary directory, removed on exit."""
    name = Path(upload.filename or "upload.csv")
    suffix = name.suffix.lower() if name.suffix.lower() in SUFFIXES else ".csv"
    with tempfile.TemporaryDirectory(prefix="kefu-upload-") as tmp:
        path = Path(tmp) / f"{name.stem[:60] or 'upload'}{suffix}"
        with path.open("wb") as out:
            while chunk := await upload.read(MIB):
                out.write(chunk)
        yield path
