import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {describe, test} from 'node:test';
import {describeHost, readDistribution} from '../../source/collect/host-description.js';
import {cliPath, podtopOnceJson} from '../helpers/podtop.js';
import {fedora, ownDistribution, temporaryRoot} from '../helpers/host-roots.js';
import {requireOrSkip} from '../helpers/require.js';

// The distribution and describeHost from fixture roots are in host-description-fixtures.test.ts; here, this machine's.
describe('the distribution, from the os-release of the root given', () => {
	test('without --root, this machine\'s own', () => {
		assert.equal(readDistribution('/'), ownDistribution());
	});
});

describe('describeHost', () => {
	test('the real systeminformation on this machine: its CPU model is the kernel\'s', async () => {
		const description = await describeHost('/');
		assert.equal(description.distribution, ownDistribution());
		const modelName = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
		assert.ok(description.cpuModel !== null, 'a CPU model');
		for (const word of description.cpuModel.split(' ')) assert.ok(modelName.includes(word), `"${word}" of "${description.cpuModel}" is in "${modelName}"`);
	});
});

describe('podtop and the host description', () => {
	test('under --root, the JSON host has the mounted host\'s distribution, not the running one\'s', async () => {
		const root = temporaryRoot();
		// A host mounted at <root>, as in a debug container: its /proc and cgroups are this machine's.
		fs.symlinkSync('/proc', path.join(root, 'proc'));
		fs.mkdirSync(path.join(root, 'sys', 'fs'), {recursive: true});
		fs.symlinkSync('/sys/fs/cgroup', path.join(root, 'sys', 'fs', 'cgroup'));
		fs.writeFileSync(path.join(root, 'usr', 'lib', 'os-release'), fedora);
		fs.symlinkSync('../usr/lib/os-release', path.join(root, 'etc', 'os-release'));
		const json = await podtopOnceJson(['--root', root]);
		assert.equal(json.host.distribution, 'Fedora Linux 41');
		const own = await podtopOnceJson();
		assert.equal(own.host.distribution, ownDistribution());
		assert.ok(own.host.cpuModel !== null);
		assert.equal(json.host.cpuModel, own.host.cpuModel);
	});

	test('systeminformation runs once at start, never in the refresh loop', async (t) => {
		const lscpu = execFileSync('bash', ['-c', 'command -v lscpu || true'], {encoding: 'utf8'}).trim();
		if (!requireOrSkip(t, lscpu !== '', 'needs lscpu (util-linux)')) return;
		// An lscpu first on PATH that notes each run, then runs the real one.
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-codebase-execs-'));
		t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
		const runs = path.join(directory, 'runs');
		fs.writeFileSync(path.join(directory, 'lscpu'), `#!/bin/sh\necho run >> '${runs}'\nexec '${lscpu}' "$@"\n`, {mode: 0o755});
		const child = spawn(process.execPath, [cliPath, '--json', '--interval', '100'], {
			stdio: ['ignore', 'pipe', 'ignore'],
			env: {...process.env, PATH: `${directory}:${process.env.PATH ?? ''}`},
		});
		const exited = new Promise((resolve) => child.once('exit', resolve));
		t.after(() => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		});
		const countRuns = () => fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;
		const documents: Array<{host: {cpuModel: string | null}}> = [];
		let runsAtFirstDocument = 0;
		for await (const line of readline.createInterface({input: child.stdout})) {
			documents.push(JSON.parse(line) as {host: {cpuModel: string | null}});
			if (documents.length === 1) runsAtFirstDocument = countRuns();
			if (documents.length === 10) break;
		}

		child.kill('SIGTERM');
		await exited;
		assert.ok(documents.every((document) => document.host.cpuModel !== null), 'every document has the CPU model');
		assert.ok(runsAtFirstDocument > 0, 'systeminformation ran lscpu before the first document');
		assert.equal(countRuns(), runsAtFirstDocument, `no lscpu over the ${documents.length - 1} refreshes after the first document`);
	});
});
