"""A soak, not a benchmark: Ctrl-C at many random moments of a real parallel batch (the test
tests/run/test_interrupts.py with INTERRUPT_TRIALS trials; the test suite runs six). Every interrupt
must end the batch within 20 s with no process left behind, and the next run must redo none of the
clips the interrupted one finished.

    SCIKIT_LEARN_DATA=../shared/data .venv/bin/python bench/interrupts.py [--trials 40]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    test = "tests/run/test_interrupts.py::test_interrupts_at_random_moments_never_hang_and_lose_nothing"
    env = {**os.environ, "INTERRUPT_TRIALS": str(args.trials)}
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", test], cwd=REPO, env=env)
    print(f"{args.trials} interrupts: {'all ended cleanly' if code == 0 else 'FAILED (see above)'}")
    sys.exit(code)


if __name__ == "__main__":
    main()
