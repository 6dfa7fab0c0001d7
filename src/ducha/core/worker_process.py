"""The worker process ``ducha serve`` starts next to gunicorn, keeps running, and stops with it.

The child runs ``ducha worker`` in a session of its own (a Ctrl+C in the terminal reaches only the server,
which then stops the worker) and, on Linux, is sent SIGTERM by the kernel should the server itself be killed,
so no worker outlives its server. Stopping: SIGTERM lets the running job finish for ``GRACE_SECONDS``; a
second SIGTERM stops it (the job is marked 失败 "任务中断…"); a worker that still does not exit is killed.

``WorkerSupervisor`` restarts a worker that dies while the server runs (``kill -9``, out of memory, a crash),
unless it has already been restarted ``RESTART_LIMIT`` times within ``RESTART_WINDOW_SECONDS``: a worker
that keeps failing (say, on a database that is not migrated) is left stopped, with a message saying so.
The gunicorn master calls ``reap()`` and ``check()`` from its main loop (see ``ducha serve``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence

GRACE_SECONDS = 10.0
FORCE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1
RESTART_LIMIT = 5
RESTART_WINDOW_SECONDS = 60.0
WORKER_COMMAND = (sys.executable, "-m", "ducha.cli", "worker")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_worker_process(command: Sequence[str] = WORKER_COMMAND) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), start_new_session=True, preexec_fn=_die_with_parent)


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


def exit_text(returncode: int) -> str:
    """``退出码 1``, or for a signal ``退出码 -9，被信号 SIGKILL 终止``."""
    if returncode >= 0:
        return f"退出码 {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"编号 {-returncode}"
    return f"退出码 {returncode}，被信号 {name} 终止"


class WorkerSupervisor:
    """One worker process next to the server: started, restarted when it dies unexpectedly, stopped."""

    def __init__(self, say: Callable[[str], None], command: Sequence[str] = WORKER_COMMAND) -> None:
        self.say = say
        self.command = tuple(command)
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts: deque[float] = deque()
        self.gave_up = False
        self.stopped = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> int:
        self.process = start_worker_process(self.command)
        return self.process.pid

    def reap(self) -> None:
        """Collect the worker's exit status if it has died (before gunicorn's ``waitpid(-1)`` takes it)."""
        if self.process is not None:
            self.process.poll()

    def check(self) -> None:
        """Restart a worker that has exited, or give up after too many quick failures."""
        if self.process is None or self.gave_up or self.stopped or self.process.poll() is None:
            return
        code = exit_text(self.process.returncode)
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW_SECONDS:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            self.gave_up = True
            self.say(f"后台任务进程又一次意外退出（{code}）：{RESTART_WINDOW_SECONDS:g} 秒内已重新启动 "
                     f"{RESTART_LIMIT} 次仍然退出，不再重新启动。网页上发起的任务会一直排队；请查看上面的错误信息，"
                     "排除问题后重新启动 ducha serve（或另行运行 ducha worker）")
            return
        self.restarts.append(now)
        pid = self.start()
        self.say(f"后台任务进程意外退出（{code}），已重新启动（进程号 {pid}）")

    def stop(self) -> None:
        self.stopped = True  # a worker that exits from here on was stopped on purpose
        if self.process is not None:
            stop_worker_process(self.process, self.say)
