/**
 * podtop on real cgroup v2, which the hybrid host cannot give: one VM boot (test/vm/harness.ts) runs
 * cgroup-v2-rig.sh, which builds a pod (infra, a CPU-throttled busy loop, a process over memory.high)
 * and a container OOM-killed at memory.max, dumps the kernel's cgroup files before and after running
 * `podtop --once --json`, and prints it all. The tests compare podtop's JSON to what the kernel said:
 * limits exactly, counters between their values before and after podtop ran, and the gauges of idle
 * cgroups exactly when the kernel's value did not move meanwhile.
 */
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';
import {before, describe, test} from 'node:test';
import type {PodtopJson} from '../helpers/podtop.js';
import {requireOrSkip} from '../helpers/require.js';
import {vmAvailable} from './harness.js';
import {rigValues, runVmRig, type RigOutput} from './rig-run.js';

const available = vmAvailable();
const rigScript = fileURLToPath(new URL('cgroup-v2-rig.sh', import.meta.url));
const MiB = 1024 * 1024;
const cgroupRoot = '/sys/fs/cgroup';

const cg = {
	base: '/podtop-v2',
	pod: '/podtop-v2/pod',
	infra: '/podtop-v2/pod/infra',
	app1: '/podtop-v2/pod/app1',
	app2: '/podtop-v2/pod/app2',
	oom: '/podtop-v2/oom',
	victim: '/podtop-v2/oom/victim',
} as const;
/** Cgroups where no process allocates or forks: their gauges hold still unless the kernel moves them. */
const quietCgroups: readonly string[] = [cg.infra, cg.app1, cg.victim];

type Phase = 'before' | 'after';
type JsonPod = PodtopJson['pods'][number];
type JsonContainer = JsonPod['containers'][number];
type JsonGauges = Pick<JsonContainer, 'memory' | 'cpu' | 'pids'>;
type NamespaceInodes = JsonContainer['namespaces'];

type Rig = {
	pids: {infra: number; app1: number; app2: number; victim: number};
	/** Namespace inodes by pid, read with stat -L in the VM (PID 1 holds the host's). */
	namespaces: Map<number, Record<string, number>>;
	/** Lines of each cgroup file, by `${phase} ${cgroup} ${file}`. */
	files: Map<string, string[]>;
	json: PodtopJson;
	/** The rig's progress, seconds since boot, and the host's wall time for the whole VM run. */
	timeline: string[];
};

function parseRig({stdout, stderr, timeline}: RigOutput): Rig {
	const begin = stdout.indexOf('--- podtop json begin\n');
	const end = stdout.indexOf('--- podtop json end');
	assert.ok(begin >= 0 && end > begin, `no podtop JSON in the output:\n${stdout}\n${stderr}`);
	const set = rigValues(stdout);
	const namespaces = new Map<number, Record<string, number>>();
	const files = new Map<string, string[]>();
	let podtopStatus: number | undefined;
	for (const line of stdout.slice(0, begin).split('\n')) {
		const fields = line.split(' ');
		if (fields[0] === 'ns') {
			const [, , pid, , type] = fields[1].split('/'); // /proc/<pid>/ns/<type>
			let inodes = namespaces.get(Number(pid));
			if (!inodes) namespaces.set(Number(pid), (inodes = {}));
			inodes[type] = Number(fields[2]);
		} else if (fields[0] === 'file') {
			const filePath = fields[2].slice(cgroupRoot.length);
			const slash = filePath.lastIndexOf('/');
			const key = `${fields[1]} ${filePath.slice(0, slash)} ${filePath.slice(slash + 1)}`;
			let lines = files.get(key);
			if (!lines) files.set(key, (lines = []));
			lines.push(fields.slice(3).join(' '));
		} else if (fields[0] === 'podtop-status') {
			podtopStatus = Number(fields[1]);
		}
	}
	assert.equal(podtopStatus, 0, `podtop --once --json failed in the VM:\n${stderr}`);
	const pid = (name: string) => {
		const value = Number(set.get(`pid.${name}`));
		assert.ok(Number.isInteger(value) && value > 1, `the rig printed no pid for ${name}`);
		return value;
	};
	return {
		pids: {infra: pid('infra'), app1: pid('app1'), app2: pid('app2'), victim: pid('victim')},
		namespaces,
		files,
		json: JSON.parse(stdout.slice(begin + '--- podtop json begin\n'.length, end)) as PodtopJson,
		timeline,
	};
}

