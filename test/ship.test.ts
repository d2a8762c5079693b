import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {after, describe, test} from 'node:test';
import {projectRoot, type PodtopJson} from './helpers/podtop.js';
import {requireOrSkip} from './helpers/require.js';

const run = promisify(execFile);
const version = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {version: string}).version;

async function registryAnswers(): Promise<boolean> {
	try {
		await run('npm', ['ping', '--silent'], {timeout: 60_000});
		return true;
	} catch {
		return false;
	}
}

function temporaryDirectory(prefix: string): string {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	after(() => fs.rmSync(directory, {recursive: true, force: true}));
	return directory;
}

describe('shipping podtop to a node', () => {
	test('the one-file build runs with only node: no package.json, no node_modules', async () => {
		const directory = temporaryDirectory('podtop-one-file-');
		const bundle = path.join(directory, 'podtop.mjs');
		fs.copyFileSync(path.join(projectRoot, 'dist', 'podtop.mjs'), bundle);
		const options = {cwd: directory, env: {PATH: process.env.PATH}, maxBuffer: 256 * 1024 * 1024};
		assert.equal((await run(process.execPath, [bundle, '--version'], options)).stdout.trim(), version);
		const json = JSON.parse((await run(process.execPath, [bundle, '--once', '--json'], options)).stdout) as PodtopJson;
		assert.equal(json.version, version);
		assert.ok(json.counts.processes > 0);
		assert.ok(json.hostProcesses.some((process) => process.kernelThread));
	});

	test('the one-file build streams --json with nothing on stderr (the V8 flag it sets exists in this Node)', {timeout: 300_000}, async () => {
		const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'podtop.mjs'), '--json', '--interval', '100'], {stdio: ['ignore', 'pipe', 'pipe']});
		after(() => {
			if (child.exitCode === null) child.kill('SIGKILL');
		});
		let stdout = '';
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		// Two documents, or an exit before them: a podtop that dies is reported with what it said, not waited on.
		await new Promise<void>((resolve, reject) => {
			child.on('error', reject);
			child.on('exit', (code, signal) => reject(new Error(`podtop exited (${code ?? signal}) before two documents:\n${stdout}\n${stderr}`)));
			child.stdout.on('data', (chunk: Buffer) => {
				stdout += chunk.toString();
				if (stdout.split('\n').length > 2) resolve();
			});
		});
		const exited = new Promise((resolve) => child.on('exit', resolve));
		child.kill('SIGTERM');
		assert.equal(await exited, 0, 'a stream stopped by SIGTERM exits 0');
		const [first, second] = stdout.split('\n').map((line) => line && (JSON.parse(line) as PodtopJson));
		assert.ok(first && second && first.counts.processes > 0 && second.version === version);
		assert.equal(stderr, '');
	});

	test('`podtop --once --json | head -c 100`: the closed pipe ends podtop quietly', async () => {
		const {stdout, stderr} = await run('bash', ['-c', `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(projectRoot, 'dist', 'podtop.mjs'))} --once --json | head -c 100`]);
		assert.equal(stdout.length, 100);
		assert.equal(stderr, '');
	});

	test('npm pack, install into an empty project, npx podtop --once', {timeout: 600_000}, async (t) => {
		// Installing the tarball fetches its dependencies from the registry: only where it answers.
		if (!requireOrSkip(t, await registryAnswers(), 'the npm registry does not answer (npm ping)')) return;
		const directory = temporaryDirectory('podtop-pack-');
		const {stdout} = await run('npm', ['pack', '--silent', '--pack-destination', directory], {cwd: projectRoot});
		const tarball = path.join(directory, stdout.trim().split('\n').at(-1) ?? '');
		assert.ok(fs.existsSync(tarball), `npm pack made ${tarball}`);
		const project = path.join(directory, 'project');
		fs.mkdirSync(project);
		fs.writeFileSync(path.join(project, 'package.json'), '{"name": "node-admin", "private": true}\n');
		await run('npm', ['install', '--no-audit', '--no-fund', '--silent', '--prefer-offline', tarball], {cwd: project, timeout: 480_000});
		const once = await run('npx', ['--no-install', 'podtop', '--once'], {cwd: project});
		assert.match(once.stdout, /^POD \/ CONTAINER \/ PROCESS/m);
		assert.match(once.stdout, /\d+ processes?/);
		const help = await run('npx', ['--no-install', 'podtop', '--help'], {cwd: project});
		assert.match(help.stdout, /--interval <ms>/);
	});
});
