import {type ChildProcess, execFile, spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {eventToJson} from '../../source/output/event-lines.js';
import type {modelToJson} from '../../source/output/json.js';
import {forEachLine} from './processes.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI, as `npm start` and users run it (`npm test` builds it first). */
export const cliPath = path.join(projectRoot, 'dist', 'podtop.mjs');

export type PodtopJson = ReturnType<typeof modelToJson>;
/** One line of `podtop events --json`. */
export type JsonEvent = ReturnType<typeof eventToJson>;
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

/** The values of the NDJSON a stream carries, parsed into the list returned as their lines come. */
export function collectNdjson<T>(stream: NodeJS.ReadableStream): T[] {
	const values: T[] = [];
	forEachLine(stream, (line) => {
		if (line) values.push(JSON.parse(line) as T);
	});
	return values;
}

/** `podtop events --json` as a child process, its NDJSON parsed as it comes. */
export function startPodtopEvents(args: readonly string[]): {child: ChildProcess; events: JsonEvent[]; stderr: () => string} {
	const child = spawn(process.execPath, [cliPath, 'events', '--json', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	const events = collectNdjson<JsonEvent>(child.stdout!);
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return {child, events, stderr: () => stderr};
}