async function runRig(): Promise<Rig> {
	return parseRig(await runVmRig(rigScript));
}

/** The kernel's view, from the rig's dump of the cgroup files. */
class Kernel {
	constructor(private readonly files: Map<string, string[]>) {}

	lines(phase: Phase, cgroup: string, file: string): string[] {
		const lines = this.files.get(`${phase} ${cgroup} ${file}`);
		assert.ok(lines, `the rig dumped no ${cgroup}/${file} (${phase})`);
		return lines;
	}

	/** A one-value file; null for "max". */
	value(phase: Phase, cgroup: string, file: string): number | null {
		const [line] = this.lines(phase, cgroup, file);
		return line === 'max' ? null : Number(line);
	}

	/** A key of a flat keyed file (memory.events, memory.stat, cpu.stat). */
	keyed(phase: Phase, cgroup: string, file: string, key: string): number {
		const line = this.lines(phase, cgroup, file).find((candidate) => candidate.split(' ')[0] === key);
		assert.ok(line, `no ${key} in ${cgroup}/${file} (${phase})`);
		return Number(line.split(' ')[1]);
	}

	/** A line of a PSI file, as numbers by field name; undefined when the file has no such line. */
	pressure(phase: Phase, cgroup: string, file: string, kind: 'some' | 'full'): Record<string, number> | undefined {
		const line = this.lines(phase, cgroup, file).find((candidate) => candidate.startsWith(`${kind} `));
		if (!line) return undefined;
		return Object.fromEntries(line.split(' ').slice(1).map((field) => {
			const [name, value] = field.split('=');
			return [name, Number(value)];
		}));
	}

	/** A limit file that must read the same before and after podtop: a limit nobody changed. */
	limit(cgroup: string, file: string): number | null {
		const value = this.value('before', cgroup, file);
		assert.equal(this.value('after', cgroup, file), value, `${cgroup}/${file} changed while podtop ran`);
		return value;
	}

	/** The smallest limit up the ancestors that the rig dumped (the root has none), and where it is. */
	effectiveLimit(cgroup: string, file: string): {value: number | null; at: string | null} {
		let best: {value: number | null; at: string | null} = {value: null, at: null};
		for (let current = cgroup; current.startsWith(cg.base); current = current.slice(0, current.lastIndexOf('/'))) {
			const value = this.limit(current, file);
			if (value !== null && (best.value === null || value < best.value)) best = {value, at: current};
		}
		return best;
	}
}

/** A monotonic kernel counter: what podtop read must lie between the kernel's value before and after. */
function assertBetween(actual: number | null | undefined, read: (phase: Phase) => number, what: string): void {
	const low = read('before');
	const high = read('after');
	assert.ok(typeof actual === 'number', `${what}: podtop reports ${actual}, the kernel ${low} before and ${high} after`);
	assert.ok(low <= actual && actual <= high, `${what}: podtop reports ${actual}, outside the kernel's ${low} (before) .. ${high} (after)`);
}

/** A gauge: where the kernel's value held still while podtop ran, podtop must report exactly it. */
function assertSteady(actual: number | null | undefined, read: (phase: Phase) => number, what: string): boolean {
	const value = read('before');
	if (read('after') !== value) return false;
	assert.equal(actual, value, `${what}: the kernel said ${value} before and after podtop`);
	return true;
}

