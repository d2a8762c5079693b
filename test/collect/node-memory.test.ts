import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {layoutFromDirectory, type CgroupLayout} from '../../source/collect/cgroup-layout.js';
import {Collector} from '../../source/collect/collector.js';
import {FileReader} from '../../source/collect/file-reader.js';
import {evictionHardMemoryAvailable, NodeMemoryReader, parseQuantity, readEvictionThreshold} from '../../source/collect/node-memory.js';
import {nodeMemoryPressure} from '../../source/model/memory-pressure.js';
import {createMonitor} from '../../source/model/monitor.js';
import {parseRuntimeCgroupPath} from '../../source/model/runtime-path.js';
import {modelToJson} from '../../source/output/json.js';
import {modelToText} from '../../source/output/text.js';
import {FixtureTree, v2MemoryFiles} from '../helpers/fixture-tree.js';
import {descriptorsOpenOn} from '../helpers/processes.js';

const MiB = 1024 * 1024;
/** The fixture's /proc/meminfo MemTotal. */
const memTotal = 16_000_000 * 1024;
const configFile = 'var/lib/kubelet/config.yaml';

/** A v1 node whose root cgroup is at 3000 MiB usage with 1000 MiB inactive file. */
function v1Node(): FixtureTree {
	const tree = new FixtureTree();
	after(() => tree.remove());
	for (const hierarchy of ['memory', 'cpu,cpuacct', 'pids']) tree.cgroupFiles(hierarchy, {'cgroup.procs': ''});
	tree.cgroupFiles('memory', {
		'memory.usage_in_bytes': `${3000 * MiB}\n`,
		'memory.stat': `cache ${900 * MiB}\nrss ${10 * MiB}\ntotal_cache ${1500 * MiB}\ntotal_rss ${1400 * MiB}\ntotal_inactive_file ${1000 * MiB}\n`,
	});
	tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '4:memory:/\n', kernelThread: true});
	return tree;
}

/** A v2 node whose root memory.stat holds anon, file and inactive_file. */
function v2Node(anon: number, file: number, inactiveFile: number): FixtureTree {
	const tree = new FixtureTree();
	after(() => tree.remove());
	tree.write('cgroup/cgroup.controllers', 'cpu memory pids\n');
	tree.write('cgroup/cgroup.procs', '');
	tree.write('cgroup/memory.stat', v2RootStat(anon, file, inactiveFile));
	return tree;
}

const v2RootStat = (anon: number, file: number, inactiveFile: number) => `anon ${anon}\nfile ${file}\nkernel 4096\ninactive_file ${inactiveFile}\n`;

/** The root cgroup's figures, read through a NodeMemoryReader `refreshes` times (the last read's). */
function rootFigures(reader: NodeMemoryReader, refreshes = 1): [number | null, number | null] {
	let sample = reader.read();
	for (let refresh = 1; refresh < refreshes; refresh++) sample = reader.read();
	return [sample.usage, sample.inactiveFile];
}

function nodeReader(layout: CgroupLayout | null, files = new FileReader('/proc')): NodeMemoryReader {
	const reader = new NodeMemoryReader(layout, files, readEvictionThreshold(null));
	after(() => reader.close());
	return reader;
}

function modelOf(tree: FixtureTree) {
	const monitor = createMonitor(new Collector({procRoot: tree.proc, cgroupRoot: tree.cgroup, root: tree.root}), {identify: parseRuntimeCgroupPath});
	after(() => monitor.close());
	return monitor.refresh();
}

