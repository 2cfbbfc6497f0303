"""What ``config check`` asks of the machine rather than of the file: is each channel kind's optional extra
installed, and is every ``${VAR}`` set? An extra that is missing is an error (the channel could never
post); an unset variable is a warning (it may be set where the daemon runs, and until it is the daemon
holds the channel rather than retrying). Each finding names the file, line and key path.
"""

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path

from scheduler.config.model import Config
from scheduler.config.values import Variables

Finder = Callable[[str], ModuleSpec | None]


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    keys: tuple[str, ...]
    message: str
    is_error: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {'.'.join(self.keys)}: {self.message}"


def is_installed(module: str, find_spec: Finder = importlib.util.find_spec) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return find_spec(module) is not None
    except ImportError:  # an import hook that refuses the name
        return False


def check_environment(
    config: Config, *, find_spec: Finder = importlib.util.find_spec, environment: Mapping[str, str] | None = None
) -> list[Finding]:
    """Findings for the database URL's unset variables, then per channel, in file order: its missing extra,
    then its unset variables. ``environment``
    stands in for ``os.environ`` (the secrets file's values still count)."""
    variables = Variables(config.variables.file_values, environment)
    findings: list[Finding] = []

    def add(keys: tuple[str, ...], message: str, *, is_error: bool) -> None:
        findings.append(Finding(config.path, config.line(keys), keys, message, is_error))

    by_channel: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for keys, reference in config.references():
        if keys[0] == "database":
            if variables.get(reference.variable) is None:
                add(keys, f"${{{reference.variable}}} is not set; no command can open the database", is_error=False)
            continue
        by_channel.setdefault(keys[1], []).append((keys, reference.variable))
    for name, channel in config.channels.items():
        extra = channel.extra
        if extra is not None and not is_installed(extra.module, find_spec):
            add(
                ("channels", name, "kind"),
                f"{channel.kind} support is not installed (no module {extra.module}); install it with {extra.remedy}",
                is_error=True,
            )
        for keys, variable in by_channel.get(name, []):
            if variables.get(variable) is None:
                add(keys, f"${{{variable}}} is not set; the channel will be held until it is", is_error=False)
    return findings