function findPod(json: PodtopJson, cgroup: string): JsonPod {
	const pods = json.pods.filter((pod) => pod.cgroup === cgroup);
	assert.equal(pods.length, 1, `pods with cgroup ${cgroup}: ${JSON.stringify(json.pods.map((pod) => [pod.name, pod.cgroup]))}`);
	return pods[0];
}

function findContainer(json: PodtopJson, cgroup: string): JsonContainer {
	const containers = json.pods.flatMap((pod) => pod.containers).filter((container) => container.cgroup === cgroup);
	assert.equal(containers.length, 1, `containers with cgroup ${cgroup}`);
	return containers[0];
}

/** The container or pod gauges that podtop reports for each cgroup the rig made. */
function gaugesByCgroup(json: PodtopJson): [string, JsonGauges][] {
	const pod = findPod(json, cg.pod);
	assert.ok(pod.memory && pod.cpu && pod.pids, 'the pod has its own cgroup, so its own gauges');
	const podGauges: JsonGauges = {memory: pod.memory, cpu: pod.cpu, pids: pod.pids};
	return [[cg.pod, podGauges], ...[cg.infra, cg.app1, cg.app2, cg.victim].map((cgroup): [string, JsonGauges] => [cgroup, findContainer(json, cgroup)])];
}

/** The namespaces podtop reports, as the VM's /proc/<pid>/ns links showed them. */
function expectedNamespaces(rig: Rig, pid: number): NamespaceInodes {
	const inodes = rig.namespaces.get(pid);
	assert.ok(inodes, `the rig printed no namespaces of pid ${pid}`);
	const {cgroup, ipc, mnt, net, pid: pidNs, pid_for_children, time, user, uts} = inodes;
	return {cgroup, ipc, mnt, net, pid: pidNs, pid_for_children, time, user, uts};
}

/** Namespace types in which some non-infra container is in PID 1's namespace. */
function expectedHostShared(rig: Rig, pids: number[]): string[] {
	const host = expectedNamespaces(rig, 1);
	const types = ['net', 'ipc', 'uts', 'pid', 'user', 'cgroup', 'time'] as const;
	return types.filter((type) => pids.some((pid) => expectedNamespaces(rig, pid)[type] === host[type])).sort();
}

