"""Build the app's private root inside new namespaces, then exec the command.

Usage: python -I -S setup_root.py [--ready-fd FD] ROOT [CGROUP_PROCS...]
       --binds [BIND...] --run COMMAND...
Runs as root (or as root of a new user namespace) in a new mount namespace.
It joins the cgroups by writing its PID to each cgroup.procs file. Then it
mounts a tmpfs at ROOT, recreates each BIND at its host path inside it, and
mounts /proc and a /tmp tmpfs. Last it pivots into ROOT, detaches the old
root, and execs the command in the working directory it started in. A BIND is MODE:PATH with
MODE ro, rw, dev (a device node), cow (an overlay whose writes stay in this
sandbox) or link (link:PATH=TARGET). Any failure exits 125 with a message.
With --ready-fd it writes "ready" to FD and closes it just before the exec, so
the parent can tell a setup failure from an app that exits 125.

It calls mount(2) through ctypes rather than running mount(8) per bind,
which costs a process start each. Only the standard library is used.
"""

import ctypes
import os
import sys

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_RELATIME = 0x200000
MNT_DETACH = 0x2
# statvfs f_flag bit -> mount(2) flag, for the flags a bind remount keeps.
KEPT_FLAGS = {
    os.ST_RDONLY: MS_RDONLY,
    os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: MS_NOATIME,
    os.ST_NODIRATIME: MS_NODIRATIME,
    os.ST_RELATIME: MS_RELATIME,
}
PIVOT_ROOT_SYSCALLS = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217}
SETUP_FAILED = 125
# The /proc entries that container runtimes such as runc also make read-only
# or hide.
READ_ONLY_PROC = ("sys", "sysrq-trigger", "irq", "bus", "fs")
MASKED_PROC = (
    "kcore",
    "keys",
    "timer_list",
    "sched_debug",
    "latency_stats",
    "acpi",
    "scsi",
)
SIZES_MB = {"root": 16, "tmp": 64, "cow": 64}

libc = ctypes.CDLL(None, use_errno=True)


def check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def mount(source, target, fstype, flags, data=""):
    check(
        libc.mount(
            source.encode(), target.encode(), fstype.encode(), flags, data.encode()
        ),
        f"mount {source} on {target}",
    )


def tmpfs(target, size_mb, mode, flags=MS_NOSUID | MS_NODEV):
    mount("sandbox", target, "tmpfs", flags, f"size={size_mb}m,mode={mode}")


def bind(root, mode, path):
    target = root + path
    if mode == "link":
        path, _, link_target = path.partition("=")
        os.symlink(link_target, root + path)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    if mode == "cow":
        layer = root + "/.copy-on-write" + path
        os.makedirs(layer)
        tmpfs(layer, SIZES_MB["cow"], "0755", 0)
        os.mkdir(layer + "/upper")
        os.mkdir(layer + "/work")
        options = f"lowerdir={path},upperdir={layer}/upper,workdir={layer}/work"
        mount("sandbox-cow", target, "overlay", 0, options)
        return
    mount(path, target, "", MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | kept_flags(path)
    if mode == "ro":
        mount("", target, "", flags | MS_RDONLY)
    elif mode == "rw":
        mount("", target, "", flags)


def kept_flags(path):
    """Return the source mount's flags that a remount must keep.

    In a user namespace the kernel rejects a remount that clears a flag the
    original mount has, such as noexec.
    """
    present = os.statvfs(path).f_flag
    return sum(flag for known, flag in KEPT_FLAGS.items() if present & known)


def protect_proc(proc, null):
    """Make /proc's kernel settings read-only and hide files that leak host state.

    The app runs as uid 0 without capabilities, and the kernel checks only
    file modes for most /proc/sys settings. Without this, the app could write
    kernel.core_pattern, whose pipe helper the kernel runs as host root.
    """
    for name in READ_ONLY_PROC:
        path = f"{proc}/{name}"
        if not os.path.exists(path):
            continue
        mount(path, path, "", MS_BIND | MS_REC)
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
        mount("", path, "", flags)
    for name in MASKED_PROC:
        path = f"{proc}/{name}"
        if os.path.isdir(path):
            mount("sandbox-mask", path, "tmpfs", MS_RDONLY, "size=4k")
        elif os.path.exists(path):
            mount(null, path, "", MS_BIND)


def pivot(root):
    os.chdir(root)
    os.mkdir(".old-root")
    number = PIVOT_ROOT_SYSCALLS.get(os.uname().machine)
    if number is None:
        raise OSError(f"no pivot_root system call number for {os.uname().machine}")
    check(libc.syscall(number, b".", b".old-root"), "pivot_root")
    os.chdir("/")
    check(libc.umount2(b"/.old-root", MNT_DETACH), "umount /.old-root")
    os.rmdir("/.old-root")


def main(arguments):
    ready_fd = None
    if arguments[0] == "--ready-fd":
        ready_fd = int(arguments[1])
        del arguments[:2]
    root = arguments.pop(0)
    binds_at = arguments.index("--binds")
    run_at = arguments.index("--run")
    for procs in arguments[:binds_at]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    workdir = os.getcwd()
    mount("", "/", "", MS_REC | MS_PRIVATE)
    tmpfs(root, SIZES_MB["root"], "0755")
    for name in ("tmp", "proc", "dev"):
        os.mkdir(f"{root}/{name}")
    tmpfs(f"{root}/tmp", SIZES_MB["tmp"], "1777")
    for entry in arguments[binds_at + 1 : run_at]:
        mode, _, path = entry.partition(":")
        bind(root, mode, path)
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    protect_proc(f"{root}/proc", f"{root}/dev/null")
    pivot(root)
    os.chdir(workdir)
    command = arguments[run_at + 1 :]
    if ready_fd is not None:
        os.write(ready_fd, b"ready\n")
        os.close(ready_fd)
    os.execv(command[0], command)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError, IndexError) as error:
        sys.stderr.write(f"iac-harness sandbox setup failed: {error}\n")
        sys.exit(SETUP_FAILED)
