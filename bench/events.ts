import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {onCleanup} from './cleanup.js';
import {cliPath, log, sleep, waitFor} from './common.js';
import {summarize, type Summary} from './stats.js';

const namespaceTypes = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'user', 'uts'] as const;
const hostInodes: Record<(typeof namespaceTypes)[number], number> = {
	cgroup: 4026531835, ipc: 4026531839, mnt: 4026531841, net: 4026531840, pid: 4026531836,
	pid_for_children: 4026531836, time: 4026531834, user: 4026531837, uts: 4026531838,
};
const MiB = 1024 * 1024;
const pod = '/kubepods/burstable/pod0a0a0a0a-0000-4000-8000-00000000bench';
const container = `${pod}/${'b'.repeat(64)}`;

const memoryEvents = (max: number) => `low 0\nhigh 0\nmax ${max}\noom 0\noom_kill 0\noom_group_kill 0\n`;

function write(root: string, relative: string, content: string): void {
	const target = path.join(root, relative);
	fs.mkdirSync(path.dirname(target), {recursive: true});
	fs.writeFileSync(target, content);
}

function v2Cgroup(root: string, cgroupPath: string, current: number, max: number | 'max'): void {
	const files: Record<string, string> = {
		'cgroup.procs': '',
		'memory.current': `${current}\n`,
		'memory.max': `${max}\n`,
		'memory.high': 'max\n',
		'memory.peak': `${current}\n`,
		'memory.events': memoryEvents(0),
		'memory.stat': `anon ${current}\nfile 0\nkernel 4096\nsock 0\nshmem 0\ninactive_file 0\n`,
		'cpu.stat': 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
		'cpu.max': 'max 100000\n',
		'pids.current': '1\n',
		'pids.max': 'max\n',
	};
	for (const [name, content] of Object.entries(files)) write(root, path.join('cgroup', cgroupPath, name), content);
}

function addProcess(root: string, pid: number, comm: string, cgroup: string, namespaces: Partial<Record<(typeof namespaceTypes)[number], number>>, kernelThread = false): void {
	const flags = kernelThread ? 0x00200000 : 0;
	const fields = ['S', kernelThread ? 0 : 1, 0, 0, 0, 0, flags, 0, 0, 0, 0, 10, 5, 0, 0, 20, 0, 1, 0, 100 + pid, 1000, 100];
	write(root, `proc/${pid}/stat`, `${pid} (${comm}) ${fields.join(' ')} 0 0 0\n`);
	write(root, `proc/${pid}/cgroup`, cgroup);
	write(root, `proc/${pid}/cmdline`, kernelThread ? '' : `${comm}\0`);
	fs.mkdirSync(path.join(root, 'proc', String(pid), 'ns'), {recursive: true});
	for (const type of namespaceTypes) fs.symlinkSync(`${type}:[${namespaces[type] ?? hostInodes[type]}]`, path.join(root, 'proc', String(pid), 'ns', type));
}

/** A procfs and a cgroup v2 tree in a temp dir: one pod with one container under a 64 MiB memory.max. */
function makeFixture(): string {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-bench-events-'));
	write(root, 'proc/loadavg', '0.10 0.20 0.30 1/100 4242\n');
	write(root, 'proc/uptime', '1234.56 2000.00\n');
	write(root, 'proc/meminfo', 'MemTotal:       16000000 kB\nMemFree:         8000000 kB\nMemAvailable:   12000000 kB\n');
	write(root, 'proc/stat', 'cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\n');
	write(root, 'proc/sys/kernel/hostname', 'bench-fixture\n');
	write(root, 'proc/sys/kernel/osrelease', '6.1.0-fixture\n');
	write(root, 'cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids\n');
	write(root, 'cgroup/cgroup.procs', '');
	v2Cgroup(root, '/kubepods', 300 * MiB, 'max');
	v2Cgroup(root, '/kubepods/burstable', 200 * MiB, 'max');
	v2Cgroup(root, pod, 100 * MiB, 512 * MiB);
	v2Cgroup(root, container, 60 * MiB, 64 * MiB);
	addProcess(root, 2, 'kthreadd', '0::/\n', {}, true);
	addProcess(root, 200, 'app', `0::${container}\n`, {net: 4026532100, ipc: 4026532101, uts: 4026532102, pid: 4026532203, mnt: 4026532204});
	return root;
}

export type EventsResult = {
	changes: number;
	reported: number;
	latencyMs: Summary;
	intervalMs: number;
	note: string;
	/** Real cgroups: how long the observer's reads were apart; a change happened within the gap before the read that saw it. */
	observerGapMs?: Summary;
	/**
	 * Real cgroups: the latency taken from the observer's read before the one that saw the change (latencyMs is
	 * taken from the read that saw it). The change happened between the two reads: the true latency lies between.
	 */
	latencyFromReadBeforeMs?: Summary;
	/** v1: whether every change was reported within one interval. */
	withinInterval?: boolean;
	/** The machine's CPU use in the second before this part (after waiting for a quiet machine), in % of all CPUs. */
	busyPercentBefore?: number;
};
/** A part of the events phase that could not run here, and why. */
export type EventsSkipped = {skipped: string};
export type EventsResults = {fixture: EventsResult; vm: EventsResult | EventsSkipped; v1: EventsResult | EventsSkipped};

