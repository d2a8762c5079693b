#!/bin/sh
# Runs as root inside the cgroup v2 VM (test/vm/harness.ts) for bench/events-vm.ts, in one boot.
# Builds a pod in real v2 cgroups under /sys/fs/cgroup/podtop-bench-events/pod (infra: catatonit in new
# net, ipc, uts, pid and mnt namespaces; app: a shell joined to them, own pid and mnt, memory.max 32M,
# swap.max 0). Starts `podtop events --json --interval 3600000`, so that only its memory.events watch can
# report, and waits for that watch. Then the app's shell runs $EPISODES perl allocators one after another,
# each OOM-killed at memory.max, $GAP_SECONDS apart. Two processes take the times, in the VM's monotonic
# clock: an observer that re-reads app/memory.events every ~1 ms, and a stamper that reads podtop's stdout
# through a FIFO and stamps each line as it arrives.
# Prints one per line: `set <name> <value>`, `observed <ms> <previous read ms> <memory.events, comma-joined>`
# for the observer's first read and each read that differs from the one before (ms: taken before the read), `line <ms> <NDJSON>` for each line of podtop, then
# `status <podtop's status line>`. Progress goes to stderr. Needs PODTOP_CLI, the path of dist/cli.js.
. "$(dirname "$0")/../test/vm/rig-lib.sh"

episodes=${EPISODES:-20}
gap=${GAP_SECONDS:-0.4}

pod=/podtop-bench-events/pod
app=$pod/app
work=/tmp/podtop-bench-events
mkdir -p $work
mkfifo $work/go.fifo $work/lines.fifo

failure_details() {
	cat $work/status $work/lines 2>/dev/null || true
	grep . $root$app/memory.current $root$app/memory.events || true
}

status_printed() {
	[ -n "$(cat $work/status 2>/dev/null)" ]
}


mkdir -p "$root$pod/infra" "$root$app"
echo '+cpu +memory +pids' > "$root/podtop-bench-events/cgroup.subtree_control"
echo '+cpu +memory +pids' > "$root$pod/cgroup.subtree_control"
echo 32M > "$root$app/memory.max"
echo 0 > "$root$app/memory.swap.max"

# Page cache is charged to the cgroup that first reads it: perl run here first keeps its own pages out of
# the app's memory, so each OOM kill takes a fraction of a second instead of seconds of refaults.
perl -MTime::HiRes -e 'my @kept; push @kept, q(x) x (1 << 20) for 1 .. 4'

infra=$(start_infra $pod/infra)
allocate="perl -e 'my @kept; push @kept, q(x) x (1 << 20) while 1'"
shell=$(start_container $app "$infra" \
	sh -c "read go < $work/go.fifo; i=0; while [ \$i -lt $episodes ]; do $allocate || true; i=\$((i + 1)); sleep $gap; done; : > $work/done; exec sleep 600")
mark 'pod started'

perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -ne '$| = 1; printf "%.3f %s", clock_gettime(CLOCK_MONOTONIC) * 1000, $_' \
	< $work/lines.fifo > $work/lines &
stamper=$!
node "$PODTOP_CLI" events --json --interval 3600000 > $work/lines.fifo 2> $work/status &
podtop=$!
wait_for 300 status_printed || fail 'podtop events printed no status line'
wait_for 100 watching "$root$app/memory.events" || fail 'podtop events never watched the app'"'"'s memory.events'
mark 'podtop events watches memory.events'

# One descriptor, read again from offset 0 (kernfs regenerates the text): under emulation, opening the file
# each time made the observer take a whole vCPU; this way it takes about a quarter of one.
perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC,usleep -e '
	$| = 1;
	open my $events, "<", $ARGV[0] or die "$ARGV[0]: $!";
	my ($last, $previous) = ("", 0);
	while (1) {
		my $now = clock_gettime(CLOCK_MONOTONIC) * 1000;
		sysseek($events, 0, 0);
		defined(sysread($events, my $content, 4096)) or exit;
		if ($content ne $last) {
			$last = $content;
			$content =~ s/\n/,/g;
			printf "observed %.3f %.3f %s\n", $now, $previous, $content;
		}
		$previous = $now;
		usleep(1000);
	}' "$root$app/memory.events" > $work/observed &
observer=$!
# Its first read is the state before the first episode.
wait_for 100 test -s $work/observed || fail 'the observer read nothing'

echo go > $work/go.fifo
mark 'triggered'
wait_for $((episodes * 50)) test -e $work/done || fail 'the allocators did not finish'
mark "$episodes episodes done"
# podtop re-reads at most every 50 ms after a watch fired: give the last episode's lines time to come out.
sleep 1
kill "$observer"
kill -INT "$podtop"
code=0
wait "$podtop" || code=$?
wait "$stamper" || true
mark "podtop events exited $code"

echo "set episodes $episodes"
echo "set exit.events $code"
echo "set cgroup.app $app"
awk '{ print "set final." $1, $2 }' "$root$app/memory.events"
cat $work/observed
sed 's/^/line /' $work/lines
sed 's/^/status /' $work/status
