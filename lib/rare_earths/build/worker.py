"""A build worker process: kernels of this interpreter over private sockets, SIGTERM handling, and death with its
driver (a worker never outlives the build that started it, nor promotes anything once that build is gone)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from typing import Any


def kernel_manager_class() -> type:
    """A kernel manager that launches this interpreter's ipykernel over private IPC sockets.

    No kernelspec lookup (a user-registered 'python3' cannot hijack the build) and no TCP ports
    (parallel kernels cannot race for the same port): each kernel's sockets live in its own
    temporary folder.
    """
    import tempfile
    import uuid

    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ProjectKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, *LAUNCHER, "-f", "{connection_file}"],
                display_name="Python (rare-earths)",
                language="python",
            )

        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:  # jupyter_client interrupts before every shutdown: only noise in the build log
                await super()._async_interrupt_kernel()

        @default("ip")
        def _default_ip(self) -> str:
            folder = tempfile.mkdtemp(prefix=kernel_folder_prefix(DRIVER[0] if DRIVER else None))
            KERNELS.append(self)
            return os.path.join(folder, "kernel")

        @default("connection_file")
        def _default_connection_file(self) -> str:
            return os.path.join(os.path.dirname(self.ip), "connection.json")  # not a tmp*.json of its own

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if self.provisioner is None and ZYGOTE:  # a warm kernel (build/zygote.py) where the worker has one
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = forking_provisioner()(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return ProjectKernelManager


KERNELS: list[Any] = []  # kernel managers started in this worker (see kill_kernels)
ZYGOTE: list[Any] = []  # this worker's zygote.Zygote, when kernels are forked warm (see start_zygote)
LAUNCHER = ["-m", "ipykernel_launcher"]  # the kernel command after the interpreter (kernel_spec.argv)


@functools.lru_cache(maxsize=1)
def forking_provisioner() -> type:
    """jupyter_client's local provisioner, launching the kernel as a fork of this worker's zygote when it can."""
    from jupyter_client.provisioning import LocalProvisioner

    from .zygote import ForkedKernel

    class ForkingProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            pid = None
            if ZYGOTE and cmd[:3] == [sys.executable, *LAUNCHER]:
                cwd = str(kwargs.get("cwd") or os.getcwd())
                pid = ZYGOTE[0].fork(cmd[3:], cwd, dict(kwargs.get("env") or os.environ))
            if pid is None:  # refused, or the zygote is gone: an ordinary kernel
                return await super().launch_kernel(cmd, **kwargs)
            self.process, self.pid, self.pgid = ForkedKernel(pid), pid, pid  # it leads its own session
            self.cwd = kwargs.get("cwd") or os.getcwd()
            return self.connection_info

    return ForkingProvisioner


def start_zygote(driver: int | None) -> None:
    """Start this worker's zygote (imports begin at once, beside the worker's own) where kernels can be forked."""
    import tempfile

    from . import zygote

    if zygote.available():
        folder = tempfile.mkdtemp(prefix=kernel_folder_prefix(driver) + "zygote-")  # removed with the kernels' folders
        ZYGOTE[:] = [zygote.Zygote(folder)]


def kill_kernels() -> None:
    """Kill this worker's kernels (each leads its own process group) and remove their socket folders: the way out of
    an interrupted run, when the event loop that would shut them down politely is gone."""
    import signal

    while KERNELS:
        manager = KERNELS.pop()
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
            process.wait(5)
        shutil.rmtree(os.path.dirname(manager.ip), ignore_errors=True)


def stop_on_sigterm() -> None:
    """In a build worker: Ctrl-C is the main process's to handle; SIGTERM (sent by it) interrupts the run, so the
    kernel is shut down and its temporary folder removed on the way out."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        if "stopping" in RUNNING:
            return  # already on its way out (the pool may signal again while shutting down)
        if PROMOTING:
            STOPPED.append(signum)  # promote() sees it between two files, puts everything back, and the worker ends
            return
        if RUNNING:
            RUNNING.append("stopping")
            kill_kernels()  # at once, before the client's shutdown messages can make the kernel print tracebacks
            raise KeyboardInterrupt
        os._exit(0)  # idle: nothing to clean up, and no traceback from the pool's queue

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, interrupt)


def start_worker(driver: int | None = None) -> None:
    """Initializer of a build worker process: fast imports, SIGTERM handling, and death with its driver."""
    from .plan import skip_slow_imports

    skip_slow_imports()
    stop_on_sigterm()
    if driver is not None:
        die_with(driver)
    start_zygote(driver)


def die_with(driver: int) -> None:
    """End this worker when the build's driver process ends, however it ends (kill -9 included).

    On Linux the kernel sends SIGTERM on the parent's death (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the
    parent's pid. SIGTERM stops a run (its kernel is killed, nothing promoted) and ends an idle worker at once.
    """
    import signal

    DRIVER[:] = [driver]
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        armed = False
    if not armed:
        import threading

        threading.Thread(target=_watch_driver, daemon=True, name="watch-driver").start()
    if not driver_alive():  # the driver died before the signal was armed
        os._exit(0)


PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _watch_driver() -> None:
    """Where prctl is missing: signal this worker once its parent is no longer the driver."""
    import signal

    while driver_alive():
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def driver_alive() -> bool:
    """Whether the build's driver still runs this worker (always, in a process that is not a build worker)."""
    return not DRIVER or os.getppid() == DRIVER[0]


RUNNING: list[str] = []  # the notebook this worker is running, if any (read by the SIGTERM handler)
PROMOTING: list[str] = []  # the notebook whose files this worker is promoting, if any
STOPPED: list[int] = []  # signals received while promoting
DRIVER: list[int] = []  # pid of the build's driver (set in build workers)


def kernel_folder_prefix(driver: int | None) -> str:
    """The name a kernel's socket folder starts with; in a build, it names the driver, which removes what a worker
    killed outright left behind (a folder level more would make the socket path too long for AF_UNIX)."""
    return f"rare-earths-{driver}-" if driver else "rare-earths-kernel-"


def remove_kernel_folders(driver: int) -> None:
    """Remove the socket folders of this build's kernels still in the temporary folder (their worker was killed)."""
    import glob
    import tempfile

    for folder in glob.glob(os.path.join(tempfile.gettempdir(), kernel_folder_prefix(driver) + "*")):
        shutil.rmtree(folder, ignore_errors=True)
