import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, describe, test, type TestContext} from 'node:test';
import {FileReader} from '../../source/collect/file-reader.js';
import {HostFigureReader, type HostFigures, isProcfs, readHostFacts, readHostNamespaces, readPageSize, showsOwnPidNamespace} from '../../source/collect/host-reader.js';
import {emptyNamespaces} from '../../source/collect/process-scanner.js';
import {hostNamespaces} from '../fixtures/models.js';
import {FixtureTree} from '../helpers/fixture-tree.js';
import {descriptorsOpenOn} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the last allocated pid, only from a procfs of podtop\'s own pid namespace', () => {
	test('this /proc: loadavg\'s last pid is read', () => {
		assert.equal(showsOwnPidNamespace('/proc'), true);
		const figures = new HostFigureReader('/proc', new FileReader('/proc'));
		after(() => figures.close());
		const lastPid = Number(fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ')[4]);
		assert.ok((figures.read().lastAllocatedPid ?? 0) >= lastPid);
	});

	test('a copy of a procfs (a fixture tree) is taken as it is', () => {
		const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-proc-copy-'));
		after(() => fs.rmSync(copy, {recursive: true, force: true}));
		fs.writeFileSync(path.join(copy, 'loadavg'), '0.10 0.20 0.30 1/100 4242\n');
		assert.equal(showsOwnPidNamespace(copy), true);
		const figures = new HostFigureReader(copy, new FileReader(copy));
		after(() => figures.close());
		assert.equal(figures.read().lastAllocatedPid, 4242);
	});

	test('from a pid namespace of its own, the host\'s /proc gives no last pid (loadavg would name its namespace\'s)', (t) => {
		if (!requireOrSkip(t, isRoot, 'needs root to make a pid namespace')) return;
		const script = `
			import {FileReader} from './source/collect/file-reader.ts';
			import {HostFigureReader, showsOwnPidNamespace} from './source/collect/host-reader.ts';
			const figures = new HostFigureReader('/proc', new FileReader('/proc'));
			console.log(JSON.stringify({pid: process.pid, own: showsOwnPidNamespace('/proc'), lastAllocatedPid: figures.read().lastAllocatedPid}));
		`;
		// No --mount-proc: the child sees the host's /proc from a pid namespace in which it is pid 1.
		const output = execFileSync('unshare', ['--pid', '--fork', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {cwd: projectRoot, encoding: 'utf8'});
		assert.deepEqual(JSON.parse(output), {pid: 1, own: false, lastAllocatedPid: null});
	});
});

/** A fixture procfs, removed after the test. */
function procTree(t: TestContext): FixtureTree {
	const tree = new FixtureTree();
	t.after(() => tree.remove());
	return tree;
}

/** The figures a HostFigureReader reads from a tree's files once. */
function figuresOf(tree: FixtureTree, reader = new FileReader(tree.proc, 10)): HostFigures {
	const figures = new HostFigureReader(tree.proc, reader);
	try {
		return figures.read();
	} finally {
		figures.close();
	}
}

describe('the host\'s facts', () => {
	test('hostname, kernel, CPUs (its cpuN lines) and memory from the procfs given, trimmed; this machine\'s where it has none', (t) => {
		const tree = procTree(t);
		assert.deepEqual(readHostFacts(tree.proc, 'v1'), {hostname: 'fixture-node', kernel: '6.1.0-fixture', cgroupMode: 'v1', cpus: 2, memoryTotalBytes: 16_000_000 * 1024});
		const cpus = os.availableParallelism() + 3;
		tree.write('proc/stat', `cpu  1 2 3\n${Array.from({length: cpus}, (_, cpu) => `cpu${cpu} 1 2 3\n`).join('')}intr 5\n`);
		assert.equal(readHostFacts(tree.proc, 'v1').cpus, cpus, 'more CPUs than this machine has');
		for (const file of ['sys/kernel/hostname', 'sys/kernel/osrelease', 'stat', 'meminfo']) fs.rmSync(path.join(tree.proc, file));
		assert.deepEqual(readHostFacts(tree.proc, 'v2'), {hostname: os.hostname(), kernel: os.release(), cgroupMode: 'v2', cpus: os.availableParallelism(), memoryTotalBytes: null});
		tree.write('proc/stat', 'cpu  1 2 3\nintr 5\n');
		tree.write('proc/meminfo', 'MemFree:  100 kB\n');
		assert.deepEqual([readHostFacts(tree.proc, 'v2').cpus, readHostFacts(tree.proc, 'v2').memoryTotalBytes], [os.availableParallelism(), null], 'no cpuN line, no MemTotal');
	});

	test('the page size: VmRSS in bytes over stat\'s rss in pages, to a power of two; 4096 when either is missing or 0', (t) => {
		const tree = procTree(t);
		const self = (vmRssKb: number | null, rssPages: number | null, comm = 'podtop') => {
			const fields = Array.from({length: 22}, (_, index) => (index === 21 ? String(rssPages) : '0'));
			tree.write('proc/self/stat', rssPages === null ? '' : `42 (${comm}) ${fields.join(' ')} 0 0\n`);
			tree.write('proc/self/status', vmRssKb === null ? 'Name:\tpodtop\n' : `Name:\tpodtop\nVmRSS:\t    ${vmRssKb} kB\n`);
			return readPageSize(tree.proc);
		};
		assert.equal(self(400, 100), 4096);
		assert.equal(self(1600, 100), 16_384);
		assert.equal(self(6400, 100, 'a) b c'), 65_536, 'the fields are counted from the comm\'s last ")"');
		assert.deepEqual([self(410, 100), self(390, 100)], [4096, 4096], 'a ratio a little off is rounded, up or down');
		assert.deepEqual([self(null, 100), self(1600, null), self(1600, 0)], [4096, 4096, 4096]);
	});

	test('the host\'s namespaces: PID 1\'s, else kthreadd\'s where PID 1\'s links cannot be read, else none', (t) => {
		const tree = procTree(t);
		assert.deepEqual(readHostNamespaces(tree.proc), {namespaces: emptyNamespaces(), source: 'none'});
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true, namespaces: {net: 2}});
		assert.deepEqual(readHostNamespaces(tree.proc), {namespaces: {...hostNamespaces, net: 2}, source: '/proc/2'});
		tree.addProcess({pid: 1, ppid: 0, comm: 'systemd', cgroup: '0::/init.scope\n', namespaces: {net: 1}});
		assert.deepEqual(readHostNamespaces(tree.proc), {namespaces: {...hostNamespaces, net: 1}, source: '/proc/1'});
		fs.rmSync(path.join(tree.proc, '1', 'ns', 'net'));
		assert.equal(readHostNamespaces(tree.proc).source, '/proc/2', 'PID 1 without its net link');
	});

	test('the facts and the page size are read once: no file is left open', (t) => {
		const tree = procTree(t);
		tree.write('proc/self/stat', `42 (podtop) ${Array.from({length: 22}, (_, index) => (index === 21 ? '100' : '0')).join(' ')} 0 0\n`);
		tree.write('proc/self/status', 'Name:\tpodtop\nVmRSS:\t    400 kB\n');
		assert.equal(readHostFacts(tree.proc, 'v2').hostname, 'fixture-node');
		assert.equal(readPageSize(tree.proc), 4096);
		const files = ['meminfo', 'sys/kernel/hostname', 'sys/kernel/osrelease', 'self/status', 'self/stat'].map((file) => path.join(tree.proc, file));
		assert.deepEqual(files.flatMap((file) => descriptorsOpenOn(file)), []);
	});

	test('a procfs is told from a copy of one by its filesystem; own pid namespace by its self link', (t) => {
		const tree = procTree(t);
		assert.deepEqual([isProcfs('/proc'), isProcfs(tree.proc), isProcfs(path.join(tree.proc, 'missing'))], [true, false, false]);
		assert.equal(showsOwnPidNamespace(path.join(tree.proc, 'missing')), false, 'no directory at all');
		fs.symlinkSync(String(process.pid + 1), path.join(tree.proc, 'self'));
		assert.equal(showsOwnPidNamespace(tree.proc), false, 'another pid\'s self');
	});
});

