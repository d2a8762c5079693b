/**
 * OOM kills on real cgroup v2 (test/vm/harness.ts): one VM boot runs oom-v2-rig.sh, which builds three pods
 * and kills in each: one at a container's memory.max BEFORE podtop starts, a group kill (memory.oom.group=1)
 * of a container's four processes, and a kill by the pod's memory.max of a process in a container with no
 * limit of its own. podtop's `--once --json` (before and after) and `events --json --since-boot` are checked
 * against what the rig read from the kernel itself: memory.events, memory.max, the pids it started, the
 * kernel log's OOM lines.
 */
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';
import {before, describe, test} from 'node:test';
import type {eventToJson, pastEventsToJson} from '../../source/output/event-lines.js';
import type {PodtopJson} from '../helpers/podtop.js';
import {requireOrSkip} from '../helpers/require.js';
import {vmAvailable} from './harness.js';
import {between, ndjsonBetween, rigCounters, rigNumber, rigValues, runVmRig, type RigOutput} from './rig-run.js';

const available = vmAvailable();
const rigScript = fileURLToPath(new URL('oom-v2-rig.sh', import.meta.url));

const cg = {
	past: '/podtop-oom/past',
	old: '/podtop-oom/past/old',
	grp: '/podtop-oom/grp',
	gang: '/podtop-oom/grp/gang',
	plim: '/podtop-oom/plim',
	hog: '/podtop-oom/plim/hog',
} as const;

type EventLine = ReturnType<typeof eventToJson>;
type OnceJson = PodtopJson & ReturnType<typeof pastEventsToJson>;

/** One kill as the kernel logged it: a `Killed process` line, after a `Tasks in … memory.oom.group` line or not. */
type LoggedKill = {pid: number; comm: string; inGroup: string | null};
/** A task the group kill reached already exiting (`OOM victim … is already exiting. Skip killing the task`). */
type LoggedSkip = {pid: number; inGroup: string | null};

type Rig = {
	set: Map<string, string>;
	/** memory.events at the end, by `${cgroup} ${key}`. */
	counters: Map<string, number>;
	/** memory.max (bytes, or null for max) and memory.oom.group, by cgroup. */
	limits: Map<string, {max: number | null; oomGroup: number}>;
	gangProcs: number[];
	/** The `oom-kill:` summary lines, as the kernel wrote them, in order. */
	summaries: string[];
	killed: LoggedKill[];
	skipped: LoggedSkip[];
	/** The kernel's lines the rig kept, for failure messages. */
	kernelLog: string;
	onceBefore: OnceJson;
	status: string;
	events: EventLine[];
	onceAfter: OnceJson;
	timeline: string[];
};

function parseKernelLog(text: string): {summaries: string[]; killed: LoggedKill[]; skipped: LoggedSkip[]; kernelLog: string} {
	const summaries: string[] = [];
	const killed: LoggedKill[] = [];
	const skipped: LoggedSkip[] = [];
	let group: string | null = null;
	for (const line of text.split('\n')) {
		// dmesg prefixes `[  12.345678] `.
		const message = line.replace(/^\[[ \d.]+\] /, '');
		if (message.startsWith('oom-kill:')) {
			summaries.push(message);
			group = null;
		}
		const tasks = /^Tasks in (\S+) are going to be killed due to memory\.oom\.group set/.exec(message);
		if (tasks) group = tasks[1];
		const kill = /Killed process (\d+) \((.*?)\)/.exec(message);
		if (kill) killed.push({pid: Number(kill[1]), comm: kill[2], inGroup: group});
		const skip = /OOM victim (\d+) \(.*?\) is already exiting/.exec(message);
		if (skip) skipped.push({pid: Number(skip[1]), inGroup: group});
	}
	return {summaries, killed, skipped, kernelLog: text};
}

