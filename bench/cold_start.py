"""Cold start of everyday commands against what evertide's own libraries cost, measured in the same run.

Two floors:

- ``evertide --help`` against a minimal typer app with one command (target ratio <= 1.3): every command
  imports what it needs inside its own body, so the help screen costs little more than typer itself;
- ``queue list``, ``status`` (target <= 1.3) and ``plan --days 7`` (target <= 1.5) on the sample campaign
  against a bare Python process that imports typer, rich and sqlmodel and runs one query on the same SQLite
  file: what any command of this kind pays before doing anything of its own.

Bytecode is cached, as for a user: pip compiles an installed evertide's modules, and the libraries in site-packages
have theirs; a process that may not write bytecode (``PYTHONDONTWRITEBYTECODE``, set in some sandboxes) would
compile evertide's ~60 modules from source at every start and nothing of the floor's. ``--no-bytecode-cache``
measures that case. The commands take turns, one run of each per round, so a busy machine slows them alike rather
than whichever ran while it was busy. Prints median and best of N runs, then the ratios of the medians.

    python bench/cold_start.py [--runs 15]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


if __name__ == "__main__":
    app()
'''

LIBRARIES_AND_ONE_QUERY = """
import sys

import rich.console
import sqlmodel
import typer
from sqlalchemy import create_engine, text

engine = create_engine("sqlite:///" + sys.argv[1])
with engine.connect() as connection:
    print(connection.execute(text("select count(*) from queue_entry")).scalar())
"""


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
    return time.perf_counter() - start


def sample_campaign(directory: Path) -> None:
    """The README's first command, without the daemon: the sample config, its database, the sample feed,
    and a planned queue."""
    config = (ROOT / "config.yaml").read_text()
    sample = "scheduler/samples/sample-library.rss.xml"
    (directory / "config.yaml").write_text(config.replace(sample, str(ROOT / sample)))
    evertide = [sys.executable, "-m", "scheduler"]
    for step in (["db", "upgrade"], ["feeds", "poll"], ["queue", "fill"]):
        subprocess.run(evertide + step, check=True, capture_output=True, cwd=directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true", help="Compile every module at every start.")
    args = parser.parse_args()
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    if args.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for cache in [*ROOT.glob("content_library/**/__pycache__"), *ROOT.glob("scheduler/**/__pycache__")]:
            shutil.rmtree(cache)
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        sample_campaign(directory)
        (directory / "minimal_app.py").write_text(MINIMAL_APP)
        (directory / "floor.py").write_text(LIBRARIES_AND_ONE_QUERY)
        evertide = [sys.executable, "-m", "scheduler"]
        commands = {
            "evertide --help": [*evertide, "--help"],
            "minimal typer app --help": [sys.executable, "minimal_app.py", "--help"],
            "queue list": [*evertide, "queue", "list"],
            "status": [*evertide, "status"],
            "plan --days 7": [*evertide, "plan", "--days", "7"],
            "typer+rich+sqlmodel+1 query": [sys.executable, "floor.py", str(directory / "evertide.db")],
        }
        for command in commands.values():  # warm the file cache and the bytecode
            timed(command, directory, env)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, command in commands.items():
                times[label].append(timed(command, directory, env))
    medians = {label: statistics.median(runs) for label, runs in times.items()}
    for label, runs in times.items():
        print(f"{label:30s} median {medians[label] * 1000:7.1f} ms   best {min(runs) * 1000:7.1f} ms")
    floor = medians["typer+rich+sqlmodel+1 query"]
    print(
        f"--help / minimal typer app:  {medians['evertide --help'] / medians['minimal typer app --help']:.2f}"
        "  (target <= 1.3)"
    )
    for label, target in (("queue list", 1.3), ("status", 1.3), ("plan --days 7", 1.5)):
        print(f"{label + ' / floor:':28s} {medians[label] / floor:.2f}  (target <= {target})")


if __name__ == "__main__":
    main()