describe('the host figures read every refresh', () => {
	test('memory used is MemTotal − MemAvailable; load, the last pid and whole seconds of uptime', (t) => {
		const tree = procTree(t);
		tree.write('proc/meminfo', 'MemTotal:       16000000 kB\nMemFree:         8000000 kB\nMemAvailable:   12000000 kB\n');
		assert.deepEqual(figuresOf(tree), {memory: {usedBytes: 4_000_000 * 1024, totalBytes: 16_000_000 * 1024}, load: [0.1, 0.2, 0.3], lastAllocatedPid: 4242, uptimeSeconds: 1234});
	});

	test('what a file does not say is unknown: no MemAvailable, no MemTotal, a garbled load or last pid, an uptime with no dot, files missing', (t) => {
		const tree = procTree(t);
		tree.write('proc/meminfo', 'MemTotal:       16000000 kB\nMemFree:         8000000 kB\n');
		tree.write('proc/loadavg', '0.10 x 0.30 1/100 4242\n');
		tree.write('proc/uptime', '1234\n');
		assert.deepEqual(figuresOf(tree), {memory: {usedBytes: null, totalBytes: 16_000_000 * 1024}, load: null, lastAllocatedPid: 4242, uptimeSeconds: null});
		tree.write('proc/meminfo', 'MemFree:         8000000 kB\nMemAvailable:   12000000 kB\n');
		tree.write('proc/loadavg', '0.10 0.20 0.30 1/100 42x\n');
		assert.deepEqual(figuresOf(tree).memory, {usedBytes: null, totalBytes: null});
		assert.equal(figuresOf(tree).lastAllocatedPid, null);
		tree.write('proc/loadavg', '0.10 0.20 0.30 1/100\n');
		assert.deepEqual([figuresOf(tree).load, figuresOf(tree).lastAllocatedPid], [[0.1, 0.2, 0.3], null]);
		for (const loadavg of ['0.10 0.20 0.30 1/100 x42\n', '0.10 0.20 0.30 1/100 4242 7\n']) {
			tree.write('proc/loadavg', loadavg);
			assert.equal(figuresOf(tree).lastAllocatedPid, null, loadavg);
		}
		tree.write('proc/loadavg', '0.10 0.20\n');
		assert.equal(figuresOf(tree).load, null, 'two loads');
		for (const file of ['meminfo', 'loadavg', 'uptime']) fs.rmSync(path.join(tree.proc, file));
		assert.deepEqual(figuresOf(tree), {memory: {usedBytes: null, totalBytes: null}, load: null, lastAllocatedPid: null, uptimeSeconds: null});
	});

	test('figures are read within the bytes read, not from what the shared buffer held before', (t) => {
		const tree = procTree(t);
		const meminfo = 'MemTotal:  16000000 kB\n';
		tree.write('proc/meminfo', meminfo);
		tree.write('stale', `${' '.repeat(meminfo.length)}MemAvailable:   12000000 kB\n`);
		const reader = new FileReader(tree.proc, 10);
		const figures = new HostFigureReader(tree.proc, reader);
		t.after(() => figures.close());
		reader.readPath(path.join(tree.root, 'stale'));
		assert.deepEqual(figures.read().memory, {usedBytes: null, totalBytes: 16_000_000 * 1024}, 'a key that begins where the read ends');
		tree.write('proc/meminfo', 'MemTotal:  16000000');
		assert.equal(figures.read().memory.totalBytes, 16_000_000 * 1024, 'a figure at the end of the read, with no kB after it');
		// With no loadavg, the uptime is read over what meminfo left: "12" then meminfo's bytes.
		fs.rmSync(path.join(tree.proc, 'loadavg'));
		tree.write('proc/uptime', '12');
		const uptime = (leftOver: string) => {
			tree.write('proc/meminfo', leftOver);
			const again = new HostFigureReader(tree.proc, reader);
			try {
				return again.read().uptimeSeconds;
			} finally {
				again.close();
			}
		};
		assert.deepEqual([uptime('99.5'), uptime('99999.5')], [null, null]);
	});

	test('a meminfo that could not be opened is unknown, though the shared buffer begins with one', (t) => {
		const tree = procTree(t);
		fs.rmSync(path.join(tree.proc, 'meminfo'));
		tree.write('stale', 'MemTotal:       16000000 kB\nMemAvailable:   12000000 kB\n');
		const reader = new FileReader(tree.proc, 10);
		const figures = new HostFigureReader(tree.proc, reader);
		t.after(() => figures.close());
		reader.readPath(path.join(tree.root, 'stale'));
		assert.deepEqual(figures.read().memory, {usedBytes: null, totalBytes: null});
	});

	test('a meminfo value at the very end of the read, with no newline or unit anywhere after it in the buffer', (t) => {
		const tree = procTree(t);
		const reader = new FileReader(tree.proc, 10);
		const read = (meminfo: string, filler: number) => {
			tree.write('proc/meminfo', meminfo);
			reader.buffer.fill(filler);
			return figuresOf(tree, reader).memory;
		};
		assert.deepEqual(read('MemAvailable:   12000000 kB\nMemTotal:  16000000', 0), {usedBytes: 4_000_000 * 1024, totalBytes: 16_000_000 * 1024});
		assert.deepEqual(read('MemAvailable:   12000000 kB\nMemTotal:  16000000', 0x20), {usedBytes: 4_000_000 * 1024, totalBytes: 16_000_000 * 1024}, 'blanks after it');
		for (const meminfo of ['MemAvailable:   12000000 kB\nMemTotal:   ', 'MemAvailable:   12000000 kB\nMemTotal:']) {
			assert.deepEqual(read(meminfo, 0x20), {usedBytes: null, totalBytes: null}, `${JSON.stringify(meminfo)}: a key with no figure, then blanks beyond the read`);
		}
	});

	test('an uptime with no dot is unknown, though no dot is anywhere in the shared buffer either', (t) => {
		const tree = procTree(t);
		for (const file of ['meminfo', 'loadavg']) fs.rmSync(path.join(tree.proc, file));
		tree.write('proc/uptime', '1234\n');
		const reader = new FileReader(tree.proc, 10);
		reader.buffer.fill(0);
		assert.equal(figuresOf(tree, reader).uptimeSeconds, null);
	});

	test('close gives the three descriptors back', (t) => {
		const tree = procTree(t);
		const reader = new FileReader(tree.proc, 3);
		const figures = new HostFigureReader(tree.proc, reader);
		assert.equal(reader.keep(path.join(tree.proc, 'stat')), -1, 'three kept');
		figures.close();
		const again = ['stat', 'meminfo', 'loadavg'].map((file) => reader.keep(path.join(tree.proc, file)));
		assert.ok(again.every((descriptor) => descriptor >= 0));
		for (const descriptor of again) reader.release(descriptor);
	});
});