/** What an independent observer saw: a read of the counters that differed from the read before it. */
export type ObservedChange = {at: number; previousAt: number; counters: Record<string, number>};
/** A line of `podtop events --json`, stamped when it arrived. */
export type ArrivedLine = {at: number; kind: string; cgroup: string; value: number | null};

/**
 * Pairs each change the observer saw (a read after its first, the state before, in which a counter of
 * kindOfCounter rose) with the first line that
 * reports it: for a counter that rose in that change, the line of its event kind with at least the new
 * value. Latency: the line's arrival minus the observer's read that saw the change (a lower bound), and minus
 * the read before it (an upper bound). A negative latency means the observer was held up longer than podtop.
 */
export function matchChanges(observed: readonly ObservedChange[], lines: readonly ArrivedLine[], cgroup: string, kindOfCounter: Record<string, string>) {
	const latencies: number[] = [];
	const fromReadBefore: number[] = [];
	const gaps: number[] = [];
	let changes = 0;
	for (let index = 1; index < observed.length; index++) {
		const change = observed[index];
		const before = observed[index - 1].counters;
		const rose = Object.entries(kindOfCounter).filter(([counter]) => change.counters[counter] > before[counter]);
		if (rose.length === 0) continue;
		changes++;
		gaps.push(change.at - change.previousAt);
		const reportedAt = rose
			.map(([counter, kind]) => lines.find((line) => line.cgroup === cgroup && line.kind === kind && (line.value ?? -1) >= change.counters[counter])?.at)
			.filter((at) => at !== undefined);
		if (reportedAt.length === 0) continue;
		latencies.push(Math.min(...reportedAt) - change.at);
		fromReadBefore.push(Math.min(...reportedAt) - change.previousAt);
	}
	return {changes, reported: latencies.length, latencyMs: summarize(latencies), latencyFromReadBeforeMs: summarize(fromReadBefore), observerGapMs: summarize(gaps)};
}

/**
 * `podtop events --json` (the built CLI, a child process, as a user runs it) on a cgroup v2 fixture tree,
 * with a refresh interval of an hour: each event can only come from the memory.events watch. The container's
 * `max` counter is raised in place (no truncation, as the kernel changes the file) and the time until its
 * NDJSON line arrives on the pipe is taken.
 */
export async function measureEvents(changes: number, gapMs = 150): Promise<EventsResult> {
	const root = makeFixture();
	const forget = onCleanup('the events fixture', () => fs.rmSync(root, {recursive: true, force: true}));
	const intervalMs = 3_600_000;
	const child = spawn(process.execPath, [cliPath, 'events', '--json', '--interval', String(intervalMs), '--proc', path.join(root, 'proc'), '--cgroup', path.join(root, 'cgroup')], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const forgetChild = onCleanup('podtop events', () => {
		child.kill('SIGKILL');
	});
	let stderr = '';
	let pending = '';
	const arrivals: {at: number; value: unknown; kind: unknown}[] = [];
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	child.stdout.on('data', (chunk: Buffer) => {
		const at = performance.now();
		pending += chunk.toString();
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			const event = JSON.parse(line) as {kind: unknown; value: unknown};
			arrivals.push({at, value: event.value, kind: event.kind});
		}
	});
	try {
		await waitFor(() => stderr.includes('\n'), 20_000, 'podtop events\' status line');
		if (!stderr.includes('watching v2 memory.events')) throw new Error(`podtop events does not watch the fixture: ${stderr}`);
		await sleep(1000); // chokidar sets its fs.watch up asynchronously
		const eventsFile = path.join(root, 'cgroup', container, 'memory.events');
		const latencies: number[] = [];
		for (let change = 1; change <= changes; change++) {
			const descriptor = fs.openSync(eventsFile, 'r+');
			const started = performance.now();
			fs.writeSync(descriptor, memoryEvents(change), 0);
			fs.closeSync(descriptor);
			try {
				const arrival = await waitFor(() => arrivals.find((event) => event.kind === 'memory.max' && event.value === change), 5000, `the event of change ${change}`, 1);
				latencies.push(arrival.at - started);
			} catch {
				log(`events: change ${change} was not reported within 5 s`);
			}
			await sleep(gapMs);
		}
		return {
			changes,
			reported: latencies.length,
			latencyMs: summarize(latencies),
			intervalMs,
			note: 'cgroup v2 fixture tree in a temp dir (inotify on a regular file), its memory.events rewritten in place; times in the bench process from the write to the line',
		};
	} finally {
		forgetChild();
		child.kill('SIGTERM');
		await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
		forget();
		fs.rmSync(root, {recursive: true, force: true});
	}
}
