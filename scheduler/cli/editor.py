"""A person's own editor on a text: ``$VISUAL``, else ``$EDITOR``, else ``vi`` (the order git uses)."""

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from content_library.errors import EvertideError


def edit_text(text: str) -> str | None:
    """The text as the person left it in their editor, or None if they left it as it was."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="evertide-") as folder:
        path = Path(folder) / "post.txt"
        path.write_text(text, encoding="utf-8")
        try:
            finished = subprocess.run([*shlex.split(command), str(path)], check=False)
        except OSError as error:
            raise EvertideError(
                f"could not start the editor {command!r}: {error.strerror}",
                hint="Set $EDITOR to an editor you have, or use --text.",
            ) from None
        if finished.returncode != 0:
            raise EvertideError(
                f"the editor {command!r} exited with status {finished.returncode}; nothing was changed",
                hint="Use --text to give the words directly.",
            )
        edited = path.read_text(encoding="utf-8")
    return None if edited == text else edited
