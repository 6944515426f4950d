#!/usr/bin/env bash
# The sweep on two hosts as Open MPI sees them: a hostfile with two names of this machine
# (127.0.0.2 and 127.0.0.3, which Open MPI does not take for the local host), a launch agent
# (plm_rsh_agent) that starts the remote daemon here instead of over ssh, in a UTS namespace of
# its own whose host name is pf-127.0.0.2 / pf-127.0.0.3 (so the ranks' processor names differ, as
# on two nodes) and with a TMPDIR of its own (no shared session directory), and only TCP between
# the ranks (--mca btl self,tcp: no shared-memory path hides a bug). The tiny sweep on 4 ranks, 2
# per "host", equals a one-host run bit for bit outside /timing, and the store's hosts attribute
# names both hosts. The one-sided task counter needs an osc component that runs over TCP: osc/ucx
# (Open MPI's default) has no transport here and osc/rdma needs network atomics, so
# --mca osc pt2pt (see jobs/SLURM.md).
# Usage: test_two_hosts.sh PINNFLUENCE MPIEXEC CONFIG. Exit 77 (skipped) without unshare --uts
# (not root, or a container without CAP_SYS_ADMIN).
set -u
exe="$1"; mpiexec="$2"; cfg="$3"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 PF_LOG_LEVEL=warn
if ! unshare --uts /bin/true 2> /dev/null; then
  echo "test_two_hosts: skipped: unshare --uts is not allowed here"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat > agent.sh << AGENT
#!/bin/bash
# plm_rsh_agent: called as "agent.sh [ssh options] HOST COMMAND..."; runs COMMAND on this machine
while [ \$# -gt 0 ]; do case "\$1" in -*) shift ;; *) break ;; esac; done
host=\$1
shift
mkdir -p "$tmp/tmp-\$host"
export TMPDIR="$tmp/tmp-\$host"
exec unshare --uts /bin/sh -c 'hostname "\$0" && exec /bin/sh -c "\$*"' "pf-\$host" "\$@"
AGENT
chmod +x agent.sh
printf '127.0.0.2 slots=2\n127.0.0.3 slots=2\n' > hostfile
fail=0
"$mpiexec" -np 4 "$exe" run "$cfg" -o one.h5 || { echo "FAIL: one-host run"; exit 1; }
timeout 600 "$mpiexec" --hostfile hostfile -np 4 --mca plm_rsh_agent "$tmp/agent.sh" \
  --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo --mca osc pt2pt \
  "$exe" run "$cfg" -o two.h5 > two.log 2>&1 ||
  { echo "FAIL: the two-host run failed"; tail -20 two.log; exit 1; }
if ! h5diff -q --exclude-path /timing --exclude-attribute / one.h5 two.h5 > /dev/null 2>&1; then
  echo "FAIL: the two-host run differs from the one-host run:"
  h5diff --exclude-path /timing --exclude-attribute / one.h5 two.h5 | head -20
  fail=1
fi
hosts=$(h5dump -a /hosts two.h5 2> /dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p')
[ "$hosts" = "pf-127.0.0.2,pf-127.0.0.3" ] ||
  { echo "FAIL: the store's hosts attribute is '$hosts', want pf-127.0.0.2,pf-127.0.0.3"; fail=1; }
ranks=$(h5dump -a /ranks two.h5 2> /dev/null | sed -n 's/.*(0): \([0-9]*\).*/\1/p')
[ "$ranks" = 4 ] || { echo "FAIL: ranks attribute '$ranks', want 4"; fail=1; }
[ $fail = 0 ] && echo "test_two_hosts: ok (hosts $hosts)"
exit $fail