function parseRig({stdout, timeline}: RigOutput): Rig {
	const limits = new Map<string, {max: number | null; oomGroup: number}>();
	let gangProcs: number[] = [];
	for (const line of stdout.slice(0, stdout.indexOf('--- kmsg begin')).split('\n')) {
		const fields = line.trim().split(' ');
		if (fields[0] === 'limit') limits.set(fields[1], {max: fields[2] === 'max' ? null : Number(fields[2]), oomGroup: Number(fields[3])});
		if (fields[0] === 'procs') gangProcs = fields.slice(2).map(Number);
	}
	return {
		set: rigValues(stdout),
		counters: rigCounters(stdout),
		limits,
		gangProcs,
		...parseKernelLog(between(stdout, 'kmsg')),
		onceBefore: JSON.parse(between(stdout, 'once-before')) as OnceJson,
		status: between(stdout, 'status'),
		events: ndjsonBetween<EventLine>(stdout, 'events'),
		onceAfter: JSON.parse(between(stdout, 'once-after')) as OnceJson,
		timeline,
	};
}

describe('OOM kills on cgroup v2: group kill, pod limit, kills from before start (qemu VM)', {timeout: 300_000}, () => {
	let rig: Rig;
	const number = (name: string) => rigNumber(rig.set, name);
	const counter = (cgroup: string, key: string) => {
		const value = rig.counters.get(`${cgroup} ${key}`);
		assert.ok(value !== undefined, `the rig read no ${key} in ${cgroup}/memory.events`);
		return value;
	};
	const limitOf = (cgroup: string) => {
		const limit = rig.limits.get(cgroup);
		assert.ok(limit, `the rig read no memory.max of ${cgroup}`);
		return limit;
	};
	const liveEvents = (kind: string, under: string) =>
		rig.events.filter((event) => !event.past && event.kind === kind && (event.cgroup === under || (event.cgroup ?? '').startsWith(under + '/')));
	const sum = (events: readonly EventLine[]) => events.reduce((total, event) => total + event.delta, 0);

	before(async () => {
		if (!available.ok) return;
		rig = parseRig(await runVmRig(rigScript, {timeoutMs: 240_000}));
		process.stderr.write(rig.timeline.map((line) => `  ${line}\n`).join(''));
	});

	test('podtop ran: both --once and events exited 0, events read the kernel log and watched v2 memory.events', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		assert.deepEqual([number('exit.onceBefore'), number('exit.events'), number('exit.onceAfter')], [0, 0, 0]);
		assert.match(rig.status, /watching v2 memory\.events\/pids\.events, victims from the kernel log; OOM kills before start from the kernel log since boot/);
		assert.equal(rig.onceBefore.kernelLog.readable, true);
	});

	test('a kill from before start is in --once --json pastEvents with its victim and limit, and opens `events --since-boot` as past', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const oldPerl = number('pid.oldPerl');
		// What the kernel counted and logged before podtop's first start: one kill, of old's perl.
		assert.equal(counter(cg.old, 'oom_kill'), 1);
		assert.deepEqual(rig.killed[0], {pid: oldPerl, comm: 'perl', inGroup: null}, 'the first kill the kernel logged');
		const bytes = limitOf(cg.old).max;

		const past = rig.onceBefore.pastEvents;
		assert.ok(past, 'pastEvents is null though the kernel log was readable');
		assert.deepEqual(
			past.map((event) => [event.kind, event.cgroup, event.podName, event.containerName, event.delta, event.victim, event.limit, event.group, event.past]),
			[['oom-kill', cg.old, 'past', 'old', 1, {pid: oldPerl, comm: 'perl'}, {cgroup: cg.old, level: 'container', bytes}, null, true]],
		);
		// The pod and container it names are the ones podtop shows.
		const pod = rig.onceBefore.pods.find((candidate) => candidate.cgroup === cg.past);
		assert.ok(pod, 'no pod past');
		assert.equal(past[0].podId, pod.id);
		assert.equal(past[0].containerId, pod.containers.find((container) => container.cgroup === cg.old)?.id);

		// `podtop events --since-boot`: the first line is that kill, marked as before start; no other line is.
		const [first, ...rest] = rig.events;
		assert.ok(first, 'podtop events printed nothing');
		assert.deepEqual(
			[first.kind, first.cgroup, first.victim, first.limit?.level, first.past],
			['oom-kill', cg.old, {pid: oldPerl, comm: 'perl'}, 'container', true],
			JSON.stringify(first),
		);
		assert.deepEqual(rest.filter((event) => event.past), []);
		// Nothing live about old: its kill was over before podtop started.
		assert.deepEqual(rest.filter((event) => (event.cgroup ?? '').startsWith(cg.past)), []);
	});

	test('a group kill (memory.oom.group=1): oom-kill of the container\'s limit, naming the group, each kill counted once', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const gangPerl = number('pid.gangPerl');
		assert.equal(limitOf(cg.gang).oomGroup, 1);
		// The kernel's side: it chose the perl, then killed the gang as a group. Not every member need be logged: the
		// shell is the gang's pid-namespace init, and once the group kill has killed it the kernel kills the rest of
		// the namespace, so a sleep can be exiting (`already exiting. Skip`) or gone before the group kill reaches it.
		// The rig saw the cgroup empty afterwards.
		assert.equal(rig.gangProcs.length, 4, `gang processes: ${rig.gangProcs.join(' ')}`);
		assert.ok(rig.gangProcs.includes(gangPerl));
		const groupReached = [...rig.killed, ...rig.skipped].filter((task) => task.inGroup === cg.gang).map((task) => task.pid);
		assert.ok(groupReached.length > 0, `no group kill logged:\n${rig.kernelLog}`);
		for (const pid of groupReached) assert.ok(rig.gangProcs.includes(pid), `the group kill reached ${pid}, not of the gang:\n${rig.kernelLog}`);
		// The shell was not exiting: only the group kill could kill it.
		const shell = number('pid.gang');
		assert.ok(rig.killed.some((kill) => kill.inGroup === cg.gang && kill.pid === shell), `the group kill did not kill the shell ${shell}:\n${rig.kernelLog}`);
		assert.equal(counter(cg.gang, 'oom_group_kill'), 1);
		// The kernel counts every task it killed (the chosen victim again when the group kill reaches it), and
		// only those: one `Killed process` line each.
		const kernelKills = counter(cg.gang, 'oom_kill');
		const gangKillLines = rig.killed.filter((kill) => rig.gangProcs.includes(kill.pid)).length;
		assert.equal(kernelKills, gangKillLines, `oom_kill ${kernelKills}:\n${rig.kernelLog}`);
		assert.ok(kernelKills >= 2, `the chosen perl and the group: oom_kill ${kernelKills}`);

		// The kernel kills the group's tasks one after another (tens of ms apart under emulation): podtop may read
		// memory.events between two of them. However many reads saw it, the events count what the kernel counted,
		// never a record of the log twice.
		const kills = liveEvents('oom-kill', cg.grp);
		assert.equal(sum(kills), kernelKills, `the events count what memory.events counted: ${JSON.stringify(kills)}`);
		const bytes = limitOf(cg.gang).max;
		for (const kill of kills) {
			assert.deepEqual(
				[kill.cgroup, kill.podName, kill.containerName, kill.limit],
				[cg.gang, 'grp', 'gang', {cgroup: cg.gang, level: 'container', bytes}],
				JSON.stringify(kill),
			);
			assert.ok(kill.victim && rig.gangProcs.includes(kill.victim.pid), `victim ${JSON.stringify(kill.victim)} is not of the gang`);
		}
		assert.deepEqual(kills[0].victim, {pid: gangPerl, comm: 'perl'}, 'the first names the task the kernel chose');
		// The group: named by the kernel log once it said so; only a read before its `Tasks in` line cannot know.
		assert.equal(kills.at(-1)!.group, cg.gang, JSON.stringify(kills));
		assert.deepEqual(kills.slice(1).filter((kill) => kill.group !== cg.gang), []);
		assert.ok(kills[0].group === cg.gang || kills[0].group === null, JSON.stringify(kills[0]));
		// None of it is the pod's own: the pod has no limit, the kills were the container's.
		assert.deepEqual(liveEvents('oom-kill', cg.grp).filter((event) => event.containerId === null), []);
		assert.deepEqual(rig.events.filter((event) => event.cgroup === cg.grp), []);
	});

	test('a kill by the pod\'s limit in a container with none: level pod and its bytes; the pod\'s own memory.events report max and oom', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const hogPerl = number('pid.hogPerl');
		const podLimit = limitOf(cg.plim).max;
		assert.ok(podLimit !== null && limitOf(cg.hog).max === null, 'the rig limits the pod, not the container');
		// The kernel's side (v2): the limit hit is the pod's, so max and oom count in the pod and not in the
		// container; the kill counts in the victim's cgroup and up, so in both.
		assert.ok(rig.summaries.some((line) => line.includes(`oom_memcg=${cg.plim},task_memcg=${cg.hog},task=perl,pid=${hogPerl},`)), rig.summaries.join('\n'));
		assert.deepEqual([counter(cg.hog, 'max'), counter(cg.hog, 'oom'), counter(cg.hog, 'oom_kill')], [0, 0, 1]);
		assert.ok(counter(cg.plim, 'max') > 0);
		assert.deepEqual([counter(cg.plim, 'oom'), counter(cg.plim, 'oom_kill')], [1, 1]);

		const kills = liveEvents('oom-kill', cg.plim);
		assert.equal(sum(kills), counter(cg.plim, 'oom_kill'), JSON.stringify(kills));
		assert.equal(kills.length, 1);
		const [kill] = kills;
		assert.deepEqual(
			[kill.cgroup, kill.podName, kill.containerName, kill.victim, kill.limit, kill.group],
			[cg.hog, 'plim', 'hog', {pid: hogPerl, comm: 'perl'}, {cgroup: cg.plim, level: 'pod', bytes: podLimit}, null],
		);
		// The pod's memory.events, watched: its max and oom are its own (the container's did not count them).
		const podOwn = (kind: string) => liveEvents(kind, cg.plim).filter((event) => event.cgroup === cg.plim && event.containerId === null);
		assert.equal(sum(podOwn('oom')), counter(cg.plim, 'oom'));
		const maxHits = sum(podOwn('memory.max'));
		assert.ok(maxHits >= 1 && maxHits <= counter(cg.plim, 'max'), `memory.max +${maxHits} of ${counter(cg.plim, 'max')}`);
		assert.deepEqual(liveEvents('memory.max', cg.hog), [], 'the container\'s max did not rise');
		assert.deepEqual(liveEvents('oom', cg.hog), [], 'the container\'s oom did not rise');
	});

	test('afterwards, --once --json lists every kill the kernel logged as past, with the group and the limit that struck', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const past = rig.onceAfter.pastEvents;
		assert.ok(past, 'pastEvents is null though the kernel log was readable');
		// One past event per `Killed process` line, in the kernel's order.
		assert.deepEqual(
			past.map((event) => event.victim),
			rig.killed.map((kill) => ({pid: kill.pid, comm: kill.comm})),
		);
		assert.ok(past.every((event) => event.past === true && event.kind === 'oom-kill'));
		const levels = past.map((event) => [event.victim?.pid, event.limit?.cgroup, event.limit?.level, event.limit?.bytes, event.group]);
		const expected = rig.killed.map((kill) => {
			if (kill.pid === number('pid.oldPerl')) return [kill.pid, cg.old, 'container', limitOf(cg.old).max, null];
			if (kill.pid === number('pid.hogPerl')) return [kill.pid, cg.plim, 'pod', limitOf(cg.plim).max, null];
			return [kill.pid, cg.gang, 'container', limitOf(cg.gang).max, cg.gang];
		});
		assert.deepEqual(levels, expected);
	});
});
