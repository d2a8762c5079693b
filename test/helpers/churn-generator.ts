import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {cgroupRoot} from './cgroups.js';

/**
 * Bursts of /bin/true, a net and a pid namespace per round, and a cgroup per round holding a short
 * sleep, removed once empty. Counts what it forked in $DIR/forks; stops once $DIR/stop exists.
 * About 10,000 forks a minute here.
 */
const generator = `
set -u
round=0
forks=0
while [ ! -e "$DIR/stop" ]; do
	round=$((round + 1))
	pids=""
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true & pids="$pids $!"; done
	unshare --net /bin/true & pids="$pids $!"
	unshare --pid --fork /bin/true & pids="$pids $!"
	for hierarchy in memory pids; do mkdir -p "$CGROUPS/$hierarchy$BASE/c$round"; done
	sh -c 'for hierarchy in memory pids; do echo $$ > "$1/$hierarchy$2/cgroup.procs"; done; exec sleep 0.3' sh "$CGROUPS" "$BASE/c$round" &
	wait $pids
	forks=$((forks + 25))
	for hierarchy in memory pids; do
		for old in "$CGROUPS/$hierarchy$BASE"/c*; do rmdir "$old" 2>/dev/null || true; done
	done
	echo $forks > "$DIR/forks"
	sleep 0.08
done
wait
`;

/** The hierarchies the generator makes its cgroups in, under `base`, which must exist in both. */
export const churnHierarchies = ['memory', 'pids'] as const;

export type ChurnGenerator = {
	child: ChildProcess;
	/** Asks the generator to stop after its round; the caller still waits for `child` to exit. */
	stop: () => void;
	/** How many processes it has forked so far. */
	forks: () => number;
};

/** Starts the generator in `directory` (a temp dir of the caller's), making its cgroups below `base`. */
export function startChurnGenerator(directory: string, base: string): ChurnGenerator {
	const child = spawn('bash', ['-c', generator], {stdio: 'ignore', env: {...process.env, DIR: directory, CGROUPS: cgroupRoot, BASE: base}});
	return {
		child,
		stop: () => fs.writeFileSync(path.join(directory, 'stop'), ''),
		forks: () => {
			try {
				return Number(fs.readFileSync(path.join(directory, 'forks'), 'utf8')) || 0;
			} catch {
				return 0;
			}
		},
	};
}
