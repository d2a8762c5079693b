/**
 * Never following a path inside a container, for the runtime metadata files (symlinks, FIFOs and oversized files are in
 * test/collect/runtime-names.test.ts): device nodes in their place are never read, and a listing of
 * symlinks is never followed.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {RuntimeNameResolver} from '../../source/collect/runtime-names.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';

const id = (tag: string) => Buffer.from(tag).toString('hex').padEnd(64, '0').slice(0, 64);

describe('runtime metadata that is not a regular file', () => {
	test('character devices (/dev/zero, /dev/urandom) and a block device in place of config.json are skipped at once', (t) => {
		if (!requireOrSkip(t, isRoot, 'needs root (mknod)')) return;
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-devices-'));
		t.after(() => fs.rmSync(root, {recursive: true, force: true}));
		const tasks = path.join(root, 'run/containerd/io.containerd.runtime.v2.task/k8s.io');
		const devices = {zero: ['c', '1', '5'], urandom: ['c', '1', '9'], loop: ['b', '7', '0']} as const;
		for (const [name, [kind, major, minor]] of Object.entries(devices)) {
			fs.mkdirSync(path.join(tasks, id(name)), {recursive: true});
			execFileSync('mknod', [path.join(tasks, id(name), 'config.json'), kind, major, minor]);
		}
		// Docker's and the storage's places too.
		fs.mkdirSync(path.join(root, 'var/lib/docker/containers', id('zero')), {recursive: true});
		execFileSync('mknod', [path.join(root, 'var/lib/docker/containers', id('zero'), 'config.v2.json'), 'c', '1', '5']);
		fs.mkdirSync(path.join(root, 'var/lib/containers/storage/overlay-containers'), {recursive: true});
		execFileSync('mknod', [path.join(root, 'var/lib/containers/storage/overlay-containers/containers.json'), 'c', '1', '5']);
		// Every read goes through fs.readSync: a device opened and read would show here (/dev/zero reads as
		// zeros, which fail to parse and give null all the same).
		const reads = t.mock.method(fs, 'readSync');
		const resolver = new RuntimeNameResolver({root});
		for (const name of Object.keys(devices)) assert.equal(resolver.resolve(id(name)), null, name);
		assert.equal(reads.mock.callCount(), 0, 'nothing was read from the devices');
	});

	test('kubelet log symlinks are listed by name, never followed (one to a FIFO does not block)', (t) => {
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-links-'));
		t.after(() => fs.rmSync(root, {recursive: true, force: true}));
		const containerId = id('linked');
		const logs = path.join(root, 'var/log/containers');
		fs.mkdirSync(logs, {recursive: true});
		// A log link pointing at a FIFO: following it would block.
		const fifo = path.join(root, 'fifo');
		execFileSync('mkfifo', [fifo]);
		fs.symlinkSync(fifo, path.join(logs, `web_default_nginx-${containerId}.log`));
		const resolver = new RuntimeNameResolver({root});
		assert.deepEqual(
			{podName: resolver.resolve(containerId)?.podName, containerName: resolver.resolve(containerId)?.containerName},
			{podName: 'web', containerName: 'nginx'},
			'the name is taken from the link\'s own name',
		);
	});
});
