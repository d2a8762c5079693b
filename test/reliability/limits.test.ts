/**
 * Limits (the 20×10 terminal is in exit-paths.test.ts): a 1 MB cmdline, 1,000 cgroups, 10,000
 * processes with a small descriptor budget, and a real descriptor limit.
 */
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {promisify} from 'node:util';
import {Collector} from '../../source/collect/collector.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import type {PodModel} from '../../source/model/types.js';
import {modelToText} from '../../source/output/text.js';
import {hostNamespaces} from '../fixtures/models.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {cliPath, type PodtopJson} from '../helpers/podtop.js';
import {commandExists, spawnedPid, stopChild, waitFor} from '../helpers/processes.js';
import {requireOrSkip} from '../helpers/require.js';

const execFileAsync = promisify(execFile);

/** Builds big fixture trees in memory (tmpfs) when there is one: tens of thousands of small files. */
function bigFixtureTree(): FixtureTree {
	const previous = process.env.TMPDIR;
	if (fs.existsSync('/dev/shm')) process.env.TMPDIR = '/dev/shm';
	try {
		return new FixtureTree();
	} finally {
		if (previous === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = previous;
	}
}

/**
 * Many host processes, fast: the files FixtureTree.addProcess writes, but one ns directory of the
 * host's links shared by all (each process's ns is a symlink to it).
 */
function addHostProcesses(tree: FixtureTree, pids: Iterable<number>, cgroupLine: string): void {
	const sharedNs = path.join(tree.root, 'host-ns');
	if (!fs.existsSync(sharedNs)) {
		fs.mkdirSync(sharedNs);
		for (const [type, inode] of Object.entries(hostNamespaces)) fs.symlinkSync(`${type}:[${inode}]`, path.join(sharedNs, type));
	}
	for (const pid of pids) {
		const directory = path.join(tree.proc, String(pid));
		fs.mkdirSync(directory);
		fs.writeFileSync(path.join(directory, 'stat'), `${pid} (p${pid}) S 1 0 0 0 0 0 0 0 0 0 10 5 0 0 20 0 1 0 ${100 + pid} 1000 ${pid} 0 0 0\n`);
		fs.writeFileSync(path.join(directory, 'cgroup'), cgroupLine);
		fs.writeFileSync(path.join(directory, 'cmdline'), `p${pid}\0`);
		fs.symlinkSync(sharedNs, path.join(directory, 'ns'));
	}
}

function modelOf(tree: FixtureTree): {model: PodModel; ms: number} {
	const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup}), {identify: parseRuntimeCgroupPath});
	try {
		const started = performance.now();
		monitor.refresh();
		const model = monitor.refresh();
		return {model, ms: performance.now() - started};
	} finally {
		monitor.close();
	}
}

