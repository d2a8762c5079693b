#!/bin/sh
# The prologue and shell helpers shared by the rig scripts that run inside the cgroup v2 VM, which source it
# first. It sets -eu, requires PODTOP_CLI (the path of dist/cli.js) and sets rig_name (the script's name, for
# progress lines and failures) and root (the cgroup2 mount).
set -eu
: "${PODTOP_CLI:?the path of dist/cli.js}"
rig_name=${0##*/}
rig_name=${rig_name%.sh}
root=/sys/fs/cgroup

mark() {
	echo "$rig_name: $(cut -d' ' -f1 /proc/uptime) $*" >&2
}

# Ends the rig with its reason, after what the rig's failure_details prints of its state, if it defines one.
fail() {
	echo "$rig_name: $*" >&2
	if command -v failure_details >/dev/null; then failure_details >&2; fi
	exit 1
}

# Runs the command after the first argument until it succeeds, up to $1 times 0.1 s.
wait_for() {
	limit=$1
	shift
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ $tries -lt "$limit" ] || return 1
		sleep 0.1
	done
}

# Starts a command in the background in a cgroup: a shell joins it, then execs the command.
start_in() {
	cg=$1
	shift
	sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' start-in "$root$cg" "$@" </dev/null >/dev/null 2>&1 &
}

# The child an `unshare --fork` wrapper has forked; empty before it has.
child_of() {
	cat "/proc/$1/task/$1/children" 2>/dev/null | tr -d ' '
}

has_child() {
	[ -n "$(child_of "$1")" ]
}

# Waits for the wrapper's child, kills the wrapper and prints the child's pid.
unwrap() {
	wait_for 100 has_child "$1" || fail "pid $1 forked no child"
	child=$(child_of "$1")
	kill -KILL "$1"
	echo "$child"
}

# Starts a pod's infra in cgroup $1: catatonit in new net, ipc, uts, pid and mnt namespaces. Prints its pid.
start_infra() {
	start_in "$1" unshare --net --ipc --uts --pid --mount --fork --mount-proc catatonit -P
	unwrap $!
}

# Starts the command after $1 and $2 in cgroup $1 as a container of the pod whose infra is pid $2: in the
# infra's net, ipc and uts namespaces, in new pid and mnt namespaces. Prints its pid.
start_container() {
	container_cgroup=$1
	container_infra=$2
	shift 2
	start_in "$container_cgroup" nsenter -t "$container_infra" --net --ipc --uts unshare --pid --mount --fork --mount-proc "$@"
	unwrap $!
}

# Starts a container (see start_container) whose shell forks a perl that allocates until OOM-killed once a line
# comes through the FIFO $3, and lives on as `sleep`. Prints the shell's pid once the perl is forked: a subshell
# opens the FIFO (and blocks there), then execs perl, so perl's pid is known before it allocates.
start_gated_allocator() {
	gated_shell=$(start_container "$1" "$2" \
		sh -c "(exec perl -e '<STDIN>; my @kept; push @kept, q(x) x (1 << 20) while 1' < $3); exec sleep 600")
	wait_for 100 has_child "$gated_shell" || fail "the shell in $1 forked no perl"
	echo "$gated_shell"
}

# Prints `file <cgroup> <key> <value>` for each line of each cgroup's memory.events (rigCounters in rig-run.ts).
print_memory_events() {
	for events_cgroup; do
		awk -v cgroup="$events_cgroup" '{ print "file", cgroup, $0 }' "$root$events_cgroup/memory.events"
	done
}

# Prints the file $2 between `--- $1 begin` and `--- $1 end` lines (between in rig-run.ts).
print_section() {
	echo "--- $1 begin"
	cat "$2"
	echo "--- $1 end"
}

# True when the key of a flat keyed file (memory.events) is above 0.
counter_positive() {
	awk -v key="$2" '$1 == key && $2 > 0 { found = 1 } END { exit !found }' "$root$1"
}

comm_is() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# True when the process $podtop holds an inotify watch on the inode of each file given (fdinfo shows inodes in hex).
watching() {
	watches=$(cat /proc/"$podtop"/fdinfo/* 2>/dev/null | awk '$1 == "inotify" { print $3 }')
	for file in "$@"; do
		echo "$watches" | grep -qx "ino:$(printf %x "$(stat -c %i "$file")")" || return 1
	done
}
