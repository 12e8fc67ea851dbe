"""Warm kernels: one process per build worker imports ipykernel, numpy, pandas, matplotlib and seaborn once, then
forks a kernel for each notebook the worker runs.

A fresh kernel spends about 1.2 s of CPU importing those libraries before the notebook's first line, and every
notebook imports them: a third of a cold build's CPU beyond the notebooks' own work. A forked kernel starts with
them imported and otherwise as `python -m ipykernel_launcher` would:

- nothing of rare_earths is imported before the fork (its modules read the build's environment at import), and
  the child drops this module's package from `sys.modules`, so the notebook imports it afresh;
- the child takes exactly the environment the kernel manager passes (with `JPY_PARENT_PID` naming this process,
  so the kernel ends when it does), and this process refuses a request whose environment differs from its own in
  a variable other than those the build and jupyter_client set per kernel (`PER_KERNEL`): the libraries imported
  here read the environment at import. A refused request gets a kernel started the ordinary way;
- `MPLBACKEND` is set as ipykernel sets it before matplotlib is imported, and the inline backend itself is not
  imported here (it hooks into the kernel's shell when it is);
- the imports run in an empty folder (matplotlib reads ./matplotlibrc at import) with the launcher's `sys.path`;
  the child changes to the notebook's folder, takes ipykernel_launcher's `sys.argv`, reads /dev/null as stdin,
  writes to the worker's stdout and stderr, and leads a new session (as jupyter_client starts kernels) before
  this process answers with its pid.

This process ends when its worker closes the socket (the worker's end, however it ends). Its kernels are not its
worker's children: the worker follows each through a pidfd (Linux), and signals it by pid. Where fork or pidfd is
missing, or RARE_EARTHS_WARM_KERNELS=0, kernels start as before. Run as `python -m rare_earths.build.zygote FD`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
from typing import Any

PRELOAD = ("ipykernel.kernelapp", "numpy", "pandas", "matplotlib.pyplot", "seaborn")
PER_KERNEL = (
    "JPY_PARENT_PID",
    "JPY_SESSION_NAME",
    "PYDEVD_DISABLE_FILE_VALIDATION",
    "RARE_EARTHS_OUTPUTS",
    "RARE_EARTHS_BUILD",
)
SWITCH = "RARE_EARTHS_WARM_KERNELS"  # "0" turns warm kernels off
INLINE = "module://matplotlib_inline.backend_inline"  # the backend ipykernel sets when MPLBACKEND is unset


def available() -> bool:
    """Whether kernels can be forked here: fork and pidfd (Linux 5.3+), and not turned off."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and os.environ.get(SWITCH, "1") != "0"


class Zygote:
    """The worker's end: starts the process and asks it for kernels."""

    def __init__(self, folder: str) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            cwd=folder,
        )
        theirs.close()
        self.socket, self.reader = ours, ours.makefile("rb")

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int | None:
        """A new kernel's pid, or None when refused or gone (the caller then starts a kernel the ordinary way)."""
        try:
            self.socket.sendall(json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode() + b"\n")
            reply = json.loads(self.reader.readline() or b"{}")
        except (OSError, ValueError):
            return None
        return reply.get("pid")

    def close(self) -> None:
        """Close this end: the zygote ends (its kernels run on until they are shut down)."""
        self.reader.close()
        self.socket.close()


class ForkedKernel:
    """A forked kernel as jupyter_client and the worker handle a Popen: poll, wait, signals (by its pidfd and pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already ended (and reaped)
            self.pidfd, self.returncode = None, -1

    def poll(self) -> int | None:
        """None while it runs; once it has ended, -1 (its exit status belongs to the zygote, its parent)."""
        if self.returncode is None and select.select([self.pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Block until it ends (subprocess.TimeoutExpired after `timeout` seconds)."""
        if self.returncode is None and not select.select([self.pidfd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        if self.returncode is None:
            self._ended()
        return self.returncode  # type: ignore[return-value]

    def _ended(self) -> None:
        self.returncode = -1
        os.close(self.pidfd)  # type: ignore[arg-type]

    def send_signal(self, signum: int) -> None:
        """Signal it, unless it has ended."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def refusal(env: dict[str, str], own: dict[str, str]) -> str:
    """Why a kernel with this environment cannot be forked from this process ('' if it can)."""
    differ = sorted(k for k in set(env) | set(own) if env.get(k) != own.get(k) and k not in PER_KERNEL)
    return f"environment differs in {', '.join(differ)}" if differ else ""


def main(fd: int) -> None:
    """Import the libraries, then fork a kernel per request on the socket until the worker closes it."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does, before its imports
    own = dict(os.environ)
    os.environ.setdefault("MPLBACKEND", INLINE)  # ipykernel's default, read when matplotlib is imported
    inherited = signal.getsignal(signal.SIGINT)  # what a kernel started by the worker would inherit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's; this process ends with its worker
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    conn = socket.socket(fileno=fd)
    reader = conn.makefile("rb")
    try:
        while line := reader.readline():
            _reap()
            request = json.loads(line)
            why = refusal(request["env"], own)
            if why:
                conn.sendall(json.dumps({"refused": why}).encode() + b"\n")
                continue
            ready, told = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(ready)
                reader.close()
                conn.close()
                signal.signal(signal.SIGINT, inherited)
                raise SystemExit(_kernel(request, told))
            os.close(told)
            os.read(ready, 1)  # its new session exists: its process group is its own before anyone signals it
            os.close(ready)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except OSError:  # the worker is gone mid-answer
        pass
    _reap()


def _reap() -> None:
    """Collect the exit status of kernels that have ended (their worker saw them end through their pidfd)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _kernel(request: dict[str, Any], told: int) -> int:
    """In the forked child: become `python -m ipykernel_launcher ARGS` in the request's folder and environment."""
    import importlib.util

    os.setsid()
    os.write(told, b"1")
    os.close(told)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"], JPY_PARENT_PID=str(os.getppid()))  # for what the kernel starts
    for name in [m for m in sys.modules if m == "rare_earths" or m.startswith("rare_earths.")]:
        del sys.modules[name]
    launcher = importlib.util.find_spec("ipykernel_launcher")
    parent = f"--IPKernelApp.parent_handle={os.getppid()}"  # its default read JPY_PARENT_PID when imported here
    sys.argv = [launcher.origin if launcher and launcher.origin else "ipykernel_launcher", *request["argv"], parent]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    return 0


if __name__ == "__main__":
    main(int(sys.argv[1]))
