import {type ChildProcess, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {removeCgroupDirectory} from './cgroups.js';
import {forEachLine, isAlive, type Namespaces, readNamespaces, waitFor} from './processes.js';

/**
 * Populations of sleepers for the tests and the bench: host sleepers, groups sharing namespaces of their own, v1
 * cgroups with limits, or the pods shape. One implementation; bench/population.ts registers its cleanup on signals.
 */

/** Every process and cgroup a run makes carries this in its name or environment, so leftovers can be found. */
const namePrefix = 'podtop-bench-';
const markerVariable = 'PODTOP_BENCH_RUN';
/** Sleepers exit by themselves after this long, should a run be killed before it cleans up. */
const sleepSeconds = 3 * 3600;
/** The v1 hierarchies podtop reads and the population is spread into. */
const hierarchies = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
const cgroupFs = '/sys/fs/cgroup';
const MiB = 1024 * 1024;

export type GroupKind = 'plain' | 'pid' | 'user' | 'mnt';
/** plain: own net+ipc+uts; pid: also own pid+mnt (the unshare --fork wrapper stays above it, as hand-made pods do);
 * user: also a user namespace all members join; mnt: each member also has its own mount namespace. */
export const groupKinds: readonly GroupKind[] = ['plain', 'pid', 'user', 'mnt'];

export type PopulationOptions = {
	/** Processes to start (sleepers and the unshare wrappers of pid groups). */
	size: number;
	/** v1 cgroups with limits the processes are spread into (default 100; 0: none, all in the starting cgroup). */
	cgroups?: number;
	groupSize?: number;
	/** The kinds of the groups, in turn (default all four). */
	kinds?: readonly GroupKind[];
	/**
	 * The pods shape instead: this many pods, each an infra sleeper owning net, ipc and uts and two containers
	 * joining them with a mount namespace each; every container in a cgroup of its own under a pod cgroup, both
	 * with memory limits, as the kubelet's cgroupfs driver makes them. `size` sleepers are added on the host.
	 */
	pods?: number;
	/** Shell loops forking a `sleep 1` every second, as sidecars and exec probes do. */
	forkLoops?: number;
	/** With `pods`: each fork loop runs inside a pod's first app container (its cgroup and namespaces), not on the host. */
	forkLoopsInPods?: boolean;
	/** Registers the cleanup while the population stands (the bench's, run on a signal); returns its unregistering. */
	onCleanup?: (what: string, undo: () => Promise<void>) => () => void;
	/** Where a note goes (no cgroups, a failed cleanup); default stderr. */
	log?: (message: string) => void;
};

/** Processes sharing their own namespaces (a group, or a pod's infra and containers); the first pid owns them. */
export type PopulationGroup = {kind: GroupKind | 'pod'; pids: number[]; namespaces: Namespaces};

export type Population = {
	runId: string;
	size: number;
	/** Sleepers, then wrappers. */
	pids: number[];
	wrappers: number[];
	/** Sleepers in the host's namespaces. */
	hostPids: number[];
	/** Groups of each kind. */
	groups: Record<GroupKind, number>;
	/** Every group and pod, with its pids and namespaces. */
	namespaceGroups: PopulationGroup[];
	groupedProcesses: number;
	/** `/podtop-bench-…`, relative to each hierarchy; null when there is no v1 memory hierarchy. */
	cgroupTop: string | null;
	pods: number;
	forkLoops: number;
	cgroups: number;
	processesInCgroups: number;
	buildMs: number;
	cleanup(): Promise<void>;
};

function v1Hierarchies(): string[] {
	const mounted = new Set(
		fs
			.readFileSync('/proc/self/mountinfo', 'utf8')
			.split('\n')
			.filter((line) => line.split(' - ')[1]?.startsWith('cgroup '))
			.map((line) => line.split(' ')[4]),
	);
	return hierarchies.filter((name) => mounted.has(path.join(cgroupFs, name)));
}

const script = String.raw`
S=${sleepSeconds}
H=$1; export H
fail() { echo "fail $*"; exit 1; }
join() { for h in $H; do echo $$ > "$h/$1/cgroup.procs" || fail "joining $h/$1"; done; }
hosts() {
	i=0
	while [ $i -lt $1 ]; do sleep $S </dev/null >/dev/null 2>&1 & echo "p $!"; i=$((i + 1)); done
}
running() {
	n=0
	until read -r c 2>/dev/null < /proc/$1/comm && [ "$c" = sleep ]; do
		read -r st 2>/dev/null < /proc/$1/stat || fail "process $1 is gone"
		case $st in *') Z '*) fail "process $1 exited";; esac
		n=$((n + 1)); [ $n -lt 100000 ] || fail "process $1 never ran sleep"
	done
}
group() {
	kind=$1; size=$2; g=$3; t=
	case $kind in
	plain|mnt) unshare --net --ipc --uts sleep $S </dev/null >/dev/null 2>&1 & t=$!; echo "p $t $g";;
	user) unshare --user --map-root-user --net --ipc --uts sleep $S </dev/null >/dev/null 2>&1 & t=$!; echo "p $t $g";;
	pid)
		unshare --net --ipc --uts --pid --fork --mount-proc sleep $S </dev/null >/dev/null 2>&1 & w=$!; echo "w $w"
		n=0
		until [ -n "$t" ]; do
			read -r t rest 2>/dev/null < /proc/$w/task/$w/children
			n=$((n + 1)); [ $n -lt 100000 ] || fail "unshare $w forked nothing"
		done
		echo "p $t $g";;
	esac
	running $t
	i=1
	while [ $i -lt $size ]; do
		case $kind in
		mnt) nsenter -t $t --net --ipc --uts unshare --mount sleep $S </dev/null >/dev/null 2>&1 &;;
		user) nsenter -t $t --user --net --ipc --uts sleep $S </dev/null >/dev/null 2>&1 &;;
		*) nsenter -t $t --net --ipc --uts sleep $S </dev/null >/dev/null 2>&1 &;;
		esac
		echo "p $! $g"; i=$((i + 1))
	done
}
incgroup() {
	d=$1; shift
	sh -c 'for h in $H; do echo $$ > "$h/$0/cgroup.procs" || exit 1; done; exec "$@"' "$d" "$@" </dev/null >/dev/null 2>&1 &
}
pod() {
	incgroup $1/infra unshare --net --ipc --uts sleep $S; t=$!; echo "p $t $2"
	running $t
	for c in c1 c2; do incgroup $1/$c nsenter -t $t --net --ipc --uts unshare --mount sleep $S; echo "p $! $2"; [ $c = c1 ] && a=$!; done
	if [ "$3" = loop ]; then
		running $a
		incgroup $1/c1 nsenter -t $a --net --ipc --uts --mount sh -c "while :; do sleep 1; done"; echo "w $!"
	fi
}
forkloop() {
	sh -c "while :; do sleep 1; done" </dev/null >/dev/null 2>&1 & echo "w $!"
}
`;

function cgroupName(index: number): string {
	return `c${String(index).padStart(3, '0')}`;
}

function podName(index: number): string {
	return `pod${String(index).padStart(3, '0')}`;
}

/** The pods shape: the host sleepers, the pods, then the fork loops. */
function podsPlan(sleepers: number, pods: number, forkLoops: number, inPods: boolean, withCgroups: boolean): Plan {
	if (!withCgroups) throw new Error('the pods shape needs a v1 memory hierarchy');
	const loopIn = (index: number) => (inPods && index < forkLoops ? ' loop' : '');
	const lines = [
		`hosts ${sleepers}`,
		...Array.from({length: pods}, (_, index) => `pod ${podName(index)} ${index}${loopIn(index)}`),
		...Array.from({length: inPods ? 0 : forkLoops}, () => 'forkloop'),
	];
	return {lines, groups: {plain: 0, pid: 0, user: 0, mnt: 0}, groupKinds: Array(pods).fill('pod'), groupedProcesses: pods * 3, processesInCgroups: pods * 3};
}

/** A pod cgroup per pod with infra, c1 and c2 below it; memory limits on the pod, c1 and c2. */
function createPodCgroups(hierarchyNames: readonly string[], top: string, pods: number): void {
	for (const hierarchy of hierarchyNames) {
		fs.mkdirSync(path.join(cgroupFs, hierarchy, top));
		for (let index = 0; index < pods; index++) {
			const podDir = path.join(cgroupFs, hierarchy, top, podName(index));
			for (const container of ['infra', 'c1', 'c2']) fs.mkdirSync(path.join(podDir, container), {recursive: true});
			if (hierarchy !== 'memory') continue;
			fs.writeFileSync(path.join(podDir, 'memory.limit_in_bytes'), String((512 + index) * MiB));
			fs.writeFileSync(path.join(podDir, 'c1', 'memory.limit_in_bytes'), String(256 * MiB));
			fs.writeFileSync(path.join(podDir, 'c2', 'memory.limit_in_bytes'), String(128 * MiB));
		}
	}
}

/** Spreads `total` over `bins` as evenly as possible. */
function spread(total: number, bins: number): number[] {
	return Array.from({length: bins}, (_, index) => Math.floor(total / bins) + (index < total % bins ? 1 : 0));
}

type Plan = {lines: string[]; groups: Record<GroupKind, number>; groupKinds: Array<GroupKind | 'pod'>; groupedProcesses: number; processesInCgroups: number};

/**
 * A tenth of the processes in groups of `groupSize` (the kinds in turn, by default plain, pid, user, mnt), half of the rest
 * left in the starting cgroup, the other half spread over the cgroups the groups do not use. Groups take
 * one cgroup each while there are at most half as many groups as cgroups, then share them.
 */
function plan(size: number, cgroups: number, groupSize: number, kindsInTurn: readonly GroupKind[], withCgroups: boolean): Plan {
	const groupCount = Math.floor(Math.round(size / 10) / groupSize);
	const kinds = Array.from({length: groupCount}, (_, index) => kindsInTurn[index % kindsInTurn.length]);
	const groups = {plain: 0, pid: 0, user: 0, mnt: 0};
	for (const kind of kinds) groups[kind]++;
	const groupedProcesses = groupCount * groupSize + groups.pid;
	const hosts = size - groupedProcesses;
	if (hosts < 0) throw new Error(`a population of ${size} is too small`);
	const lines: string[] = [];
	if (!withCgroups) {
		lines.push(`hosts ${hosts}`);
		kinds.forEach((kind, index) => lines.push(`group ${kind} ${groupSize} ${index}`));
		return {lines, groups, groupKinds: kinds, groupedProcesses, processesInCgroups: 0};
	}
	const hostsAtRoot = Math.floor(hosts / 2);
	lines.push(`hosts ${hostsAtRoot}`);
	const groupCgroups = Math.min(groupCount, Math.floor(cgroups / 2));
	for (let cgroup = 0; cgroup < groupCgroups; cgroup++) {
		lines.push(`join ${cgroupName(cgroup)}`);
		for (let group = cgroup; group < groupCount; group += groupCgroups) lines.push(`group ${kinds[group]} ${groupSize} ${group}`);
	}
	spread(hosts - hostsAtRoot, cgroups - groupCgroups).forEach((count, index) => {
		lines.push(`join ${cgroupName(groupCgroups + index)}`, `hosts ${count}`);
	});
	return {lines, groups, groupKinds: kinds, groupedProcesses, processesInCgroups: size - hostsAtRoot};
}

async function createCgroups(hierarchyNames: readonly string[], top: string, count: number): Promise<void> {
	for (const hierarchy of hierarchyNames) {
		const topDir = path.join(cgroupFs, hierarchy, top);
		fs.mkdirSync(topDir);
		if (hierarchy === 'memory') fs.writeFileSync(path.join(topDir, 'memory.limit_in_bytes'), String(16 * 1024 * MiB));
		for (let index = 0; index < count; index++) {
			const dir = path.join(topDir, cgroupName(index));
			fs.mkdirSync(dir);
			// Limits vary so the view has something to sort; all far above what a few sleepers use.
			if (hierarchy === 'memory') fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String((256 + index) * MiB));
			if (hierarchy === 'pids') fs.writeFileSync(path.join(dir, 'pids.max'), String(4096 + index));
			if (hierarchy === 'cpu' && index % 10 === 0) fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '50000');
		}
	}
}

