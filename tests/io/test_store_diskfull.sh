#!/bin/bash
# A full disk while the store is created and while the sweep writes it, on 1 and 2 ranks: every
# run must end with exit code 3 and a message naming the file, without hanging (a generous
# `timeout` detects a hang, it assumes nothing about speed) or crashing, and must leave no lock
# file and no half-made store behind.
#
#   test_store_diskfull.sh MODE PINNFLUENCE MPIEXEC TINY_CFG SHIM
#
# MODE tmpfs: a real 2 MB tmpfs (mount needs root; exit 77 = skipped if it cannot be mounted),
#   into which the store (5 MB) does not fit: refused by the space reservation before HDF5 runs.
# MODE shim: the LD_PRELOAD shim tests/io/enospc_shim.c, no privileges needed: (a) a 1 MB "disk"
#   on a file system that cannot reserve space, so the fill writes of the creation fail; (b) every
#   write that changes the file fails once its creation was synced, so the sweep's writes fail.
set -u
mode=$1 exe=$2 mpiexec=$3 cfg=$4 shim=$5
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# sanitizer builds: the shim is preloaded before the ASan runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fast=(--set train.cycles=1 --set train.adam_iters=2 --set train.lbfgs_iters=0)
big=(--set points.initial=20000) # /points/final alone is 16 tasks x 20000 x 16 bytes = 5 MB
work=$(mktemp -d /tmp/pf_diskfull.XXXXXX)
mounted=0
cleanup() {
  [ $mounted = 1 ] && umount "$work/fs" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# run NP LOG ARGS...: pinnfluence run under mpiexec with a hang guard; sets rc
run() {
  local np=$1 log=$2
  shift 2
  timeout -k 10 120 "$mpiexec" -n "$np" "$exe" run "$cfg" "${fast[@]}" "$@" >"$log" 2>&1
  rc=$?
  [ $rc = 124 ] || [ $rc = 137 ] && fail "the run on $np rank(s) hung (killed after 120 s); log: $(tail -20 "$log")"
  return 0
}

# expect_failure NP LOG STORE WHAT: exit code 3, a message naming the store and WHAT, no crash
expect_failure() {
  local np=$1 log=$2 store=$3 what=$4
  [ $rc = 3 ] || fail "$np rank(s): exit code $rc, expected 3; log: $(tail -30 "$log")"
  grep -q "error: $store" "$log" || fail "$np rank(s): no error message naming $store: $(cat "$log")"
  grep -q "$what" "$log" || fail "$np rank(s): no '$what' in the output: $(cat "$log")"
  grep -qi "segmentation fault\|signal 11\|Process received signal" "$log" &&
    fail "$np rank(s): a process crashed: $(cat "$log")"
  [ -e "$store.lock" ] && fail "$np rank(s): the lock file $store.lock was left behind"
  return 0
}

case $mode in
tmpfs)
  mkdir -p "$work/fs"
  if ! mount -t tmpfs -o size=2m tmpfs "$work/fs" 2>"$work/mount.err"; then
    echo "SKIP: cannot mount a 2 MB tmpfs (needs root): $(cat "$work/mount.err")"
    exit 77
  fi
  mounted=1
  for np in 1 2; do
    store="$work/fs/np$np.h5"
    run $np "$work/tmpfs$np.log" -o "$store" "${big[@]}"
    expect_failure $np "$work/tmpfs$np.log" "$store" "No space left on device"
    [ -e "$store" ] && fail "$np rank(s): the half-made store $store was left behind"
    echo "ok: tmpfs full at creation, $np rank(s): exit 3, no store, no lock"
  done
  # what fits still works, and the reservation is given back
  run 2 "$work/fits.log" -o "$work/fs/fits.h5"
  [ $rc = 0 ] || fail "a store that fits: exit code $rc; log: $(tail -30 "$work/fits.log")"
  used=$(du -k "$work/fs/fits.h5" | cut -f1)
  size=$(($(stat -c %s "$work/fs/fits.h5") / 1024 + 4))
  [ "$used" -le "$size" ] || fail "the store uses $used kB for a size of $size kB: reservation kept"
  [ -e "$work/fs/fits.h5.lock" ] && fail "the lock file was left behind by a finished run"
  echo "ok: a store that fits is written, the reservation given back, no lock left"
  ;;
shim)
  [ -f "$shim" ] || fail "no shim library $shim"
  for np in 1 2; do
    store="$work/create$np.h5"
    PF_SHIM_ENOSPC_PATH="create$np.h5" PF_SHIM_DISK_BYTES=1000000 PF_SHIM_NO_FALLOCATE=1 \
      LD_PRELOAD="$shim" run $np "$work/create$np.log" -o "$store" "${big[@]}"
    expect_failure $np "$work/create$np.log" "$store" "No space left on device"
    [ -e "$store" ] && fail "$np rank(s): the half-made store $store was left behind"
    echo "ok: disk full while the store is filled, $np rank(s): exit 3, no store, no lock"

    store="$work/sweep$np.h5"
    PF_SHIM_ENOSPC_PATH="sweep$np.h5" PF_SHIM_ENOSPC_AFTER_SYNC=1 LD_PRELOAD="$shim" \
      run $np "$work/sweep$np.log" -o "$store"
    expect_failure $np "$work/sweep$np.log" "$store" "cannot write rows"
    grep -q "No space left on device" "$work/sweep$np.log" ||
      fail "$np rank(s): the sweep's failure does not say 'No space left on device'"
    # the store stays a valid, resumable file (its creation completed)
    "$exe" status "$store" >"$work/status$np.log" 2>&1 ||
      fail "$np rank(s): status of the store after the failed sweep: $(cat "$work/status$np.log")"
    echo "ok: disk full during the sweep, $np rank(s): exit 3, store readable, no lock"
  done
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "PASS"
