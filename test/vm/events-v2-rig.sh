#!/bin/sh
# Runs as root inside the cgroup v2 VM (test/vm/harness.ts) for test/vm/events-v2.test.ts, in one boot.
# Builds one pod in real v2 cgroups under /sys/fs/cgroup/podtop-events/pod:
#   infra   catatonit in new net, ipc, uts, pid and mnt namespaces
#   victim  a shell joined to infra's net/ipc/uts (own pid, mnt), memory.max 32M, swap.max 0, whose
#           perl child waits on a FIFO, then allocates until OOM-killed; the shell lives on as `sleep`
#   highc   perl, same namespaces, memory.high 8M, waiting on a FIFO, then growing to 24 MiB
# Starts `podtop events --json --interval 15000`, waits for its status line and for its inotify watches on
# the containers' memory.events, then opens both FIFOs and stops podtop with SIGINT once it printed the
# victim's oom-kill and highc's memory.high (at most 2.5 s later).
# Prints, one per line: `set <name> <value>` (pids, times in ms since the epoch, exit codes), `file <cgroup>
# <line>` (memory.events of victim and highc at the end), then podtop's NDJSON between `--- events begin`/
# `--- events end`, its stderr between `--- status begin`/`--- status end`, and `podtop --once --json`
# between `--- podtop json begin`/`--- podtop json end`.
# Progress goes to stderr with the seconds since boot. Needs PODTOP_CLI, the path of dist/cli.js.
. "$(dirname "$0")/rig-lib.sh"

pod=/podtop-events/pod
work=/tmp/podtop-events
mkdir -p $work
mkfifo $work/victim.fifo $work/highc.fifo

failure_details() {
	[ ! -f $work/status ] || cat $work/status
	for pid in $(pgrep perl); do echo "perl $pid: $(cat /proc/$pid/wchan) $(cut -d' ' -f3 /proc/$pid/stat) $(grep VmRSS /proc/$pid/status)"; done
	grep . $root$pod/*/memory.current $root$pod/*/memory.events || true
	cat $work/events.ndjson || true
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# True once podtop's status line is out; before each look, notes the time it was last seen missing.
status_printed() {
	not_before=$(now_ms)
	[ -n "$(cat $work/status 2>/dev/null)" ]
}

# True once podtop printed the victim's oom-kill and highc's memory.high.
events_out() {
	grep -q '"kind":"oom-kill","cgroup":"/podtop-events/pod/victim"' $work/events.ndjson &&
		grep -q '"kind":"memory.high","cgroup":"/podtop-events/pod/highc"' $work/events.ndjson
}

mkdir -p "$root$pod/infra" "$root$pod/victim" "$root$pod/highc"
echo '+cpu +memory +pids' > "$root/podtop-events/cgroup.subtree_control"
echo '+cpu +memory +pids' > "$root$pod/cgroup.subtree_control"
echo 32M > "$root$pod/victim/memory.max"
echo 0 > "$root$pod/victim/memory.swap.max"
echo 8M > "$root$pod/highc/memory.high"

# Page cache is charged to the cgroup that first read it: perl run here first keeps its text out of the
# victim's memory. Else reclaim at memory.max drops and refaults perl's own pages over and over, and the
# OOM kill may take seconds instead of a fraction of one.
perl -e 'my @kept; push @kept, q(x) x (1 << 20) for 1 .. 4'

infra=$(start_infra $pod/infra)
victim=$(start_gated_allocator $pod/victim "$infra" $work/victim.fifo)
perl=$(child_of "$victim")
highc=$(start_container $pod/highc "$infra" \
	sh -c "exec perl -e '<STDIN>; my @kept; for (1 .. 24) { push @kept, q(x) x (1 << 20) } sleep 60' < $work/highc.fifo")
mark 'pod started'

if head -c 0 /dev/kmsg 2>/dev/null && dd if=/dev/kmsg bs=8192 count=1 iflag=nonblock of=/dev/null 2>/dev/null; then kmsg=1; else kmsg=0; fi

launched=$(now_ms)
node "$PODTOP_CLI" events --json --interval 15000 > $work/events.ndjson 2> $work/status &
podtop=$!
wait_for 300 status_printed || fail 'podtop events printed no status line'
status_seen=$(now_ms)
mark 'podtop events status line'
wait_for 100 watching "$root$pod/victim/memory.events" "$root$pod/highc/memory.events" || fail 'podtop events never watched the memory.events files'
watched=$(now_ms)
mark 'podtop events watches memory.events'

# podtop's next refresh comes 5 s after its first sample ends, which is after the status line: all the
# events must come from the memory.events watches if they are out before then. So trigger at once,
# and stop podtop as soon as the events are out (at most 2.5 s later).
trigger=$(now_ms)
echo go > $work/victim.fifo
echo go > $work/highc.fifo
mark 'triggered'
wait_for 25 events_out || true
interrupted=$(now_ms)
kill -INT "$podtop"
code=0
wait "$podtop" || code=$?
mark "podtop events exited $code"
counter_positive $pod/victim/memory.events oom_kill || fail 'the victim was not OOM-killed'
counter_positive $pod/highc/memory.events high || fail 'highc did not go over memory.high'
wait_for 20 comm_is "$victim" sleep || fail "the victim's shell did not go on to sleep"

podtop_once=0
node "$PODTOP_CLI" --once --json > $work/podtop.json 2> $work/podtop.err || podtop_once=$?
mark 'podtop --once done'

echo "set pid.infra $infra"
echo "set pid.victim $victim"
echo "set pid.perl $perl"
echo "set pid.highc $highc"
echo "set kmsg.readable $kmsg"
echo "set time.launched $launched"
echo "set time.notBefore $not_before"
echo "set time.statusSeen $status_seen"
echo "set time.watched $watched"
echo "set time.trigger $trigger"
echo "set time.interrupted $interrupted"
echo "set exit.events $code"
echo "set exit.once $podtop_once"
print_memory_events $pod/victim $pod/highc
cat $work/podtop.err >&2
print_section status $work/status
print_section events $work/events.ndjson
print_section 'podtop json' $work/podtop.json
