import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, describe, test} from 'node:test';
import {FileReader} from '../../source/collect/file-reader.js';
import {HostFigureReader, showsOwnPidNamespace} from '../../source/collect/host-reader.js';
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
