import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {killAndWait, type Namespaces, readNamespaces, stopChild} from './processes.js';
import {buildRig, type Rig} from './teardown.js';

/** Sleepers sharing their own net, ipc and uts namespaces; the first pid is the unshare'd leader. */
export type PopulationGroup = {pids: number[]; namespaces: Namespaces};

export type Population = Rig & {
	/** Every sleeper: hostPids, then the groups' pids. */
	pids: number[];
	/** Sleepers in the host's namespaces. */
	hostPids: number[];
	groups: PopulationGroup[];
};

/**
 * Prints `host <pid>` per host sleeper, then `<group> <pid>` per grouped one. A shell forks about 2000
 * sleepers a second; node's spawn manages 200. The sleepers outlive the shell, so their parent becomes PID 1.
 */
const populationScript = `
hosts=$1; shift
i=0
while [ $i -lt $hosts ]; do sleep infinity >/dev/null 2>&1 & echo "host $!"; i=$((i + 1)); done
group=0
for size in "$@"; do
	unshare --net --ipc --uts sleep infinity >/dev/null 2>&1 & leader=$!
	echo "$group $leader"
	until read -r comm < /proc/$leader/comm && [ "$comm" = sleep ]; do
		read -r stat < /proc/$leader/stat
		case $stat in *') Z '*) echo "unshare of group $group failed" >&2; exit 1;; esac
	done
	i=1
	while [ $i -lt $size ]; do nsenter -t $leader --net --ipc --uts sleep infinity >/dev/null 2>&1 & echo "$group $!"; i=$((i + 1)); done
	group=$((group + 1))
done
`;

function groupSizes(grouped: number, groupSize: number): number[] {
	const sizes = Array.from({length: Math.floor(grouped / groupSize)}, () => groupSize);
	return grouped % groupSize === 0 ? sizes : [...sizes, grouped % groupSize];
}

/** n sleepers, a tenth of them (rounded) in groups of groupSize (default 5) with their own net, ipc and uts. */
export function startPopulation(n: number, {groupSize = 5} = {}): Promise<Population> {
	return buildRig(async (teardown) => {
		const grouped = Math.round(n / 10);
		const sizes = groupSizes(grouped, groupSize);
		const shell = spawn('/bin/sh', ['-c', populationScript, 'sh', String(n - grouped), ...sizes.map(String)], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const lines = () => stdout.split('\n').filter(Boolean).map((line) => line.split(' '));
		teardown.defer(async () => {
			await stopChild(shell);
			await killAndWait(lines().map(([, pid]) => Number(pid)));
		});

		const [code] = await once(shell, 'close', {signal: AbortSignal.timeout(10_000 + n * 5)});
		if (code !== 0) throw new Error(`starting ${n} sleepers failed (${code}): ${stderr}`);
		const hostPids: number[] = [];
		const groupPids: number[][] = sizes.map(() => []);
		for (const [label, pid] of lines()) (label === 'host' ? hostPids : groupPids[Number(label)]).push(Number(pid));
		const groups = await Promise.all(groupPids.map(async (pids) => ({pids, namespaces: await readNamespaces(pids[0])})));
		return {pids: [...hostPids, ...groupPids.flat()], hostPids, groups};
	});
}
