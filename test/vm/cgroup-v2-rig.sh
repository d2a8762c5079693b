#!/bin/sh
# Runs as root inside the cgroup v2 VM (test/vm/harness.ts) for test/vm/cgroup-v2.test.ts, in one boot.
# Builds, in real v2 cgroups under /sys/fs/cgroup/podtop-v2 (memory.max 256M and pids.max 64 on pod):
#   pod/infra   catatonit in new net, ipc, uts, pid and mnt namespaces
#   pod/app1    a busy loop joined to infra's net/ipc/uts (own pid, mnt), memory.max 64M, cpu.max 0.2 core
#   pod/app2    perl growing towards 32 MiB under memory.high 8M, same namespaces as app1, pids.max 16
#   oom/victim  a shell in its own pid and mnt namespaces whose perl child allocates until OOM-killed at
#               memory.max 32M (swap.max 0); the shell lives on as `sleep`
# Each container is one process, as runtimes leave them: the unshare wrappers are killed.
# Then it runs `podtop --once --json` and prints, one per line:
#   set <name> <value>                     pids and what it checked
#   ns /proc/<pid>/ns/<type> <inode>       namespaces of PID 1 and of each container process
#   file <phase> <path> <line>             every line of each cgroup file, before and after podtop
#   podtop-status <code>, then podtop's stdout between `--- podtop json begin` and `--- podtop json end`
# Progress goes to stderr with the seconds since boot. Needs PODTOP_CLI, the path of dist/cli.js.
. "$(dirname "$0")/rig-lib.sh"

base=/podtop-v2
pod=$base/pod
oom=$base/oom

dump() {
	files=
	for cg in $base $pod $pod/infra $pod/app1 $pod/app2 $oom $oom/victim; do
		for file in memory.current memory.max memory.high memory.peak memory.events memory.stat memory.pressure \
			cpu.stat cpu.max cpu.pressure pids.current pids.max; do
			files="$files $root$cg/$file"
		done
	done
	# One awk for all the files: every process costs tens of ms under emulation.
	# shellcheck disable=SC2086
	awk -v phase="$1" '{ print "file", phase, FILENAME, $0 }' $files
}

# v2 lets processes live only in leaves, and a controller only where the parent's subtree_control enables it.
mkdir "$root$base" "$root$pod" "$root$pod/infra" "$root$pod/app1" "$root$pod/app2" "$root$oom" "$root$oom/victim"
for cg in $base $pod $oom; do echo '+cpu +memory +pids' > "$root$cg/cgroup.subtree_control"; done
echo 256M > "$root$pod/memory.max"
echo 64 > "$root$pod/pids.max"
echo 64M > "$root$pod/app1/memory.max"
echo '20000 100000' > "$root$pod/app1/cpu.max"
echo 8M > "$root$pod/app2/memory.high"
echo 16 > "$root$pod/app2/pids.max"
echo 32M > "$root$oom/victim/memory.max"
echo 0 > "$root$oom/victim/memory.swap.max"

start_in $oom/victim unshare --pid --mount --fork --mount-proc \
	sh -c 'perl -e "my @kept; push @kept, q(x) x (1 << 20) while 1"; exec sleep 600'
victim=$(unwrap $!)
infra=$(start_infra $pod/infra)
app1=$(start_container $pod/app1 "$infra" sh -c 'while :; do :; done')
busy_since=$(cut -d' ' -f1 /proc/uptime)
app2=$(start_container $pod/app2 "$infra" \
	perl -e 'my @kept; for (1 .. 32) { push @kept, "x" x (1 << 20); select(undef, undef, undef, 0.05) } sleep 600')
mark 'pod and victim started'

wait_for 300 counter_positive $oom/victim/memory.events oom_kill || fail 'the victim was never OOM-killed'
wait_for 100 comm_is "$victim" sleep || fail "the victim's shell did not go on to sleep"
mark 'victim OOM-killed'
wait_for 300 counter_positive $pod/app2/memory.events high || fail 'app2 never went over memory.high'
mark 'app2 over memory.high'
# Let the busy loop run into its quota for 2 s at least.
sleep "$(awk -v since="$busy_since" -v now="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { left = since + 2 - now; print (left > 0 ? left : 0) }')"

echo "set pid.infra $infra"
echo "set pid.app1 $app1"
echo "set pid.app2 $app2"
echo "set pid.victim $victim"
stat -L -c 'ns %n %i' /proc/1/ns/* "/proc/$infra/ns/"* "/proc/$app1/ns/"* "/proc/$app2/ns/"* "/proc/$victim/ns/"*

dump before
mark 'podtop starts'
status=0
node "$PODTOP_CLI" --once --json > /tmp/podtop.json 2> /tmp/podtop.err || status=$?
mark 'podtop done'
dump after
echo "podtop-status $status"
cat /tmp/podtop.err >&2
print_section 'podtop json' /tmp/podtop.json
