/**
 * Cgroup names that are not UTF-8, on pure cgroup v2 (a fixture tree: this machine's
 * v2 hierarchy has no memory controller). Each container's files must be read under its exact bytes,
 * two names must never share a key, and the names must show escaped as `\xNN`.
 */
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {Collector} from '../../source/collect/collector.js';
import {createEventsWatcher} from '../../source/collect/events-watcher.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import type {Container} from '../../source/model/types.js';
import {modelToJson, toJsonText} from '../../source/output/json.js';
import {modelToText} from '../../source/output/text.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';

const MiB = 1024 * 1024;
const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

describe('pure cgroup v2: a pod whose cgroup names are not UTF-8', () => {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.v2Root();
	const pod = raw('/pods.slice/pod', [0xff]);
	// Each with its own usage and limit, so that a container read under another's name would show.
	const containers = [
		{leaf: raw('pair', [0xff, 0xfe]), shown: 'pair\\xff\\xfe', megabytes: 1},
		{leaf: raw('pair\\xff\\xfe'), shown: 'pair\\xff\\xfe', megabytes: 2},
		{leaf: raw('lone', [0x80]), shown: 'lone\\x80', megabytes: 3},
		{leaf: raw('cut', [0xe4, 0xb8]), shown: 'cut\\xe4\\xb8', megabytes: 4},
		{leaf: raw('ctl\x01\x1b[31m', [0xc0, 0xaf]), shown: 'ctl\\x01\\x1b[31m\\xc0\\xaf', megabytes: 5},
		{leaf: raw('café-中'), shown: 'café-中', megabytes: 6},
	];
	tree.cgroupFiles(pod, v2MemoryFiles(100 * MiB, 512 * MiB));
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
	const podNamespaces = {net: 4026532100, ipc: 4026532101, uts: 4026532102};
	for (const [index, container] of containers.entries()) {
		const cgroupPath = Buffer.concat([pod, raw('/'), container.leaf]);
		tree.cgroupFiles(cgroupPath, v2MemoryFiles(container.megabytes * MiB, 10 * container.megabytes * MiB, {'pids.current': `${index + 1}\n`, 'pids.max': `${100 + index}\n`}));
		const pid = 100 + index;
		tree.addProcess({pid, comm: 'sleep', cgroup: Buffer.concat([raw('0::'), cgroupPath, raw('\n')]), namespaces: {...podNamespaces, pid: 4026532200 + index, mnt: 4026532300 + index}});
	}
	const collector = new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup});
	const monitor = createMonitor(collector, {identify: parseRuntimeCgroupPath});
	monitor.refresh();
	const model = monitor.refresh();
	monitor.close();
	const byPid = (pid: number): Container => {
		const found = model.pods.flatMap((entry) => entry.containers).find((container) => container.processes.some((process) => process.pid === pid));
		assert.ok(found, `process ${pid} is in a container`);
		return found;
	};

	test('one pod, one container per name: no two names share a key', () => {
		assert.equal(model.host.cgroupMode, 'v2');
		assert.equal(model.pods.length, 1);
		assert.equal(model.pods[0].containers.length, containers.length);
		const cgroups = model.pods[0].containers.map((container) => container.cgroup);
		assert.ok(!cgroups.includes(null), 'each container has a cgroup of its own');
		assert.equal(new Set(cgroups).size, containers.length);
	});

	test('every container reads its own files, under its exact bytes', () => {
		for (const [index, container] of containers.entries()) {
			const gauges = byPid(100 + index).gauges;
			assert.equal(gauges.memory.current, container.megabytes * MiB, container.shown);
			assert.equal(gauges.memory.max, 10 * container.megabytes * MiB, container.shown);
			assert.equal(gauges.memory.effectiveMax, 10 * container.megabytes * MiB, container.shown);
			assert.equal(gauges.memory.events.max, 0, container.shown);
			assert.equal(gauges.cpu.usageUsec, 1000, container.shown);
			assert.deepEqual(gauges.pids, {current: index + 1, max: 100 + index}, container.shown);
		}
		assert.equal(model.pods[0].gauges?.memory.max, 512 * MiB, 'the pod cgroup, /pods.slice/pod\\xff, is read too');
	});

	test('a valid UTF-8 name is the name as it is', () => {
		assert.equal(byPid(105).name, 'café-中');
		assert.equal(byPid(105).cgroup, '/pods.slice/pod\udcff/café-中');
	});

	test('names show escaped on the terminal, and in JSON as the terminal shows them', () => {
		for (const [index, container] of containers.entries()) assert.equal(sanitizeForTerminal(byPid(100 + index).name), container.shown);
		const json = toJsonText(modelToJson(model, {version: 'test'}));
		assert.doesNotMatch(json, /\\ud[89a-f]/i, 'no lone surrogate escape, which strict JSON parsers reject');
		const document = JSON.parse(json) as ReturnType<typeof modelToJson>;
		const [jsonPod] = document.pods;
		assert.equal(jsonPod.name, 'pod\\xff');
		assert.equal(jsonPod.cgroup, '/pods.slice/pod\\xff');
		for (const [index, container] of containers.entries()) {
			const entry = jsonPod.containers.find((candidate) => candidate.processes.some((process) => process.pid === 100 + index));
			assert.ok(entry);
			assert.equal(entry.name, index === 4 ? 'ctl\x01\x1b[31m\\xc0\\xaf' : container.shown, 'JSON escapes controls by its own rules');
			assert.equal(entry.memory.current, container.megabytes * MiB);
			assert.equal(entry.memory.max, 10 * container.megabytes * MiB);
		}
		const text = modelToText(model, 100);
		for (const container of containers) assert.ok(text.includes(container.shown), `${container.shown} in the text:\n${text}`);
		assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\ufffd]|[\ud800-\udfff]/, 'no control, replacement character or surrogate in the text');
	});

	test('the v2 events watcher leaves a name that is not UTF-8 to the refresh, and watches the others', async () => {
		tree.cgroupFiles('/watched.slice/café', v2MemoryFiles(MiB, 'max'));
		tree.cgroupFiles(raw('/watched.slice/bad', [0xff]), v2MemoryFiles(MiB, 'max'));
		const watcher = createEventsWatcher({root: tree.cgroup, onChange: () => {}});
		try {
			watcher.setWatched(['/watched.slice/café', '/watched.slice/bad\udcff']);
			assert.deepEqual([...watcher.watchedFiles], [`${tree.cgroup}/watched.slice/café/memory.events`]);
		} finally {
			await watcher.close();
		}
	});
});