describe('the node line', () => {
	test('without a kubelet config: MemTotal − the root working set against the default 100Mi, said so', () => {
		const model = modelOf(v1Node());
		const node = nodeMemoryPressure(model)!;
		assert.equal(node.capacity, memTotal);
		assert.equal(node.workingSet, 2000 * MiB);
		assert.equal(node.available, memTotal - 2000 * MiB);
		assert.equal(node.thresholdBytes, 100 * MiB);
		assert.equal(node.thresholdSource, 'kubelet default 100Mi');
		assert.equal(node.underPressure, false);
		const text = modelToText(model, 200);
		assert.match(text, /^node memory\.available 13G = MemTotal 15G − root working set 2\.0G · evicts below 100M \(kubelet default 100Mi\) · no memory pressure$/m);
		const json = modelToJson(model, {version: 'test'});
		assert.deepEqual(json.nodeMemory?.threshold, {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: null});
	});

	test('with a kubelet config: its evictionHard memory.available, and the file named', () => {
		const tree = v1Node();
		tree.write(configFile, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard:\n  imagefs.available: 15%\n  memory.available: "14000Mi"\n  nodefs.available: 10%\n');
		const model = modelOf(tree);
		const node = nodeMemoryPressure(model)!;
		assert.equal(node.thresholdBytes, 14_000 * MiB);
		assert.equal(node.thresholdSource, '/var/lib/kubelet/config.yaml');
		assert.equal(node.underPressure, true, `${node.available} available is below 14000Mi`);
		assert.match(modelToText(model, 200), /evicts below 14G \(\/var\/lib\/kubelet\/config\.yaml\) · UNDER MEMORY PRESSURE: the kubelet evicts/);
		assert.equal(modelToJson(model, {version: 'test'}).nodeMemory?.threshold.source, 'config');
	});

	test('a config without memory.available keeps the default and says why; v2 takes anon + file at the root', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.write('cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids\n');
		tree.write('cgroup/cgroup.procs', '');
		tree.write('cgroup/memory.stat', `anon ${1200 * MiB}\nfile ${800 * MiB}\nkernel ${300 * MiB}\ninactive_file ${500 * MiB}\n`);
		tree.cgroupFiles('/kubepods', v2MemoryFiles(300 * MiB, 'max'));
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		tree.write(configFile, 'kind: KubeletConfiguration\nevictionHard:\n  nodefs.available: 10%\n');
		const node = nodeMemoryPressure(modelOf(tree))!;
		assert.equal(node.workingSet, 1500 * MiB);
		assert.equal(node.thresholdBytes, 100 * MiB);
		assert.equal(node.thresholdSource, 'kubelet default 100Mi: /var/lib/kubelet/config.yaml evictionHard has no memory.available');
	});
});

describe('the root cgroup\'s figures', () => {
	test('memory.stat is read at the first refresh and every fifth after it; the same figures between', () => {
		const tree = v2Node(100, 50, 20);
		const reader = nodeReader(layoutFromDirectory(tree.cgroup));
		assert.deepEqual(rootFigures(reader), [150, 20]);
		tree.write('cgroup/memory.stat', v2RootStat(200, 50, 30));
		assert.deepEqual(rootFigures(reader, 4), [150, 20], 'refreshes 2 to 5');
		assert.deepEqual(rootFigures(reader), [250, 30], 'refresh 6');
	});

	test('a hybrid host whose memory controller is on the unified hierarchy: v2\'s figures, from its memory.stat', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.cgroupFiles('cpu,cpuacct', {'cgroup.procs': ''});
		tree.cgroupFiles('unified', {'cgroup.controllers': 'memory\n', 'cgroup.procs': '', 'memory.stat': v2RootStat(100, 50, 20)});
		const layout = layoutFromDirectory(tree.cgroup)!;
		assert.equal(layout.mode, 'hybrid');
		assert.deepEqual(rootFigures(nodeReader(layout)), [150, 20]);
	});

	test('inside a cgroup namespace (the mount\'s root is not the node\'s) nothing is read', () => {
		const tree = v2Node(100, 50, 20);
		const layout = layoutFromDirectory(tree.cgroup)!;
		const namespaced = {...layout.unified!, mountRoot: '/kubepods/pod1'};
		const reader = nodeReader({...layout, unified: namespaced, controllers: {...layout.controllers, memory: namespaced}});
		assert.deepEqual(rootFigures(reader), [null, null]);
		assert.deepEqual(rootFigures(nodeReader(null)), [null, null], 'no cgroups at all');
	});

	test('v1: a usage_in_bytes gone leaves the usage unknown (not 0, nor a digit the shared buffer held); a memory.stat gone, both', () => {
		const tree = v1Node();
		fs.rmSync(path.join(tree.cgroup, 'memory', 'memory.usage_in_bytes'));
		const files = new FileReader('/proc');
		tree.write('digits', '7777777\n');
		files.readPath(path.join(tree.root, 'digits'));
		assert.deepEqual(rootFigures(nodeReader(layoutFromDirectory(tree.cgroup), files)), [null, 1000 * MiB]);
		const statGone = v1Node();
		fs.rmSync(path.join(statGone.cgroup, 'memory', 'memory.stat'));
		assert.deepEqual(rootFigures(nodeReader(layoutFromDirectory(statGone.cgroup))), [null, null]);
	});

	test('with no descriptor to spare the files are read by path', () => {
		const tree = v1Node();
		const reader = nodeReader(layoutFromDirectory(tree.cgroup), new FileReader('/proc', 0));
		assert.deepEqual(rootFigures(reader), [3000 * MiB, 1000 * MiB]);
		assert.deepEqual(descriptorsOpenOn(path.join(tree.cgroup, 'memory', 'memory.stat')), []);
	});

	test('the files are kept open, one descriptor each however many refreshes; close gives them back', () => {
		const tree = v1Node();
		const reader = nodeReader(layoutFromDirectory(tree.cgroup));
		const kept = ['memory.stat', 'memory.usage_in_bytes'].map((name) => path.join(tree.cgroup, 'memory', name));
		assert.deepEqual(rootFigures(reader, 6), [3000 * MiB, 1000 * MiB]);
		assert.deepEqual(kept.map((file) => descriptorsOpenOn(file).length), [1, 1]);
		reader.close();
		assert.deepEqual(kept.map((file) => descriptorsOpenOn(file).length), [0, 0]);
	});

	test('a kept file whose read fails is let go, and opened again at the next detailed refresh', () => {
		const tree = v2Node(100, 50, 20);
		const stat = path.join(tree.cgroup, 'memory.stat');
		fs.rmSync(stat);
		fs.mkdirSync(stat);
		const reader = nodeReader(layoutFromDirectory(tree.cgroup));
		assert.deepEqual(rootFigures(reader), [null, null], 'a directory opens, but its read fails');
		fs.rmdirSync(stat);
		tree.write('cgroup/memory.stat', v2RootStat(100, 50, 20));
		assert.deepEqual(rootFigures(reader, 5), [150, 20]);
	});
});

