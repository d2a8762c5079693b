#!/bin/sh
# Runs as root inside the cgroup v2 VM (test/vm/harness.ts) for test/vm/non-utf8-v2.test.ts, in one boot.
# Builds real v2 cgroups under /sys/fs/cgroup/podtop-bytes whose leaves are named with bytes that are not
# UTF-8, each a container of one process in its own pid and mnt namespaces, with its own memory.max
# (40M + index MiB) and pids.max (20 + index):
#   0  pair\377\376          an invalid pair; its shell's perl child is OOM-killed at memory.max 32M
#   1  lone\200              a lone continuation byte
#   2  ctl\001\033[31m\377   controls and an invalid byte
#   3  pair\xff\xfe          as text: what leaf 0 shows as, a cgroup of its own
# Then it runs `podtop --once --json` and prints `set pid.<index> <pid>` per leaf, `podtop-status <code>`
# and podtop's stdout between `--- podtop json begin` and `--- podtop json end`. Needs PODTOP_CLI.
. "$(dirname "$0")/rig-lib.sh"

base=/podtop-bytes

# Page cache is charged to the cgroup that first read it: perl run here first keeps its text out of the
# victim's memory, else reclaim at memory.max drops and refaults perl's pages and the OOM kill can take a minute.
perl -e 'my @kept; push @kept, q(x) x (1 << 20) for 1 .. 4'
mkdir "$root$base"
echo '+cpu +memory +pids' > "$root$base/cgroup.subtree_control"
index=0
for leaf in "$(printf 'pair\377\376')" "$(printf 'lone\200')" "$(printf 'ctl\001\033[31m\377')" 'pair\xff\xfe'; do
	cg="$base/$leaf"
	mkdir "$root$cg"
	echo $(((40 + index) * 1048576)) > "$root$cg/memory.max"
	echo $((20 + index)) > "$root$cg/pids.max"
	if [ $index = 0 ]; then
		echo 32M > "$root$cg/memory.max"
		echo 0 > "$root$cg/memory.swap.max"
		start_in "$cg" unshare --pid --mount --fork --mount-proc sh -c 'perl -e "my @kept; push @kept, q(x) x (1 << 20) while 1"; exec sleep 600'
		victim_cgroup=$cg
	else
		start_in "$cg" unshare --pid --mount --fork --mount-proc sleep 600
	fi
	echo "set pid.$index $(unwrap $!)"
	index=$((index + 1))
done
wait_for 300 counter_positive "$victim_cgroup/memory.events" oom_kill || fail 'the perl child was never OOM-killed'
mark 'containers started, the victim OOM-killed'

status=0
node "$PODTOP_CLI" --once --json > /tmp/podtop.json 2> /tmp/podtop.err || status=$?
mark 'podtop done'
echo "podtop-status $status"
cat /tmp/podtop.err >&2
print_section 'podtop json' /tmp/podtop.json
