/**
 * Run as an unprivileged user (nobody), podtop runs, shows what it can read, counts
 * what it cannot, and says how to see everything.
 */
import assert from 'node:assert/strict';
import {execFile, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test, type TestContext} from 'node:test';
import {promisify} from 'node:util';
import {cliPath, type PodtopJson} from '../helpers/podtop.js';
import {commandExists} from '../helpers/processes.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';

const execFileAsync = promisify(execFile);
const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

function nobodyCanRead(file: string): boolean {
	return spawnSync('setpriv', [...asNobody, 'test', '-r', file], {stdio: 'ignore'}).status === 0;
}

/** The one-file CLI as nobody can run it: the checkout's, or a copy readable by all. */
function readableCli(t: TestContext): string {
	if (nobodyCanRead(cliPath)) return cliPath;
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-nobody-'));
	t.after(() => fs.rmSync(directory, {recursive: true, force: true}));
	const copy = path.join(directory, 'podtop.mjs');
	fs.copyFileSync(cliPath, copy);
	fs.chmodSync(directory, 0o755);
	fs.chmodSync(copy, 0o644);
	return copy;
}

async function runAsNobody(cli: string, args: string[]): Promise<string> {
	const {stdout} = await execFileAsync('setpriv', [...asNobody, process.execPath, cli, ...args], {cwd: os.tmpdir(), maxBuffer: 64 << 20, timeout: 30_000});
	return stdout;
}

describe('podtop as nobody', () => {
	test('runs, counts what it cannot read, and says to run as root', async (t) => {
		if (!requireOrSkip(t, isRoot && commandExists('setpriv'), isRoot ? 'missing setpriv' : 'needs root to become nobody')) return;
		const cli = readableCli(t);
		const document = JSON.parse(await runAsNobody(cli, ['--once', '--json'])) as PodtopJson;
		assert.equal(document.problems.runningAsRoot, false);
		assert.ok(document.problems.unreadableNamespaces > 0, 'the namespaces it could not read are counted');
		assert.ok(document.counts.processes > 10, `it still lists the processes it can see (${document.counts.processes})`);
		assert.ok(document.hostProcesses.some((process) => process.pid === 1 || process.comm.length > 0), 'with their names');
		assert.ok(document.host.memoryTotal !== null && document.host.memoryTotal > 0, 'and the host figures');
		const text = await runAsNobody(cli, ['--once']);
		assert.match(text, /run as root for the full view/);
		assert.match(text, /namespaces of \d+ process(es)? unreadable/);
	});
});
