#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2015 # functions called from traps; [ a ] && [ b ] || fail
# The job scripts of jobs/ under a real SLURM: starts MUNGE, slurmctld and slurmd from Debian's
# packages on this machine (a one-node cluster, everything in a temporary directory, private
# ports), then
#   a. a tiny sweep with sbatch jobs/sweep.sbatch: complete, provenance recorded;
#   b. a sweep stopped mid-task by `scancel --batch --signal=USR2` (a clean stop, no requeue; the
#      fault hook PF_FAULT_SIGNAL=...:wait holds a task until the signal arrives): exit code 4 in the job and its log, the file resumable (tasks pending);
#      resubmitted: it resumes and equals an uninterrupted run (h5diff outside /timing);
#   c. the same with `scancel --batch --signal=USR1` (what --signal=B:USR1@LEAD sends before the
#      time limit) and srun as the launcher: the job requeues itself, resumes and equals the
#      uninterrupted run;
#   d. jobs/sweep_array.sbatch over the seeds (2 elements) and jobs/merge_reports.sh: the pooled
#      CSV equals the report of the unsharded sweep.
#   e. a plain `scancel` (SIGTERM to every process of the job) mid-task: no task left running, the
#      task marked interrupted in the file; resubmitted, it equals the uninterrupted run.
# The uninterrupted reference is a local run (jobs/run_local.sh, no SLURM). Every daemon started
# here is stopped by pid on exit, also on failure; a failure prints the daemon logs.
# Usage: test_slurm.sh PINNFLUENCE SOURCE_DIR
# Exit code: 0 ok, 1 failure, 77 skipped (SLURM or MUNGE not installed, or not root).
set -u
if [ $# -lt 2 ]; then
  echo "usage: test_slurm.sh PINNFLUENCE SOURCE_DIR" >&2
  exit 1
fi
exe=$1
src=$2
limit=${PF_SLURM_TEST_LIMIT:-840} # a hang guard in seconds, below the ctest TIMEOUT
deadline=$((SECONDS + limit))
me=test_slurm

for c in munged mungekey munge slurmctld slurmd sbatch scontrol scancel sinfo squeue srun; do
  if ! command -v "$c" > /dev/null; then
    echo "$me: skipped: '$c' not found (Debian: apt-get install slurm-wlm munge)"
    exit 77
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "$me: skipped: slurmd must run as root to start jobs"
  exit 77
fi
for c in mpirun h5diff setsid; do
  command -v "$c" > /dev/null || { echo "$me: FAIL: '$c' not found"; exit 1; }
done
[ -x "$exe" ] || { echo "$me: FAIL: no pinnfluence binary at '$exe'"; exit 1; }
jobs=$src/jobs
[ -f "$jobs/sweep.sbatch" ] || { echo "$me: FAIL: no $jobs/sweep.sbatch"; exit 1; }

tmp=$(mktemp -d /tmp/pf-slurm.XXXXXX) || exit 1
work=$tmp/work
mkdir -p "$work" "$tmp/state" "$tmp/spool" "$tmp/munge"
daemon_pids=() # munged slurmctld slurmd, in start order
ref_pid=
watchdog=
dumped=0

log() { echo "$me: $*"; }

dump_logs() {
  [ $dumped = 0 ] || return 0
  dumped=1
  local f
  echo "==================== diagnostics ($tmp)"
  if [ -n "${SLURM_CONF:-}" ] && [ ${#daemon_pids[@]} -ge 2 ]; then
    echo "---- sinfo / squeue"
    timeout 10 sinfo 2>&1
    timeout 10 squeue 2>&1
  fi
  for f in "$tmp"/munged.log "$tmp"/munged.out "$tmp"/slurmctld.log "$tmp"/slurmctld.out \
    "$tmp"/slurmd.log "$tmp"/slurmd.out "$work"/*.out "$work"/*.log; do
    [ -s "$f" ] || continue
    echo "---- $f (last 40 lines)"
    tail -n 40 "$f"
  done
  echo "===================="
}

fail() {
  echo "$me: FAIL: $*"
  dump_logs
  exit 1
}

# stop a process started here, by pid: TERM, then KILL after a grace period
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2> /dev/null || return 0
  kill -TERM "$pid" 2> /dev/null
  for i in $(seq 1 50); do
    kill -0 "$pid" 2> /dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2> /dev/null
}

# processes named $1, and the children of pid $1, from /proc (procps may be missing)
procs_named() {
  local f name
  for f in /proc/[0-9]*/comm; do
    read -r name < "$f" 2> /dev/null || continue
    [ "$name" = "$1" ] && { f=${f%/comm}; echo "${f#/proc/}"; }
  done
}
children_of() {
  local f st ppid
  for f in /proc/[0-9]*/stat; do
    read -r st < "$f" 2> /dev/null || continue
    read -r _ ppid _ <<< "${st##*) }" # the fields after "pid (comm) ": state ppid ...
    [ "$ppid" = "$1" ] && { f=${f%/stat}; echo "${f#/proc/}"; }
  done
}

# KILL the job step daemons of this cluster that are still there (they carry our SLURM_CONF in
# their environment) and every process under them
kill_steps() {
  local p k kids all=() queue=()
  for p in $(procs_named slurmstepd); do
    grep -qzxF "SLURM_CONF=$tmp/slurm.conf" "/proc/$p/environ" 2> /dev/null || continue
    all+=("$p")
    queue=("$p")
    while [ ${#queue[@]} -gt 0 ]; do
      kids=$(children_of "${queue[0]}")
      queue=("${queue[@]:1}")
      for k in $kids; do
        all+=("$k")
        queue+=("$k")
      done
    done
  done
  [ ${#all[@]} -eq 0 ] || kill -KILL "${all[@]}" 2> /dev/null
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  # the local reference run, if still running: TERM makes it stop at a safe point
  [ -n "$ref_pid" ] && stop_pid "$ref_pid"
  if [ ${#daemon_pids[@]} -ge 2 ] && kill -0 "${daemon_pids[1]}" 2> /dev/null; then
    # end the jobs first, so that no job step outlives its slurmd
    timeout 10 scancel --user=root > /dev/null 2>&1
    for i in $(seq 1 40); do
      [ -z "$(timeout 5 squeue -h 2> /dev/null)" ] && break
      sleep 0.25
    done
  fi
  for ((i = ${#daemon_pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${daemon_pids[$i]}"
    wait "${daemon_pids[$i]}" 2> /dev/null
  done
  kill_steps
  [ -n "$watchdog" ] && kill -KILL "$watchdog" 2> /dev/null
  if [ -n "${PF_KEEP_TMP:-}" ]; then
    echo "$me: kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "$me: interrupted"; exit 1' INT TERM

check_time() {
  [ $SECONDS -lt $deadline ] || fail "timed out after ${limit}s while $1"
}

# ---------------------------------------------------------------- daemons
port_free() { # no socket of this machine uses port $1 (as local or remote port: conservative)
  ! grep -q ":$(printf %04X "$1") " /proc/net/tcp /proc/net/tcp6 2> /dev/null
}
port=
for _ in $(seq 1 100); do
  p=$((20000 + RANDOM % 30000))
  if port_free $p && port_free $((p + 1)); then
    port=$p
    break
  fi
done
[ -n "$port" ] || fail "no free TCP port pair found"

mungekey --create --keyfile="$tmp/munge/munge.key" > "$tmp/mungekey.out" 2>&1 ||
  fail "mungekey: $(cat "$tmp/mungekey.out")"
sock=$tmp/munge/munge.socket
munged --foreground --force --socket="$sock" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
  --log-file="$tmp/munged.log" > "$tmp/munged.out" 2>&1 &
daemon_pids+=($!)
echo "${daemon_pids[*]}" > "$tmp/daemons"

# a watchdog: if this script is killed (e.g. SIGKILL at a ctest timeout), stop the daemons
(
  trap '' INT TERM
  while kill -0 $$ 2> /dev/null; do sleep 1; done
  [ -s "$tmp/ref.pid" ] && kill -TERM "$(cat "$tmp/ref.pid")"
  kill_steps
  read -r -a pids < "$tmp/daemons"
  for p in "${pids[@]}"; do kill -KILL "$p" 2> /dev/null; done
  rm -rf "$tmp"
) > /dev/null 2>&1 < /dev/null &
watchdog=$!

for i in $(seq 1 50); do
  munge -S "$sock" -n 2> /dev/null | unmunge -S "$sock" > /dev/null 2>&1 && break
  kill -0 "${daemon_pids[0]}" 2> /dev/null || fail "munged exited"
  [ "$i" = 50 ] && fail "munged does not answer on $sock"
  sleep 0.2
done
log "munged up (pid ${daemon_pids[0]})"

cat > "$tmp/slurm.conf" << EOF
# a one-node cluster for test_slurm.sh
ClusterName=pftest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$sock,cred_expire=10
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=10
MinJobAge=600
MailProg=/bin/true
TmpFS=$tmp
# trust the node line below even on a machine with fewer cores
SlurmdParameters=config_overrides
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" > "$tmp/slurmctld.out" 2>&1 &
daemon_pids+=($!)
echo "${daemon_pids[*]}" > "$tmp/daemons"
slurmd -D -N localhost -f "$SLURM_CONF" > "$tmp/slurmd.out" 2>&1 &
daemon_pids+=($!)
echo "${daemon_pids[*]}" > "$tmp/daemons"

# the uninterrupted reference runs locally meanwhile (jobs/run_local.sh: no SLURM)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export PF_EXE=$exe
unset PF_LAUNCHER PF_LAUNCHER_ARGS PF_NP PF_REQUEUE PF_MAX_RESTARTS PF_JOBS_DIR PF_SRC
cfg=$src/tests/sweep/tiny.cfg
if [ ! -f "$cfg" ]; then
  cfg=$work/tiny.cfg
  cat > "$cfg" << 'EOF'
# a tiny sweep: 2 problems x 4 methods x 2 seeds, small networks, few iterations
pde = ["burgers", "diffusion"];
seed = [1, 2];
network = { hidden = [12, 12]; };
points = { initial = 60; };
holdout = { points = 400; };
train = { cycles = 3; adam_iters = 60; lbfgs_iters = 30; lbfgs_step = 10; };
sample = { method = ["static", "rar", "loss_grad", "pinnfluence"]; mode = "add"; pool = 600; per_cycle = 5; };
influence = { test_points = 200; arnoldi_iters = 30; };
EOF
fi
"$jobs/run_local.sh" -n 2 "$cfg" "$work/ref.h5" > "$work/ref.log" 2>&1 < /dev/null &
ref_pid=$!
echo "$ref_pid" > "$tmp/ref.pid"

for i in $(seq 1 150); do
  state=$(timeout 5 sinfo -h -N -n localhost -o %t 2> /dev/null)
  [ "$state" = idle ] && break
  kill -0 "${daemon_pids[1]}" 2> /dev/null || fail "slurmctld exited"
  kill -0 "${daemon_pids[2]}" 2> /dev/null || fail "slurmd exited"
  [ "$i" = 150 ] && fail "node localhost not idle after 30 s (state '$state')"
  sleep 0.2
done
log "slurmctld and slurmd up (ports $port, $((port + 1))); node localhost idle ($SECONDS s)"

# ---------------------------------------------------------------- helpers
field() { # field JOB KEY: one field of `scontrol show job`
  timeout 10 scontrol show job -o "$1" 2> /dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}
counts() { # counts FILE: "done running failed pending interrupted total"
  "$exe" status "$1" 2> /dev/null | awk '$1 == "all" { print $2, $3, $4, $5, $6, $7 }'
}
submit() { # submit NAME SCRIPT [sbatch options] -- ARGS: the job id
  local name=$1 script=$2 id
  shift 2
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  id=$(sbatch --parsable -D "$work" -p debug -N 1 -n 2 -t 30 -J "$name" -o "$work/$name.out" \
    "${opts[@]}" "$script" "$@" 2> "$work/$name.sbatch.err") ||
    fail "sbatch $name: $(cat "$work/$name.sbatch.err")"
  echo "${id%%;*}"
}
wait_end() { # wait_end JOB WHAT: until the job reached a final state
  local s
  while :; do
    s=$(field "$1" JobState)
    case "$s" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) return 0 ;;
    esac
    check_time "waiting for job $1 ($2, state '$s')"
    sleep 0.3
  done
}
expect_job() { # expect_job JOB STATE EXITCODE WHAT
  local s e
  s=$(field "$1" JobState)
  e=$(field "$1" ExitCode)
  [ "$s" = "$2" ] && [ "$e" = "$3" ] || fail "$4: job $1 ended $s with exit code $e, want $2 $3"
}
expect_complete() { # expect_complete FILE TOTAL WHAT (TOTAL "" for any): every task done
  local c t
  c=$(counts "$1")
  t=${c##* }
  [ -n "$c" ] && [ "$t" -gt 0 ] && [ "$c" = "$t 0 0 0 0 $t" ] && [ "${2:-$t}" = "$t" ] || {
    "$exe" status "$1"
    fail "$3: $1 not complete (done running failed pending interrupted total: '$c', want $2 tasks)"
  }
}
same() { # same A B WHAT: identical outside /timing and the root attributes
  if ! h5diff -q --exclude-path /timing --exclude-attribute / "$1" "$2" > "$work/h5diff.txt" 2>&1; then
    h5diff --exclude-path /timing --exclude-attribute / "$1" "$2" 2>&1 | head -n 20
    fail "$3: $1 and $2 differ"
  fi
}
# The jobs b. and c. stop mid-task on a machine of any speed: the fault hook holds task 3 at cycle
# 2, iteration 10 (PF_FAULT_SIGNAL=...:wait) after creating a mark file, until the stop request
# arrives; the mark also keeps the hook from firing again in the resubmitted or requeued job.
fault_env() { # fault_env MARK: the sbatch --export value
  echo "ALL,PF_FAULT_SIGNAL=3:2:10:wait,PF_FAULT_MARK=$1"
}
interrupt() { # interrupt JOB FILE MARK SIGNAL: once task 3 waits at its fault point, signal the batch shell
  # (SIGNAL TERM: a plain `scancel JOB`, which sends SIGTERM to every process of the job)
  local c
  while [ ! -e "$3" ]; do # an event that comes: the job starts and reaches the point
    case "$(field "$1" JobState)" in
      RUNNING | PENDING | CONFIGURING) ;;
      *) fail "job $1 ended before it reached the fault point" ;;
    esac
    check_time "waiting for job $1 to reach its fault point"
    sleep 0.2
  done
  c=$(counts "$2")
  if [ "$4" = TERM ]; then
    timeout 10 scancel "$1" || fail "scancel $1"
  else
    timeout 10 scancel --batch --signal="$4" "$1" || fail "scancel --batch --signal=$4 $1"
  fi
  log "job $1: SIG$4 while task 3 runs, with $c (done running failed pending interrupted total)"
}

# ---------------------------------------------------------------- a. tiny sweep
# seeds 1 and 2 exactly: d. shards this sweep by seed
ja=$(submit tiny "$jobs/sweep.sbatch" -- "$cfg" "$work/tiny.h5" --set "seed=[1,2]")
wait "$ref_pid"
ref_rc=$?
ref_pid=
[ $ref_rc = 0 ] || { cat "$work/ref.log"; fail "the local reference run (jobs/run_local.sh) exited $ref_rc"; }
expect_complete "$work/ref.h5" "" "local reference"
ntask=$(counts "$work/ref.h5")
ntask=${ntask##* }
wait_end "$ja" "tiny sweep"
expect_job "$ja" COMPLETED 0:0 "tiny sweep"
expect_complete "$work/tiny.h5" "" "tiny sweep"
grep -q "pinnfluence exited with code 0" "$work/tiny.out" || fail "tiny sweep: no exit code 0 in its log"
prov=$work/tiny.h5.provenance/001-$ja
for f in config.cfg git.txt environment.txt command.txt exit_code; do
  [ -s "$prov/$f" ] || fail "tiny sweep: no provenance file $prov/$f"
done
cmp -s "$cfg" "$prov/config.cfg" || fail "tiny sweep: the provenance config differs from $cfg"
grep -qx "SLURM_JOB_ID=$ja" "$prov/environment.txt" || fail "tiny sweep: SLURM variables not recorded"
grep -qx "OPENBLAS_NUM_THREADS=1" "$prov/environment.txt" || fail "tiny sweep: OPENBLAS_NUM_THREADS not recorded"
grep -q "^hostname: " "$prov/environment.txt" || fail "tiny sweep: hostname not recorded"
if git -C "$src" rev-parse HEAD > /dev/null 2>&1; then
  grep -qx "commit: $(git -C "$src" rev-parse HEAD)" "$prov/git.txt" || fail "tiny sweep: git commit not recorded"
fi
log "a. tiny sweep: job $ja complete, provenance recorded ($SECONDS s)"

# ---------------------------------------------------------------- b. USR2: stop, resubmit
jb=$(submit stop "$jobs/sweep.sbatch" --export="$(fault_env "$work/stop.fault")" -- "$cfg" "$work/stop.h5")
interrupt "$jb" "$work/stop.h5" "$work/stop.fault" USR2
wait_end "$jb" "stopped sweep"
expect_job "$jb" FAILED 4:0 "stopped sweep"
grep -q "pinnfluence exited with code 4" "$work/stop.out" || fail "stopped sweep: exit code 4 not in its log"
grep -q "not requeueing\|requeueing" "$work/stop.out" && fail "stopped sweep: USR2 must not requeue"
[ "$(field "$jb" Restarts)" = 0 ] || fail "stopped sweep: job $jb was requeued"
c=$(counts "$work/stop.h5")
read -r c_done c_running c_failed c_pending c_interrupted c_total <<< "$c"
[ "$c_interrupted" -gt 0 ] && [ "$c_running" = 0 ] && [ "$c_failed" = 0 ] ||
  fail "stopped sweep: want interrupted tasks and none running, got '$c' (done running failed pending interrupted total)"
log "b. job $jb stopped by USR2: exit code 4, $c_done of $c_total done, $c_pending pending"
jb2=$(submit resume "$jobs/sweep.sbatch" -- "$cfg" "$work/stop.h5")
wait_end "$jb2" "resubmitted sweep"
expect_job "$jb2" COMPLETED 0:0 "resubmitted sweep"
grep -q -- "--resume" "$work/resume.out" || fail "resubmitted sweep: not run with --resume"
expect_complete "$work/stop.h5" "$ntask" "resubmitted sweep"
same "$work/ref.h5" "$work/stop.h5" "stopped and resubmitted sweep"
log "b. job $jb2 resumed it: equal to the uninterrupted run ($SECONDS s)"

# ---------------------------------------------------------------- c. USR1: stop, requeue (srun)
jc=$(submit requeue "$jobs/sweep.sbatch" \
  --export="$(fault_env "$work/requeue.fault"),PF_LAUNCHER=srun,PF_LAUNCHER_ARGS=--mpi=pmix" -- \
  "$cfg" "$work/requeue.h5")
interrupt "$jc" "$work/requeue.h5" "$work/requeue.fault" USR1
while [ "$(field "$jc" Restarts)" != 1 ]; do
  case "$(field "$jc" JobState)" in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL) fail "requeue: job $jc ended without requeueing itself" ;;
  esac
  check_time "waiting for job $jc to requeue itself"
  sleep 0.3
done
log "c. job $jc requeued itself after USR1; waiting for the restart"
wait_end "$jc" "requeued sweep"
expect_job "$jc" COMPLETED 0:0 "requeued sweep"
[ "$(field "$jc" Restarts)" = 1 ] || fail "requeued sweep: Restarts=$(field "$jc" Restarts), want 1"
grep -q "pinnfluence exited with code 4" "$work/requeue.out" || fail "requeued sweep: no exit code 4 in its log"
grep -q "requeueing job $jc" "$work/requeue.out" || fail "requeued sweep: no requeue in its log"
grep -q "pinnfluence exited with code 0" "$work/requeue.out" || fail "requeued sweep: no exit code 0 in its log"
[ "$(awk -F'\t' 'NR > 1 { printf "%s,%s;", $7, $11 }' "$work/requeue.h5.provenance/attempts.tsv")" = "4,USR1;0,-;" ] ||
  fail "requeued sweep: attempts.tsv: $(cat "$work/requeue.h5.provenance/attempts.tsv")"
expect_complete "$work/requeue.h5" "$ntask" "requeued sweep"
same "$work/ref.h5" "$work/requeue.h5" "requeued sweep"
log "c. job $jc resumed after its requeue: equal to the uninterrupted run ($SECONDS s)"

# ---------------------------------------------------------------- d. job array, merged report
jd=$(submit shard "$jobs/sweep_array.sbatch" --array=0-1 -n 1 -o "$work/shard_%a.out" -- \
  "$cfg" "$work/shard" seed 1 2)
for a in 0 1; do
  wait_end "${jd}_$a" "array element $a"
  expect_job "${jd}_$a" COMPLETED 0:0 "array element $a"
  expect_complete "$work/shard.seed-$((a + 1)).h5" "" "array element $a"
done
"$jobs/merge_reports.sh" "$work"/shard.seed-1.h5 "$work"/shard.seed-2.h5 > "$work/merged.csv" ||
  fail "merge_reports.sh failed"
"$exe" report "$work/tiny.h5" --format csv > "$work/tiny.csv" || fail "report of tiny.h5"
rows=$(($(wc -l < "$work/tiny.csv") - 1))
[ "$(wc -l < "$work/merged.csv")" = $((2 * rows + 1)) ] || { cat "$work/merged.csv"; fail "merged CSV: want $((2 * rows)) rows"; }
head -n 1 "$work/merged.csv" | grep -q "^file,pde,method,mode,seeds," || fail "merged CSV header: $(head -n 1 "$work/merged.csv")"
"$jobs/merge_reports.sh" --pool "$work"/shard.seed-*.h5 > "$work/pooled.csv" || fail "merge_reports.sh --pool failed"
# the pooled statistics equal the unsharded report up to the CSV's 7 significant digits
if ! awk -F, 'NR == FNR { a[FNR] = $0; n = FNR; next }
  { split(a[FNR], x, ",")
    if (NF != 8 || $1 != x[1] || $2 != x[2] || $3 != x[3] || $4 != x[4]) bad = 1
    for (i = 5; i <= 8; i++) { d = $i - x[i]; if (d < 0) d = -d; if (d > 1e-5 * (x[i] < 0 ? -x[i] : x[i]) + 1e-300) bad = 1 } }
  END { exit (bad || FNR != n) }' "$work/tiny.csv" "$work/pooled.csv"; then
  diff "$work/tiny.csv" "$work/pooled.csv"
  fail "pooled shard reports differ from the report of the whole sweep"
fi
log "d. array job $jd: 2 shards, merged and pooled reports match the whole sweep ($SECONDS s)"

# ---------------------------------------------------------------- e. plain scancel (SIGTERM)
# slurmstepd sends SIGTERM to every process of the job (the batch shell, mpirun, the ranks) and
# mpirun passes it on again: no task may be left running; task 3 is interrupted, and a resubmitted
# job completes the file
je=$(submit cancel "$jobs/sweep.sbatch" --export="$(fault_env "$work/cancel.fault")" -- "$cfg" "$work/cancel.h5")
interrupt "$je" "$work/cancel.h5" "$work/cancel.fault" TERM
wait_end "$je" "cancelled sweep"
c=$(counts "$work/cancel.h5")
read -r c_done c_running c_failed c_pending c_interrupted c_total <<< "$c"
[ "$c_running" = 0 ] && [ "$c_interrupted" -ge 1 ] && [ "$c_failed" = 0 ] ||
  fail "cancelled sweep: want interrupted tasks and none running, got '$c' (done running failed pending interrupted total)"
"$exe" status "$work/cancel.h5" | grep -q "^interrupted: task 3 .*interrupted by SIGTERM" ||
  { "$exe" status "$work/cancel.h5"; fail "cancelled sweep: task 3 not interrupted by SIGTERM"; }
s3=$(h5dump -d /tasks/status -s 3 -c 1 -y "$work/cancel.h5" 2> /dev/null | awk '/DATA \{/ { f = 1; next } f && /\}/ { exit } f { print $1 }')
[ "$s3" = 4 ] || fail "cancelled sweep: /tasks/status of task 3 is '$s3' in the file, want 4"
je2=$(submit cancel2 "$jobs/sweep.sbatch" -- "$cfg" "$work/cancel.h5")
wait_end "$je2" "sweep resubmitted after scancel"
expect_complete "$work/cancel.h5" "$ntask" "sweep resubmitted after scancel"
same "$work/ref.h5" "$work/cancel.h5" "cancelled and resubmitted sweep"
log "e. job $je cancelled (scancel): nothing left running, task 3 interrupted; resumed equal ($SECONDS s)"

log "ok ($SECONDS s)"
exit 0