describe('podtop on real cgroup v2 (one VM boot)', {timeout: 200_000}, () => {
	let rig: Rig;
	let kernel: Kernel;

	before(async () => {
		if (!available.ok) return;
		rig = await runRig();
		kernel = new Kernel(rig.files);
	}, {timeout: 190_000});

	test('runs podtop --once --json in the VM and sees cgroup v2 and the host namespaces', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		for (const line of rig.timeline) t.diagnostic(line);
		const {host, counts, problems} = rig.json;
		assert.equal(host.cgroupMode, 'v2');
		assert.equal(host.hostNamespaceSource, '/proc/1');
		assert.deepEqual(host.namespaces, expectedNamespaces(rig, 1));
		assert.equal(problems.noCgroupfs, false);
		assert.equal(problems.unreadableNamespaces, 0);
		assert.equal(problems.runningAsRoot, true);
		// The pod and the OOM victim; nothing else in the VM runs in namespaces of its own.
		assert.deepEqual({pods: counts.pods, containers: counts.containers}, {pods: 2, containers: 4});
	});

	test('infers the pod from its cgroup and namespaces: infra first, then app1 and app2, one process each', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const pod = findPod(rig.json, cg.pod);
		assert.equal(pod.id, cg.pod);
		assert.equal(pod.name, 'pod');
		assert.equal(pod.infra, cg.infra);
		const expected = [
			{name: 'infra', infra: true, cgroup: cg.infra, pid: rig.pids.infra, comm: 'catatonit'},
			{name: 'app1', infra: false, cgroup: cg.app1, pid: rig.pids.app1, comm: 'sh'},
			{name: 'app2', infra: false, cgroup: cg.app2, pid: rig.pids.app2, comm: 'perl'},
		];
		assert.deepEqual(
			pod.containers.map((container) => ({
				name: container.name,
				infra: container.infra,
				cgroup: container.cgroup,
				pid: container.processes.map((process) => process.pid).join(','),
				comm: container.processes.map((process) => process.comm).join(','),
			})),
			expected.map((container) => ({...container, pid: String(container.pid)})),
		);
		for (const {cgroup, pid} of expected) {
			const container = findContainer(rig.json, cgroup);
			assert.equal(container.id, cgroup);
			assert.deepEqual(container.cgroups, {memory: cgroup, cpu: cgroup, cpuacct: cgroup, pids: cgroup}, 'v2: one path for every controller');
			assert.deepEqual(container.namespaces, expectedNamespaces(rig, pid), `namespaces of ${cgroup} (pid ${pid})`);
		}
	});

	test('shares net, ipc and uts in the pod but not pid, and lists what the containers share with the host', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const pod = findPod(rig.json, cg.pod);
		const {infra, app1, app2} = rig.pids;
		const inodes = [infra, app1, app2].map((pid) => expectedNamespaces(rig, pid));
		const host = expectedNamespaces(rig, 1);
		// What the kernel says, so the expectation below is not just the rig's intent.
		for (const type of ['net', 'ipc', 'uts'] as const) {
			assert.ok(inodes.every((entry) => entry[type] === inodes[0][type]) && inodes[0][type] !== host[type], `${type} is shared in the VM`);
		}
		assert.equal(new Set(inodes.map((entry) => entry.pid)).size, 3, 'each container has its own pid namespace in the VM');
		assert.deepEqual(pod.shared, {net: true, ipc: true, uts: true, pid: false});
		assert.deepEqual([...pod.hostShared].sort(), expectedHostShared(rig, [app1, app2]));

		// The namespace table (lsns): the pod's shared namespaces hold its three processes, owned by the lowest pid.
		for (const type of ['net', 'ipc', 'uts'] as const) {
			const entry = rig.json.namespaces.find((candidate) => candidate.type === type && candidate.inode === inodes[0][type]);
			assert.deepEqual(entry, {type, inode: inodes[0][type], processes: 3, owner: Math.min(infra, app1, app2), host: false});
		}
	});

	test('reads memory.max and memory.high, and the effective limit as the smallest up the ancestors', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		// The limits the rig set, as the kernel reads them back.
		assert.equal(kernel.limit(cg.pod, 'memory.max'), 256 * MiB);
		assert.equal(kernel.limit(cg.app1, 'memory.max'), 64 * MiB);
		assert.equal(kernel.limit(cg.app2, 'memory.high'), 8 * MiB);
		assert.equal(kernel.limit(cg.victim, 'memory.max'), 32 * MiB);
		for (const [cgroup, gauges] of gaugesByCgroup(rig.json)) {
			const effective = kernel.effectiveLimit(cgroup, 'memory.max');
			assert.deepEqual(
				{max: gauges.memory.max, high: gauges.memory.high, effectiveMax: gauges.memory.effectiveMax, effectiveMaxCgroup: gauges.memory.effectiveMaxCgroup},
				{max: kernel.limit(cgroup, 'memory.max'), high: kernel.limit(cgroup, 'memory.high'), effectiveMax: effective.value, effectiveMaxCgroup: effective.at},
				cgroup,
			);
		}
		const app1 = findContainer(rig.json, cg.app1).memory;
		const app2 = findContainer(rig.json, cg.app2).memory;
		assert.deepEqual([app1.max, app1.effectiveMax, app1.effectiveMaxCgroup], [64 * MiB, 64 * MiB, cg.app1]);
		assert.deepEqual([app2.max, app2.effectiveMax, app2.effectiveMaxCgroup, app2.high], [null, 256 * MiB, cg.pod, 8 * MiB]);
	});

	test('reads memory.current, workingSet, peak and memory.stat as the kernel has them', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const statKeys = {anon: 'anon', file: 'file', kernel: 'kernel', sock: 'sock', shmem: 'shmem', inactiveFile: 'inactive_file'} as const;
		let steadyChecks = 0;
		for (const [cgroup, {memory}] of gaugesByCgroup(rig.json)) {
			assert.ok(memory.current !== null && memory.current > 0, `${cgroup}: memory.current ${memory.current}`);
			assert.ok(memory.peak !== null, `${cgroup}: memory.peak`);
			assertBetween(memory.peak, (phase) => kernel.value(phase, cgroup, 'memory.peak')!, `${cgroup} memory.peak`);
			assert.ok(memory.current <= memory.peak, `${cgroup}: current ${memory.current} > peak ${memory.peak}`);
			assert.ok(memory.workingSet !== null, `${cgroup}: workingSet`);
			assert.ok(memory.stat.inactiveFile !== null, `${cgroup}: inactive_file`);
			assert.equal(memory.workingSet, Math.max(0, memory.current - memory.stat.inactiveFile), `${cgroup}: workingSet = current - inactive_file`);
			assert.ok(memory.workingSet <= memory.current, `${cgroup}: workingSet ${memory.workingSet} > current ${memory.current}`);
			// v1-only fields stay unknown on v2.
			assert.deepEqual([memory.failcnt, memory.underOom], [null, null], cgroup);
			for (const [field, key] of Object.entries(statKeys)) {
				assert.ok(memory.stat[field as keyof typeof statKeys] !== null, `${cgroup}: memory.stat ${key}`);
			}
			if (!quietCgroups.includes(cgroup)) continue;
			if (assertSteady(memory.current, (phase) => kernel.value(phase, cgroup, 'memory.current')!, `${cgroup} memory.current`)) steadyChecks++;
			for (const [field, key] of Object.entries(statKeys)) {
				const what = `${cgroup} memory.stat ${key}`;
				if (assertSteady(memory.stat[field as keyof typeof statKeys], (phase) => kernel.keyed(phase, cgroup, 'memory.stat', key), what)) steadyChecks++;
			}
		}
		// The idle cgroups' files do hold still: most of these comparisons must have been made.
		assert.ok(steadyChecks >= 12, `only ${steadyChecks} steady gauges to compare`);
	});

	test('reads the 0.2-core quota of app1 and the throttling of its busy loop', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const [quota, period] = kernel.lines('before', cg.app1, 'cpu.max')[0].split(' ').map(Number);
		assert.deepEqual([quota, period], [20_000, 100_000]);
		const cpu = findContainer(rig.json, cg.app1).cpu;
		assert.equal(cpu.quotaCores, quota / period);
		assert.ok(kernel.keyed('before', cg.app1, 'cpu.stat', 'nr_throttled') > 0, 'the kernel throttled the busy loop');
		assert.ok(cpu.nrThrottled !== null && cpu.nrThrottled > 0, `nrThrottled ${cpu.nrThrottled}`);
		assert.ok(cpu.throttledUsec !== null && cpu.throttledUsec > 0, `throttledUsec ${cpu.throttledUsec}`);
		assert.ok(cpu.usageUsec !== null && cpu.usageUsec > 0, `usageUsec ${cpu.usageUsec}`);
		// A busy loop held to 0.2 core: some CPU, and no more than the quota (plus one period of slack).
		assert.ok(cpu.percent !== null && cpu.percent > 0 && cpu.percent <= 25, `percent ${cpu.percent}`);

		for (const [cgroup, gauges] of gaugesByCgroup(rig.json)) {
			const quotaLine = kernel.lines('before', cgroup, 'cpu.max')[0].split(' ');
			assert.equal(gauges.cpu.quotaCores, quotaLine[0] === 'max' ? null : Number(quotaLine[0]) / Number(quotaLine[1]), `${cgroup} quotaCores`);
			for (const [field, key] of [['usageUsec', 'usage_usec'], ['nrThrottled', 'nr_throttled'], ['throttledUsec', 'throttled_usec']] as const) {
				assertBetween(gauges.cpu[field], (phase) => kernel.keyed(phase, cgroup, 'cpu.stat', key), `${cgroup} cpu.stat ${key}`);
			}
		}
	});

	test('reads pids.current, and as pids.max the smallest limit up the ancestors', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		assert.equal(kernel.limit(cg.pod, 'pids.max'), 64);
		assert.equal(kernel.limit(cg.app2, 'pids.max'), 16);
		assert.equal(kernel.limit(cg.app1, 'pids.max'), null);
		for (const [cgroup, {pids}] of gaugesByCgroup(rig.json)) {
			assert.equal(pids.max, kernel.effectiveLimit(cgroup, 'pids.max').value, `${cgroup} pids.max`);
			// Nothing in the rig forks after podtop starts: pids.current holds still.
			assert.ok(assertSteady(pids.current, (phase) => kernel.value(phase, cgroup, 'pids.current')!, `${cgroup} pids.current`), `${cgroup} pids.current moved`);
		}
		const pod = findPod(rig.json, cg.pod);
		assert.deepEqual(pod.pids, {current: 3, max: 64});
		assert.deepEqual(
			pod.containers.map((container) => [container.name, container.pids]),
			[
				['infra', {current: 1, max: 64}],
				['app1', {current: 1, max: 64}],
				['app2', {current: 1, max: 16}],
			],
		);
		assert.deepEqual(findContainer(rig.json, cg.victim).pids, {current: 1, max: null});
	});

	test('counts memory.events for every cgroup, and app2 going over memory.high', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		for (const [cgroup, {memory}] of gaugesByCgroup(rig.json)) {
			for (const [field, key] of [['max', 'max'], ['oom', 'oom'], ['oomKill', 'oom_kill'], ['high', 'high']] as const) {
				assertBetween(memory.events[field], (phase) => kernel.keyed(phase, cgroup, 'memory.events', key), `${cgroup} memory.events ${key}`);
			}
		}
		const app2 = findContainer(rig.json, cg.app2).memory;
		assert.ok(app2.events.high !== null && app2.events.high > 0, `app2 memory.events high ${app2.events.high}`);
		assert.deepEqual([app2.events.max, app2.events.oom, app2.events.oomKill], [0, 0, 0]);
		// The pod's events count its children's: app2's high events show there too.
		const pod = findPod(rig.json, cg.pod);
		assert.ok(pod.memory?.events.high != null && pod.memory.events.high > 0, `pod memory.events high ${pod.memory?.events.high}`);
	});

	test('reads memory and CPU pressure (PSI) of the pod and every container', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		for (const [cgroup, gauges] of gaugesByCgroup(rig.json)) {
			for (const [file, pressure] of [['memory.pressure', gauges.memory.pressure], ['cpu.pressure', gauges.cpu.pressure]] as const) {
				const what = `${cgroup} ${file}`;
				assert.ok(pressure, `${what} is null`);
				assertBetween(pressure.someTotalUsec, (phase) => kernel.pressure(phase, cgroup, file, 'some')!.total, `${what} some total`);
				for (const average of [pressure.someAvg10, pressure.someAvg60]) assert.ok(average >= 0 && average <= 100, `${what}: ${average}`);
				const full = kernel.pressure('before', cgroup, file, 'full');
				assert.equal(pressure.fullAvg10 !== null, full !== undefined, `${what}: a full line exactly where the kernel has one`);
			}
		}
		// app2 stalls on memory.high, app1 waits for CPU behind its quota.
		const app2 = findContainer(rig.json, cg.app2).memory.pressure!;
		assert.ok(app2.someTotalUsec > 0, `app2 memory some total ${app2.someTotalUsec}`);
		const app1 = findContainer(rig.json, cg.app1).cpu.pressure!;
		assert.ok(app1.someTotalUsec > 0, `app1 cpu some total ${app1.someTotalUsec}`);
	});

	test(
		'reports PSI averages as the kernel prints them, with two decimals',
		(t) => {
			if (!requireOrSkip(t, available.ok, available.reason)) return;
			const averages: [string, number][] = [];
			for (const [cgroup, gauges] of gaugesByCgroup(rig.json)) {
				for (const [file, pressure] of [['memory.pressure', gauges.memory.pressure], ['cpu.pressure', gauges.cpu.pressure]] as const) {
					const values: (number | null)[] = pressure ? [pressure.someAvg10, pressure.someAvg60, pressure.fullAvg10, pressure.fullAvg60] : [];
					for (const value of values) if (value !== null) averages.push([`${cgroup} ${file}`, value]);
				}
			}
			assert.ok(averages.length >= 20, `${averages.length} averages`);
			// The kernel prints "%lu.%02lu": every value is the double nearest a two-decimal number.
			const inexact = averages.filter(([, value]) => Number(value.toFixed(2)) !== value);
			assert.deepEqual(inexact, []);
		},
	);

	describe('a container that hits memory.max', () => {
		test('is a pod of one container whose main process outlived the OOM kill', (t) => {
			if (!requireOrSkip(t, available.ok, available.reason)) return;
			const pods = rig.json.pods.filter((pod) => pod.containers.some((container) => container.cgroup === cg.victim));
			assert.equal(pods.length, 1);
			const [pod] = pods;
			assert.equal(pod.containers.length, 1);
			const [victim] = pod.containers;
			assert.deepEqual([victim.name, victim.infra, victim.id], ['victim', false, cg.victim]);
			assert.deepEqual(victim.processes.map((process) => [process.pid, process.comm]), [[rig.pids.victim, 'sleep']]);
			assert.deepEqual(victim.namespaces, expectedNamespaces(rig, rig.pids.victim));
			assert.deepEqual(pod.shared, {net: false, ipc: false, uts: false, pid: false});
			assert.deepEqual([...pod.hostShared].sort(), expectedHostShared(rig, [rig.pids.victim]));
		});

		test('shows the OOM kill in memory.events and a peak at the limit', (t) => {
			if (!requireOrSkip(t, available.ok, available.reason)) return;
			const memory = findContainer(rig.json, cg.victim).memory;
			assert.equal(kernel.limit(cg.victim, 'memory.max'), 32 * MiB);
			assert.deepEqual([memory.max, memory.effectiveMax, memory.effectiveMaxCgroup], [32 * MiB, 32 * MiB, cg.victim]);
			assert.ok(memory.events.max !== null && memory.events.max > 0, `memory.events max ${memory.events.max}`);
			assert.ok(memory.events.oom !== null && memory.events.oom >= 1, `memory.events oom ${memory.events.oom}`);
			assert.ok(memory.events.oomKill !== null && memory.events.oomKill >= 1, `memory.events oom_kill ${memory.events.oomKill}`);
			for (const [field, key] of [['max', 'max'], ['oom', 'oom'], ['oomKill', 'oom_kill']] as const) {
				assertSteady(memory.events[field], (phase) => kernel.keyed(phase, cg.victim, 'memory.events', key), `victim memory.events ${key}`);
			}
			assert.ok(memory.peak !== null && memory.peak >= 30 * MiB && memory.peak <= 32 * MiB, `memory.peak ${memory.peak}`);
			assert.ok(assertSteady(memory.peak, (phase) => kernel.value(phase, cg.victim, 'memory.peak')!, 'victim memory.peak'), 'victim memory.peak moved');
			// After the kill, only the small shell-turned-sleep is left.
			assert.ok(memory.current !== null && memory.current < 8 * MiB, `memory.current ${memory.current}`);
		});
	});
});
