#!/bin/sh
# Runs as root inside the cgroup v2 VM (test/vm/harness.ts) for test/vm/oom-v2.test.ts, in one boot.
# Builds three pods in real v2 cgroups under /sys/fs/cgroup/podtop-oom, each with a catatonit infra in new
# net, ipc, uts, pid and mnt namespaces and containers joined to them (own pid and mnt namespaces):
#   past/old   memory.max 32M, swap.max 0: its perl child is OOM-killed BEFORE podtop starts (the shell
#              lives on as `sleep`, so the container still exists)
#   grp/gang   memory.max 32M, swap.max 0, memory.oom.group 1: a shell (the container's pid 1) with two
#              sleeps and a perl that waits on a FIFO, then allocates: the kernel kills them all
#   plim/hog   no limit of its own; the pod has memory.max 64M, swap.max 0: its perl waits on a FIFO, then
#              allocates until the pod's limit kills it (the shell lives on as `sleep`)
# After the past kill it runs `podtop --once --json` and `podtop events --json --since-boot`; once that
# watches the memory.events files it triggers the group kill, waits for podtop to print it, triggers the
# pod-limit kill, waits for that, stops podtop with SIGINT and runs `podtop --once --json` again.
# Prints, one per line: `set <name> <value>` (pids, exit codes), `procs <name> <pid>...` (the processes of a
# container before its kill), `file <cgroup> <line>` (memory.events of every pod and container at the end),
# `limit <cgroup> <memory.max> <memory.oom.group>`,
# then sections between `--- <name> begin`/`--- <name> end`: kmsg (the kernel's OOM lines), once-before
# (the first --once --json), status (podtop events' stderr), events (its NDJSON), once-after.
# Progress goes to stderr with the seconds since boot. Needs PODTOP_CLI, the path of dist/cli.js.
. "$(dirname "$0")/rig-lib.sh"

top=/podtop-oom
past=$top/past
grp=$top/grp
plim=$top/plim
work=/tmp/podtop-oom
mkdir -p $work
mkfifo $work/old.fifo $work/gang.fifo $work/hog.fifo

failure_details() {
	[ ! -f $work/status ] || cat $work/status
	grep . $root$top/*/memory.events $root$top/*/*/memory.events $root$top/*/*/cgroup.procs || true
	dmesg | grep -E 'oom-kill:|Killed process|Tasks in|memory: usage' || true
	cat $work/events.ndjson || true
}

# True once podtop events printed an oom-kill on a cgroup that starts with $1.
printed_kill() {
	grep -q "\"kind\":\"oom-kill\",\"cgroup\":\"$1" $work/events.ndjson
}

status_printed() {
	[ -n "$(cat $work/status 2>/dev/null)" ]
}

# The pids in a cgroup, on one line.
procs_of() {
	tr '\n' ' ' < "$root$1/cgroup.procs"
}

empty_cgroup() {
	[ -z "$(cat "$root$1/cgroup.procs")" ]
}

mkdir -p "$root$past/infra" "$root$past/old" "$root$grp/infra" "$root$grp/gang" "$root$plim/infra" "$root$plim/hog"
for cg in $top $past $grp $plim; do echo '+cpu +memory +pids' > "$root$cg/cgroup.subtree_control"; done
echo 32M > "$root$past/old/memory.max"
echo 0 > "$root$past/old/memory.swap.max"
echo 32M > "$root$grp/gang/memory.max"
echo 0 > "$root$grp/gang/memory.swap.max"
echo 1 > "$root$grp/gang/memory.oom.group"
echo 64M > "$root$plim/memory.max"
echo 0 > "$root$plim/memory.swap.max"

# Page cache is charged to the cgroup that first read it: perl run here first keeps its text out of the
# limited cgroups (see events-v2-rig.sh).
perl -e 'my @kept; push @kept, q(x) x (1 << 20) for 1 .. 4'

past_infra=$(start_infra $past/infra)
grp_infra=$(start_infra $grp/infra)
plim_infra=$(start_infra $plim/infra)

