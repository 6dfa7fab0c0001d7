"""The worker process ``ducha serve`` starts next to gunicorn, and stops with it.

The child runs ``ducha worker`` in a session of its own (a Ctrl+C in the terminal reaches only the server,
which then stops the worker) and, on Linux, is sent SIGTERM by the kernel should the server itself be killed,
so no worker outlives its server. Stopping: SIGTERM lets the running job finish for ``GRACE_SECONDS``; a
second SIGTERM stops it (the job is marked 失败 "任务中断…"); a worker that still does not exit is killed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys
from collections.abc import Callable

GRACE_SECONDS = 10.0
FORCE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_worker_process() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "ducha.cli", "worker"], start_new_session=True,
                            preexec_fn=_die_with_parent)


def stop_worker_process(process: subprocess.Popen[bytes], say: Callable[[str], None]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=GRACE_SECONDS)
        return
    except subprocess.TimeoutExpired:
        say("后台任务仍在运行：正在中断它（该任务将标记为失败，可稍后重新运行）")
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=FORCE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
