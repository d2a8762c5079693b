import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {after, describe, test} from 'node:test';
import {projectRoot, type PodtopJson} from './helpers/podtop.js';

const run = promisify(execFile);
const version = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {version: string}).version;

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

	test('npm pack, install into an empty project, npx podtop --once', {timeout: 240_000}, async () => {
		const directory = temporaryDirectory('podtop-pack-');
		const {stdout} = await run('npm', ['pack', '--silent', '--pack-destination', directory], {cwd: projectRoot});
		const tarball = path.join(directory, stdout.trim().split('\n').at(-1) ?? '');
		assert.ok(fs.existsSync(tarball), `npm pack made ${tarball}`);
		const project = path.join(directory, 'project');
		fs.mkdirSync(project);
		fs.writeFileSync(path.join(project, 'package.json'), '{"name": "node-admin", "private": true}\n');
		await run('npm', ['install', '--no-audit', '--no-fund', '--silent', tarball], {cwd: project});
		const once = await run('npx', ['--no-install', 'podtop', '--once'], {cwd: project});
		assert.match(once.stdout, /^POD \/ CONTAINER \/ PROCESS/m);
		assert.match(once.stdout, /\d+ processes?/);
		const help = await run('npx', ['--no-install', 'podtop', '--help'], {cwd: project});
		assert.match(help.stdout, /--interval <ms>/);
	});
});