old=$(start_gated_allocator $past/old "$past_infra" $work/old.fifo)
old_perl=$(child_of "$old")
# The gang's pid 1 is a shell that outlives its children unless the group kill takes it too. Its perl waits
# on the FIFO as start_gated_allocator's does.
gang=$(start_container $grp/gang "$grp_infra" \
	sh -c "sleep 600 & sleep 600 & (exec perl -e '<STDIN>; my @kept; push @kept, q(x) x (1 << 20) while 1' < $work/gang.fifo) & wait")
# Ready once the shell has its three children, two of them sleeping: the third is the perl to be.
gang_ready() {
	# shellcheck disable=SC2046
	set -- $(cat "/proc/$gang/task/$gang/children" 2>/dev/null)
	[ $# -eq 3 ] || return 1
	sleeps=0
	for pid; do
		if comm_is "$pid" sleep; then sleeps=$((sleeps + 1)); else gang_perl=$pid; fi
	done
	[ $sleeps -eq 2 ]
}
wait_for 100 gang_ready || fail "the gang did not start: $(procs_of $grp/gang)"
hog=$(start_gated_allocator $plim/hog "$plim_infra" $work/hog.fifo)
hog_perl=$(child_of "$hog")
mark 'pods started'

# The kill before podtop starts.
echo go > $work/old.fifo
wait_for 300 counter_positive $past/old/memory.events oom_kill || fail 'old was not OOM-killed'
wait_for 50 comm_is "$old" sleep || fail "old's shell did not go on to sleep"
mark 'old OOM-killed'

# Both start after that kill, side by side: Node takes seconds to start under emulation.
node "$PODTOP_CLI" --once --json > $work/once-before.json 2> $work/once-before.err &
once=$!
node "$PODTOP_CLI" events --json --since-boot --interval 5000 > $work/events.ndjson 2> $work/status &
podtop=$!
once_before=0
wait "$once" || once_before=$?
mark 'podtop --once done'
wait_for 300 status_printed || fail 'podtop events printed no status line'
# The pods' own memory.events too: a pod's limit counts max and oom there, not in its containers.
wait_for 300 watching "$root$grp/gang/memory.events" "$root$grp/memory.events" "$root$plim/hog/memory.events" "$root$plim/memory.events" ||
	fail 'podtop events never watched the memory.events files'
mark 'podtop events watches memory.events'

gang_procs=$(procs_of $grp/gang)
echo go > $work/gang.fifo
wait_for 300 empty_cgroup $grp/gang || fail "the group kill left $(procs_of $grp/gang)"
mark 'gang killed'
wait_for 300 printed_kill $grp/ || fail 'podtop events printed no oom-kill for the gang'
mark 'podtop printed the gang kill'

echo go > $work/hog.fifo
wait_for 300 counter_positive $plim/memory.events oom_kill || fail 'hog was not OOM-killed'
wait_for 50 comm_is "$hog" sleep || fail "hog's shell did not go on to sleep"
mark 'hog killed'
wait_for 300 printed_kill $plim/ || fail 'podtop events printed no oom-kill for the pod-limit kill'
mark 'podtop printed the hog kill'
# The group kill's other members may be logged after its first line: give podtop the refresh after it too.
sleep 6

kill -INT "$podtop"
code=0
wait "$podtop" || code=$?
mark "podtop events exited $code"

once_after=0
node "$PODTOP_CLI" --once --json > $work/once-after.json 2> $work/once-after.err || once_after=$?
mark 'podtop --once again done'

echo "set pid.old $old"
echo "set pid.oldPerl $old_perl"
echo "set pid.gang $gang"
echo "set pid.gangPerl $gang_perl"
echo "set pid.hog $hog"
echo "set pid.hogPerl $hog_perl"
echo "set exit.onceBefore $once_before"
echo "set exit.events $code"
echo "set exit.onceAfter $once_after"
echo "procs gang $gang_procs"
for cg in $past $past/old $grp $grp/gang $plim $plim/hog $plim/infra; do
	print_memory_events "$cg"
	echo "limit $cg $(cat "$root$cg/memory.max") $(cat "$root$cg/memory.oom.group")"
done
cat $work/once-before.err $work/once-after.err >&2
dmesg | grep -E 'oom-kill:|Killed process|already exiting|Tasks in|memory: usage' > $work/kmsg || true
print_section kmsg $work/kmsg
print_section once-before $work/once-before.json
print_section status $work/status
print_section events $work/events.ndjson
print_section once-after $work/once-after.json
