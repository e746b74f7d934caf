"""What every witness shares: the simulator's start-up document, checks that
name what went wrong, and a tally printed at the end.

A witness is a client nobody in this project wrote (a marketplace's own SDK
or a widely used one, installed from PyPI at a pinned version). It talks to
our simulator exactly as it would talk to the marketplace; the simulator
must accept what the SDK sends and reject, with the marketplace's real
error, what the marketplace rejects.
"""

import json
import os
import sys

SIM = json.loads(os.environ["KHO_WITNESS_SIM"])
"""The JSON `kho sim <channel> --json` printed at start."""

SECRET = os.environ.get("KHO_WITNESS_SECRET", "")
"""The signing secret the runner gave the simulator with --settings."""

_checks = []


def check(what, ok, detail=""):
    """Records one check; a failed one is printed with what was seen."""
    _checks.append((what, bool(ok)))
    mark = "ok  " if ok else "FAIL"
    print(f"  {mark} {what}" + ("" if ok else f": {detail}"), flush=True)


def done(channel, sdk):
    failed = [w for w, ok in _checks if not ok]
    print(f"{channel} ({sdk}): {len(_checks) - len(failed)} of {len(_checks)} checks passed", flush=True)
    sys.exit(1 if failed or not _checks else 0)