describe('limits', () => {
	test('a 1 MB cmdline is kept to 4 KiB, cut on a character boundary', async (t) => {
		if (!requireOrSkip(t, commandExists('sleep'), 'needs sleep')) return;
		// sleep adds up its arguments: ten of 100,000 zeros, then ten of 100,000 bytes of a 3-byte character.
		const zeros = Array.from({length: 10}, () => '0'.repeat(100_000));
		const child = spawn('sleep', ['1000', ...zeros], {stdio: 'ignore', argv0: '宽'.repeat(30_000)});
		t.after(() => stopChild(child));
		const pid = spawnedPid(child);
		await waitFor(async () => (await import('node:fs')).readFileSync(`/proc/${pid}/cmdline`).length > 1_000_000, 5000, 'the 1 MB cmdline');
		const {stdout} = await execFileAsync(process.execPath, [cliPath, '--once', '--json'], {maxBuffer: 64 << 20});
		const document = JSON.parse(stdout) as PodtopJson;
		const processes = [...document.hostProcesses, ...document.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes))];
		const record = processes.find((entry) => entry.pid === pid);
		assert.ok(record, 'the process is listed');
		assert.ok(Buffer.byteLength(record.cmdline) <= 4096, `cmdline of ${Buffer.byteLength(record.cmdline)} bytes`);
		assert.ok(record.cmdline.length > 1000);
		assert.match(record.cmdline, /^宽+$/, 'a cut inside a character drops that character, not the text\'s UTF-8');
	});

	test('1,000 cgroups with a process each (fixture tree)', (t) => {
		const tree = bigFixtureTree();
		try {
			tree.write('proc/self/limits', 'Max open files            20000                20000                files\n');
			tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
			tree.write('cgroup/cgroup.procs', '');
			tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
			for (let index = 0; index < 1000; index++) {
				const cgroup = `/system.slice/podman-${String(index).padStart(4, '0').repeat(16)}.scope`;
				tree.cgroupFiles(cgroup, v2MemoryFiles(1 << 20, 64 << 20));
				tree.addProcess({pid: 1000 + index, comm: `app${index}`, cgroup: `0::${cgroup}\n`, namespaces: {pid: 4026540000 + index, mnt: 4026550000 + index}});
			}
			const {model, ms} = modelOf(tree);
			t.diagnostic(`1,000 cgroups: two refreshes in ${Math.round(ms)} ms`);
			assert.equal(model.counts.containers, 1000);
			assert.ok(model.pods.every((pod) => pod.containers.every((container) => container.gauges.memory.current === 1 << 20)), 'every cgroup read');
			assert.ok(!model.problems.fdBudgetExhausted);
			const text = modelToText(model, 120);
			assert.ok(text.split('\n').length > 3000);
		} finally {
			tree.remove();
		}
	});

	test('10,000 processes with a descriptor budget of 44: a clean fall-back, with a note', (t) => {
		const tree = bigFixtureTree();
		try {
			// The Collector takes its budget from <proc>/self/limits (the soft limit less 256 reserved).
			tree.write('proc/self/limits', 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            300                  300                  files\n');
			tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
			tree.write('cgroup/cgroup.procs', '');
			tree.cgroupFiles('/kubepods.slice/pod-a.slice/cri-containerd-' + 'a'.repeat(64) + '.scope', v2MemoryFiles(5 << 20, 64 << 20));
			tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
			const podCgroup = `0::/kubepods.slice/pod-a.slice/cri-containerd-${'a'.repeat(64)}.scope\n`;
			for (const pid of [20, 30, 40]) tree.addProcess({pid, comm: `p${pid}`, cgroup: podCgroup, namespaces: {net: 4026560000, pid: 4026560001}, rssPages: pid});
			addHostProcesses(tree, Array.from({length: 10_000}, (_, index) => 100 + index), '0::/user.slice\n');
			const {model, ms} = modelOf(tree);
			t.diagnostic(`10,000 processes: two refreshes in ${Math.round(ms)} ms`);
			assert.equal(model.counts.processes, 10_004);
			assert.equal(model.problems.fdBudgetExhausted, true);
			const all = [...model.hostProcesses, ...model.pods.flatMap((pod) => pod.containers.flatMap((container) => container.processes))];
			assert.ok(all.every((process) => process.rssBytes === process.pid * 4096 || process.pid === 2), 'every process read right, kept or not');
			assert.equal(model.pods.length, 1);
			assert.equal(model.pods[0].containers[0].gauges.memory.current, 5 << 20, 'the cgroup files read without a kept descriptor');
			assert.match(modelToText(model, 100), /out of file descriptors to keep open/);
		} finally {
			tree.remove();
		}
	});

	test('a real descriptor limit (prlimit --nofile=320): podtop runs and says so', async (t) => {
		if (!requireOrSkip(t, commandExists('prlimit'), 'needs prlimit')) return;
		const {stdout} = await execFileAsync('prlimit', ['--nofile=320:320', process.execPath, cliPath, '--once', '--json'], {maxBuffer: 64 << 20});
		const document = JSON.parse(stdout) as PodtopJson;
		assert.ok(document.counts.processes > 32, `enough processes to spend a budget of 64 (${document.counts.processes})`);
		assert.equal(document.problems.fdBudgetExhausted, true);
	});
});
