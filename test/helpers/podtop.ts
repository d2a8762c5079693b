import {execFile} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {modelToJson} from '../../source/output/json.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI, as `npm start` and users run it (`npm test` builds it first). */
export const cliPath = path.join(projectRoot, 'dist', 'podtop.mjs');

export type PodtopJson = ReturnType<typeof modelToJson>;
export type PodtopRun = {stdout: string; stderr: string; code: number};

export function runPodtop(args: readonly string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<PodtopRun> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[cliPath, ...args],
			{env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024},
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolve({stdout, stderr, code});
			},
		);
	});
}

/** `podtop --once --json` parsed; fails the test with podtop's stderr when it does not exit 0. */
export async function podtopOnceJson(extraArgs: readonly string[] = []): Promise<PodtopJson> {
	const result = await runPodtop(['--once', '--json', ...extraArgs]);
	if (result.code !== 0) throw new Error(`podtop exited ${result.code}: ${result.stderr}`);
	return JSON.parse(result.stdout) as PodtopJson;
}