/** The cgroup directories below `top` in each hierarchy and `top` itself, deepest first. */
function cgroupDirs(hierarchyNames: readonly string[], top: string): string[] {
	const below = (dir: string): string[] => {
		let children: string[] = [];
		try {
			children = fs.readdirSync(dir, {withFileTypes: true}).filter((entry) => entry.isDirectory()).map((entry) => path.join(dir, entry.name));
		} catch {
			return [];
		}
		return [...children.flatMap(below), ...children];
	};
	const dirs: string[] = [];
	for (const hierarchy of hierarchyNames) {
		const topDir = path.join(cgroupFs, hierarchy, top);
		if (fs.existsSync(topDir)) dirs.push(...below(topDir), topDir);
	}
	return dirs;
}

function pidsIn(dir: string): number[] {
	try {
		return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

function killPids(pids: Iterable<number>): void {
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
}

async function waitAllGone(pids: readonly number[], timeoutMs: number, what: string): Promise<void> {
	let left = pids;
	await waitFor(() => (left = left.filter(isAlive)).length === 0, timeoutMs, `${what} (${left.length} left, e.g. ${left.slice(0, 5).join(' ')})`, 50);
}

async function removeCgroups(hierarchyNames: readonly string[], top: string): Promise<void> {
	for (const dir of cgroupDirs(hierarchyNames, top)) {
		await removeCgroupDirectory(dir, 15_000, 50);
	}
}

/** The bench run id of a process, from its environment; null when it has none. */
function markerOf(pid: string): string | null {
	try {
		const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
		const start = environ.indexOf(`${markerVariable}=`);
		if (start < 0) return null;
		const end = environ.indexOf('\0', start);
		return environ.slice(start + markerVariable.length + 1, end < 0 ? undefined : end);
	} catch {
		return null;
	}
}

function ownerAlive(runId: string): boolean {
	return isAlive(Number(runId.split('-')[0]));
}

/** Processes that carry a run id in their environment, by run id. */
function markedProcesses(): Map<string, number[]> {
	const byRun = new Map<string, number[]>();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const runId = markerOf(entry);
		if (runId === null) continue;
		byRun.set(runId, [...(byRun.get(runId) ?? []), Number(entry)]);
	}
	return byRun;
}

/**
 * Removes what an earlier run left when it was killed before cleaning up (its owner pid is gone): its
 * processes (found by the run id in their environment and in its cgroups) and its cgroups.
 */
export async function removeStaleRuns(): Promise<string[]> {
	const removed: string[] = [];
	const names = v1Hierarchies();
	for (const [runId, pids] of markedProcesses()) {
		if (ownerAlive(runId)) continue;
		killPids(pids);
		await waitAllGone(pids, 10_000, `stale run ${runId}'s processes to exit`);
		removed.push(`${pids.length} processes of run ${runId}`);
	}
	for (const hierarchy of names) {
		let entries: string[] = [];
		try {
			entries = fs.readdirSync(path.join(cgroupFs, hierarchy));
		} catch {
			continue;
		}
		for (const entry of entries) {
			if (!entry.startsWith(namePrefix) || ownerAlive(entry.slice(namePrefix.length))) continue;
			const stale = cgroupDirs([hierarchy], entry).flatMap(pidsIn);
			killPids(stale);
			await waitAllGone(stale, 10_000, `stale processes in ${entry}`);
			await removeCgroups([hierarchy], entry);
			removed.push(`${hierarchy}/${entry}`);
		}
	}
	return removed;
}

/** Processes of this run still alive (for the report that cleanup left nothing). */
export function leftovers(runId: string): number {
	return (markedProcesses().get(runId) ?? []).filter(isAlive).length;
}

/** Starts the population; everything it made is undone by `cleanup` (also registered with onCleanup). */
export async function startPopulation(options: PopulationOptions): Promise<Population> {
	const started = performance.now();
	const {size, cgroups = 100, groupSize = 5, kinds = groupKinds, pods = 0, forkLoops = 0, forkLoopsInPods = false} = options;
	const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
	const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
	const hierarchyNames = v1Hierarchies();
	const withCgroups = (pods > 0 || cgroups > 0) && hierarchyNames.includes('memory');
	if (!withCgroups && (pods > 0 || cgroups > 0)) log('no v1 memory hierarchy: the population gets no cgroups (a v2 population is not written yet)');
	const top = `${namePrefix}${runId}`;
	const pids: number[] = [];
	const wrappers: number[] = [];
	const hostPids: number[] = [];
	const groupPids = new Map<number, number[]>();
	let shell: ChildProcess | null = null;
	let shellExited: Promise<void> = Promise.resolve();

	const cleanup = async () => {
		// The sleepers first: their shell reaps them, and the unshare wrappers exit once their child is gone.
		killPids(pids);
		await waitAllGone(pids, 30_000, 'the population to exit');
		killPids(wrappers.filter(isAlive));
		await waitAllGone(wrappers, 10_000, 'the unshare wrappers and fork loops to exit');
		// The last `sleep 1` of each fork loop outlives it by up to a second.
		if (forkLoops > 0) await waitFor(() => leftovers(runId) === 0, 5000, 'the fork loops\' last sleeps', 50).catch(() => undefined);
		if (shell && shell.exitCode === null && shell.signalCode === null) {
			await Promise.race([shellExited, sleep(5000)]);
			if (shell.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
			await shellExited;
		}
		if (withCgroups) {
			// Anything still in the run's cgroups was forked by the run's shell.
			const stray = cgroupDirs(hierarchyNames, top).flatMap(pidsIn);
			killPids(stray);
			await waitAllGone(stray, 10_000, 'stray processes in the bench cgroups');
			await removeCgroups(hierarchyNames, top);
		}
		const left = leftovers(runId);
		if (left > 0) throw new Error(`${left} processes of run ${runId} are still alive after cleanup`);
	};
	const forget = options.onCleanup?.(`the population of ${size}`, cleanup) ?? (() => undefined);

	try {
		const {lines, groups, groupKinds: kindOfGroup, groupedProcesses, processesInCgroups} = pods > 0 ? podsPlan(size, pods, forkLoops, forkLoopsInPods, withCgroups) : plan(size, cgroups, groupSize, kinds, withCgroups);
		if (pods > 0) createPodCgroups(hierarchyNames, top, pods);
		else if (withCgroups) await createCgroups(hierarchyNames, top, cgroups);
		const body = `${script}\n${lines.join('\n')}\necho ready\nwait\n`;
		const hierarchyDirs = hierarchyNames.map((name) => path.join(cgroupFs, name, top)).join(' ');
		// Its own session: a Ctrl-C at the terminal reaches the bench, which cleans up, not the sleepers.
		shell = spawn('/bin/sh', ['-c', body, 'sh', hierarchyDirs], {
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
			env: {...process.env, [markerVariable]: runId},
		});
		const child = shell;
		shellExited = new Promise((resolve) => child.once('exit', () => resolve()));
		let stderr = '';
		let failure: string | null = null;
		let ready = false;
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		forEachLine(child.stdout!, (line) => {
			const [kind, value, group] = line.split(' ');
			if (kind === 'p') {
				pids.push(Number(value));
				if (group === undefined) hostPids.push(Number(value));
				else if (groupPids.has(Number(group))) groupPids.get(Number(group))!.push(Number(value));
				else groupPids.set(Number(group), [Number(value)]);
			} else if (kind === 'w') wrappers.push(Number(value));
			else if (kind === 'ready') ready = true;
			else if (kind === 'fail') failure = line.slice(5);
		});
		await waitFor(
			() => {
				if (failure !== null) throw new Error(`starting the population failed: ${failure} ${stderr}`);
				if (child.exitCode !== null) throw new Error(`the population shell exited ${child.exitCode}: ${stderr}`);
				return ready;
			},
			60_000 + size * 10,
			`${size} processes to start`,
			20,
		);
		// Every process has exec'd sleep (or, for wrappers, forked) before its pid was printed? Not quite:
		// host sleepers are printed at fork. Wait until each runs sleep, so the first scan sees final comms.
		// Each poll reads only the comms not yet seen, and the wait grows with the population, for a busy machine.
		const runsSleep = (pid: number) => {
			try {
				return fs.readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n';
			} catch {
				return false;
			}
		};
		let unseen = pids;
		await waitFor(() => (unseen = unseen.filter((pid) => !runsSleep(pid))).length === 0, 30_000 + size * 10, 'every sleeper to exec sleep', 50);
		const namespaceGroups = await Promise.all(
			kindOfGroup.map(async (kind, index) => {
				const members = groupPids.get(index) ?? [];
				return {kind, pids: members, namespaces: await readNamespaces(members[0])};
			}),
		);
		let cleaning: Promise<void> | undefined;
		return {
			runId,
			size: pids.length + wrappers.length,
			pids,
			wrappers,
			hostPids,
			groups,
			namespaceGroups,
			groupedProcesses,
			cgroupTop: withCgroups ? `/${top}` : null,
			cgroups: pods > 0 ? pods * 4 : withCgroups ? cgroups : 0,
			pods,
			forkLoops,
			processesInCgroups,
			buildMs: performance.now() - started,
			// Once: a second kill could hit a reused pid.
			cleanup: () => (cleaning ??= (async () => {
				forget();
				await cleanup();
			})()),
		};
	} catch (error) {
		forget();
		await cleanup().catch((cleanupError: unknown) => log(`cleanup after a failed start failed too: ${String(cleanupError)}`));
		throw error;
	}
}