describe('the kubelet config file', () => {
	test('block and flow forms, quotes, comments, percentages; what is not there is told apart from what is not understood', () => {
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  memory.available: 200Mi # tight\n'), '200Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n    "memory.available": \'5%\'\n'), '5%');
		assert.equal(evictionHardMemoryAvailable('evictionHard: {"memory.available": "300Mi", "nodefs.available": "10%"}\n'), '300Mi');
		assert.equal(evictionHardMemoryAvailable('evictionSoft:\n  memory.available: 1Gi\n'), undefined, 'a soft threshold is not the hard one');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  nodefs.available: 10%\nother:\n  memory.available: 1Gi\n'), null, 'another block\'s key is not read');
		assert.equal(parseQuantity('1Gi'), 1024 * MiB);
		assert.equal(parseQuantity('500M'), 500_000_000);
		assert.equal(parseQuantity('123'), 123);
		assert.equal(parseQuantity('lots'), null);
	});

	test('quantities: decimal fractions of any length with a unit, nothing before or after', () => {
		assert.equal(parseQuantity('1.5Gi'), 1.5 * 1024 * MiB);
		assert.equal(parseQuantity('0.25Mi'), 0.25 * MiB);
		for (const text of ['x1Gi', '1Gix', '1.Gi', '1.xGi']) assert.equal(parseQuantity(text), null, text);
	});

	test('the evictionHard block: indented, blank lines and comments at any indentation within it, a space before a colon', () => {
		assert.equal(evictionHardMemoryAvailable('kubelet:\n  evictionHard:\n \n# tight\n  # tighter\n    memory.available: 200Mi\n'), '200Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  memory.available : 400Mi  \n'), '400Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  memory.available: 500Mi  # was 1Gi\n'), '500Mi');
	});

	test('a comment after "evictionHard:", and CRLF line ends, as the kubelet\'s YAML parser takes them', () => {
		assert.equal(evictionHardMemoryAvailable('evictionHard: # the kubelet evicts below\n  memory.available: 300Mi\n'), '300Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\r\n  memory.available: 400Mi\r\n'), '400Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard: {memory.available: 500Mi}\r\n'), '500Mi');
	});

	test('what is not evictionHard\'s memory.available: a commented-out block, a block string, a longer key', () => {
		assert.equal(evictionHardMemoryAvailable('# evictionHard:\n#   memory.available: 1Gi\n'), undefined);
		assert.equal(evictionHardMemoryAvailable('evictionHard: |\n  memory.available: 1Gi\n'), null);
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  allocatable.memory.available: 1Gi\n'), null);
	});

	test('the flow form: keys quoted or not, with or without spaces around the colon', () => {
		assert.equal(evictionHardMemoryAvailable('evictionHard: {memory.available: 300Mi, nodefs.available: 10%}\n'), '300Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard:{"memory.available":"400Mi"}\n'), '400Mi');
		assert.equal(evictionHardMemoryAvailable('evictionHard: {"memory.available" : \'500Mi\'}\n'), '500Mi');
	});

	test('a value quoted only in part is taken as written', () => {
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  memory.available: "200Mi"x\n'), '"200Mi"x');
		assert.equal(evictionHardMemoryAvailable('evictionHard:\n  memory.available: x"200Mi"\n'), 'x"200Mi"');
	});

	test('percentages: any number of digits, a fraction; nothing before or after', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		const percent = (value: string) => {
			tree.write(configFile, `evictionHard:\n  memory.available: ${value}\n`);
			const threshold = readEvictionThreshold(tree.root);
			return threshold.source === 'config' ? threshold.percent : threshold.note;
		};
		assert.deepEqual(['10%', '7.5%', '0.25%'].map(percent), [10, 7.5, 0.25]);
		assert.deepEqual(['x5%', '5%x'].map(percent), ['/var/lib/kubelet/config.yaml memory.available "x5%" not understood', '/var/lib/kubelet/config.yaml memory.available "5%x" not understood']);
	});

	test('what the default is taken for: no evictionHard, no config where a directory should be, an unreadable config (its 40 first characters of a value not understood)', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		tree.write(configFile, 'kind: KubeletConfiguration\n');
		assert.deepEqual(readEvictionThreshold(tree.root), {bytes: 100 * MiB, percent: null, source: 'default', file: '/var/lib/kubelet/config.yaml', note: '/var/lib/kubelet/config.yaml sets no evictionHard'});
		tree.write(configFile, `evictionHard:\n  memory.available: ${'9'.repeat(30)}${'x'.repeat(30)}\n`);
		assert.equal(readEvictionThreshold(tree.root).note, `/var/lib/kubelet/config.yaml memory.available "${'9'.repeat(30)}${'x'.repeat(10)}" not understood`);
		const config = path.join(tree.root, configFile);
		assert.deepEqual(descriptorsOpenOn(config), [], 'the file is closed after it is read');
		fs.rmSync(config);
		fs.symlinkSync('/etc/hostname', config);
		assert.deepEqual(readEvictionThreshold(tree.root), {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: '/var/lib/kubelet/config.yaml unreadable (ELOOP)'});
		const notDirectory = new FixtureTree();
		after(() => notDirectory.remove());
		notDirectory.write('var/lib/kubelet', 'a file\n');
		assert.deepEqual(readEvictionThreshold(notDirectory.root), {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: null});
	});

	test('a value it cannot read or understand falls back to the default, saying so; --root is where it looks', () => {
		const tree = new FixtureTree();
		after(() => tree.remove());
		assert.deepEqual(readEvictionThreshold(tree.root), {bytes: 100 * MiB, percent: null, source: 'default', file: null, note: null});
		tree.write(configFile, 'evictionHard:\n  memory.available: "\u001b[31mlots"\n');
		const garbled = readEvictionThreshold(tree.root);
		assert.equal(garbled.source, 'default');
		assert.match(garbled.note!, /not understood/);
		tree.addProcess({pid: 2, ppid: 0, comm: 'kthreadd', cgroup: '0::/\n', kernelThread: true});
		const model = modelOf(tree);
		assert.match(modelToText(model, 200), /not understood\)/);
		assert.doesNotMatch(modelToText(model, 200), /\u001b/, 'the file\'s text is sanitized before the terminal');
		tree.write(configFile, 'evictionHard:\n  memory.available: 7%\n');
		assert.deepEqual(readEvictionThreshold(tree.root), {bytes: null, percent: 7, source: 'config', file: '/var/lib/kubelet/config.yaml', note: null});
		assert.equal(readEvictionThreshold(null).source, 'default');
	});
});
