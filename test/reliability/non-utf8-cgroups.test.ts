/**
 * Real v1 cgroups whose names are not UTF-8 (an invalid pair, a lone continuation byte, a
 * cut character, controls), each holding a process under its own memory, pids and cpu limits. podtop must
 * read each one's counters under its exact bytes, never mix up two names, and show the names as `\xNN`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {describe, test, type TestContext} from 'node:test';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import {podtopOnceJson, runPodtop, type PodtopJson} from '../helpers/podtop.js';
import {commandExists} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {MiB, withRig} from '../helpers/rigs.js';
import {createHostileRig, type HostileContainerSpec, type HostileRig} from './hostile-rig.js';
import {bytes, utf8} from './hostile-payloads.js';

type Case = {leaf: Buffer; shown: string};

const cases: Case[] = [
	{leaf: bytes('pair', [0xff, 0xfe]), shown: 'pair\\xff\\xfe'},
	// The text the invalid pair shows as: a name of its own, with its own counters (shown alike, read apart).
	{leaf: utf8('pair\\xff\\xfe'), shown: 'pair\\xff\\xfe'},
	{leaf: bytes('lone', [0x80]), shown: 'lone\\x80'},
	{leaf: bytes('cut', [0xe4, 0xb8]), shown: 'cut\\xe4\\xb8'},
	{leaf: bytes('ctl\x01\x1b[31m', [0xff]), shown: 'ctl\\x01\\x1b[31m\\xff'},
	{leaf: utf8('café-中'), shown: 'café-中'},
];

const limitsOf = (index: number) => ({memoryBytes: (64 + index) * MiB, pidsMax: 50 + index, cpuQuotaUsec: 10_000 * (index + 1)});

const specs: HostileContainerSpec[] = cases.map((entry, index) => ({
	leaf: entry.leaf,
	payloads: [{comm: utf8('sleep'), argv0: utf8(`pwnbytes ${index}`)}],
	limits: limitsOf(index),
}));

function canPlant(t: TestContext): boolean {
	const missing = ['unshare', 'bash', 'sleep'].filter((tool) => !commandExists(tool));
	const hasV1Memory = fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
	return requireOrSkip(t, isRoot && missing.length === 0 && hasV1Memory, !isRoot ? 'needs root (cgroups, pid namespaces)' : missing.length > 0 ? `missing ${missing.join(', ')}` : 'needs a v1 memory hierarchy');
}

function containerOf(document: PodtopJson, pid: number) {
	const found = document.pods.flatMap((pod) => pod.containers).find((container) => container.processes.some((process) => process.pid === pid));
	assert.ok(found, `process ${pid} is in a container`);
	return found;
}

describe('real v1 cgroups whose names are not UTF-8', {concurrency: false}, () => {
	test('--once --json: each container\'s own counters and limits, its name as \\xNN', async (t) => {
		if (!canPlant(t)) return;
		const rig: HostileRig = await withRig(t, () => createHostileRig(specs));
		const document = await podtopOnceJson();
		for (const [index, entry] of cases.entries()) {
			const container = containerOf(document, rig.containers[index].pid);
			const limits = limitsOf(index);
			// JSON writes controls as \u0001 and the like, which parse back to the controls.
			assert.equal(sanitizeForTerminal(container.name), entry.shown);
			assert.doesNotMatch(`${container.name} ${container.cgroup} ${container.id}`, /[\ud800-\udfff]/, 'no surrogate: the JSON says \\xff');
			assert.equal(sanitizeForTerminal(container.cgroup ?? ''), `${rig.cgroup}/${entry.shown}`);
			assert.equal(container.cgroups.memory, container.cgroup);
			assert.ok(container.memory.current !== null && container.memory.current > 0 && container.memory.current < limits.memoryBytes, `${entry.shown}: memory ${container.memory.current}`);
			assert.equal(container.memory.max, limits.memoryBytes, `${entry.shown}: its own memory limit`);
			assert.equal(container.memory.failcnt, 0);
			assert.equal(container.pids.current, 1, `${entry.shown}: pids.current`);
			assert.equal(container.pids.max, limits.pidsMax, `${entry.shown}: its own pids.max`);
			assert.equal(container.cpu.quotaCores, (index + 1) / 10, `${entry.shown}: its own cpu quota`);
			assert.ok(container.cpu.usageUsec !== null, `${entry.shown}: cpuacct.usage read`);
		}
	});

	test('--once: the names escaped, each row with its own limit', async (t) => {
		if (!canPlant(t)) return;
		const rig: HostileRig = await withRig(t, () => createHostileRig(specs));
		const result = await runPodtop(['--once']);
		assert.equal(result.code, 0, result.stderr);
		const lines = result.stdout.split('\n');
		assert.doesNotMatch(result.stdout, /[\u0000-\u0009\u000b-\u001f\ufffd]/, 'no raw control or replacement character');
		for (const [index, entry] of cases.entries()) {
			const pidLine = lines.findIndex((line) => line.includes(` ${rig.containers[index].pid} sleep `));
			assert.ok(pidLine > 0, `process ${rig.containers[index].pid} listed`);
			const containerLine = lines[pidLine - 1];
			assert.match(containerLine, /^[└├]─ /, `the container row above the process: ${containerLine}`);
			assert.ok(containerLine.startsWith(`└─ ${entry.shown} `), `the name escaped: ${containerLine}`);
			assert.match(containerLine, new RegExp(`/${64 + index}M `), `its own limit: ${containerLine}`);
		}
	});
});
