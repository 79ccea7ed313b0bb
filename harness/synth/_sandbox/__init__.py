"""Contain one untrusted subprocess: namespaces, a private filesystem, cgroups.

`contain(argv, cwd, env, limits)` returns a `Containment`: the command that
runs `argv` inside every layer this machine supports, and a `close()` that
removes what the launch set up. `detect()` probes the machine once per
process, and `layer_statuses()` describes the result for `iac-harness doctor`.

The layers, strongest mechanism first:

- filesystem, network, processes: bubblewrap (`bwrap`) when it is installed;
  otherwise `unshare` (util-linux) with a shell setup script that builds a
  tmpfs root holding only read-only binds of what the app needs (system
  directories, the Python installation, the Node toolchain) and read-write
  binds of its own run directory, then `pivot_root`s into it. As root this
  needs no user namespace; as another user it maps the user to root in a new
  user namespace.
- capabilities: `setpriv` drops every capability and sets no_new_privs.
- processes and memory: a child cgroup (v1 `pids`, `memory`) per launch,
  when the harness's own cgroup of that controller is the hierarchy's root.
- rlimits (via `prlimit`): data segment, file size, CPU time, open files, core.

`over_quota` and `remove_traps` are for the caller after or during a run: the
first adds up what the app wrote, the second deletes links and special files
it planted in its writable directories. docs/sandbox.md lists what each layer
stops and what stays open.
"""

from harness.synth._sandbox._contain import (
    Containment,
    apply_rlimits,
    contain,
    rlimit_options,
)
from harness.synth._sandbox._detect import Mechanisms, detect
from harness.synth._sandbox._disk import over_quota
from harness.synth._sandbox._mounts import default_writable
from harness.synth._sandbox._report import LayerStatus, layer_statuses
from harness.synth._sandbox._scrub import remove_traps

__all__ = [
    "Containment",
    "LayerStatus",
    "Mechanisms",
    "apply_rlimits",
    "contain",
    "default_writable",
    "detect",
    "layer_statuses",
    "over_quota",
    "remove_traps",
    "rlimit_options",
]
