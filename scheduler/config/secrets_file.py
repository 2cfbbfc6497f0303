"""An optional secrets file, for hosts where exporting environment variables is awkward.

``secrets_file: secrets.env`` in config.yaml names a file of ``NAME=value`` lines (the format of systemd's
``EnvironmentFile``; blank lines and ``#`` comments are skipped). Its values answer the ``${NAME}``
references that the environment does not set: they stay inside the loaded config
(:class:`~scheduler.config.values.Variables`) and are never written into ``os.environ``, where every child
process would inherit them. The file must be readable by
its owner alone: a group- or world-readable one is refused, since anyone who can read it can post as you.
Values are never printed; errors name the file and line only.
"""

import stat
from pathlib import Path

from content_library.errors import EvertideError


class SecretsFileError(EvertideError):
    hint = "Make the file private with `chmod 600 FILE`, and write one NAME=value per line."


def load_secrets_file(path: Path) -> dict[str, str]:
    """The file's variables, by name (a name given twice keeps its last value)."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise SecretsFileError(f"secrets file {path}: cannot read it ({error.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsFileError(
            f"secrets file {path} is readable by others (mode {stat.filemode(mode)}); evertide refuses to use it",
            hint=f"Run `chmod 600 {path}`.",
        )
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, equals, value = text.removeprefix("export ").partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise SecretsFileError(f"secrets file {path}:{number}: expected NAME=value (the line is not shown)")
        values[name] = value.strip().strip("'\"")
    return values
