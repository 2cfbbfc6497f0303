"""Cold start of `evertide --help` against a minimal typer app with one command, in the same run.

Every evertide command imports SQLAlchemy, feedparser, tweepy and the rest inside its own body, so the help
screen should cost little more than typer itself. Target: ratio <= 1.3. Prints median and best of N runs.

    python bench/cold_start.py [--runs 15]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def timed(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        minimal = Path(directory) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        commands = {
            "evertide --help": [sys.executable, "-m", "scheduler", "--help"],
            "minimal typer app --help": [sys.executable, str(minimal), "--help"],
        }
        for command in commands.values():  # warm the file cache and the bytecode
            timed(command, 2)
        results = {name: timed(command, args.runs) for name, command in commands.items()}
    for name, times in results.items():
        print(f"{name:28s} median {statistics.median(times) * 1000:7.1f} ms   best {min(times) * 1000:7.1f} ms")
    ours, baseline = (statistics.median(t) for t in results.values())
    print(f"ratio (median): {ours / baseline:.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
