import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import path from 'node:path';
import {test} from 'node:test';
import {promisify} from 'node:util';
import {inkPatchedImports} from '../../source/ink-patches/manifest.js';
import {projectRoot} from '../helpers/podtop.js';

const run = promisify(execFile);
const app = path.join(projectRoot, 'test', 'ink-patches', 'patched-frame-app.tsx');

async function frames(patched: boolean): Promise<{frames: string[]; patched: string[]}> {
	const hooks = patched ? ['--import', path.join(projectRoot, 'test', 'helpers', 'patched-ink.ts')] : [];
	const {stdout} = await run(process.execPath, ['--import', 'tsx', ...hooks, app, ...(patched ? ['patched'] : [])], {cwd: projectRoot, maxBuffer: 16 << 20});
	return JSON.parse(stdout) as {frames: string[]; patched: string[]};
}

test('component tests run on the patched Ink users get, which draws what stock Ink draws', {timeout: 120_000}, async () => {
	const [own, stock] = await Promise.all([frames(true), frames(false)]);
	assert.deepEqual(own.patched, [...inkPatchedImports].sort(), 'every patch of the manifest was given to Ink');
	assert.deepEqual(stock.patched, []);
	assert.equal(own.frames.length, 20);
	assert.deepEqual(own.frames, stock.frames);
});
