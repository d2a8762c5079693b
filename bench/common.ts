import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {onCleanup} from './cleanup.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const benchDir = path.join(projectRoot, 'bench');
/** A user's terminal has none of these (tools may draw differently under them). */
export const withoutCi = ['env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION'];

export {sleep};
// What the tests use too: one copy, in test/helpers.
export {cliPath} from '../test/helpers/podtop.js';
export {commandExists, isAlive, waitFor} from '../test/helpers/processes.js';

export function log(message: string): void {
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export type RunResult = {stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null};

/** Runs a command to completion without a shell; never rejects for a non-zero exit. */
export function run(file: string, args: readonly string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string} = {}): Promise<RunResult> {
	return new Promise((resolve) => {
		const child = execFile(
			file,
			args,
			{env: options.env ?? process.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 256 << 20, cwd: options.cwd ?? projectRoot},
			(error, stdout, stderr) => {
				forget();
				const failure = error as (Error & {code?: unknown; signal?: NodeJS.Signals}) | null;
				resolve({
					stdout,
					stderr,
					code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
					signal: failure?.signal ?? null,
				});
			},
		);
		// A run interrupted (Ctrl-C, an error elsewhere) stops what it started.
		const forget = onCleanup(`${file} ${args.join(' ')}`, () => {
			child.kill('SIGKILL');
		});
	});
}

/** Runs a command and fails with its stderr when it does not exit 0. */
export async function runOrThrow(file: string, args: readonly string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<string> {
	const result = await run(file, args, options);
	if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim().slice(0, 2000)}`);
	return result.stdout;
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat); null once it is gone. */
export function cpuTicks(pid: number): number | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// fields[0] is field 3 (state): field n is fields[n - 3].
		return Number(fields[14 - 3]) + Number(fields[15 - 3]);
	} catch {
		return null;
	}
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), null when unreadable. */
export function statusKiB(pid: number, field: string): number | null {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
		return match ? Number(match[1]) * 1024 : null;
	} catch {
		return null;
	}
}

/** The number of processes in /proc right now. */
export function processCount(): number {
	return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).length;
}

export const clockTicksPerSecond = 100;

/** Spawns a child whose stdout is parsed as one JSON document; rejects with its stderr on failure. */
export function runJsonChild<T>(file: string, args: readonly string[], timeoutMs = 900_000): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		const forget = onCleanup(`${file} ${args.join(' ')}`, () => {
			child.kill('SIGKILL');
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			forget();
			if (code !== 0) {
				reject(new Error(`${file} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(-3000)}`));
				return;
			}
			try {
				resolve(JSON.parse(stdout) as T);
			} catch (error) {
				reject(new Error(`${file} ${args.join(' ')} printed no JSON (${String(error)}): ${stdout.slice(0, 500)} ${stderr.slice(-2000)}`));
			}
		});
	});
}

const resultName = /^(\d{4}-\d{2}-\d{2}(?:-\d+)?)(?:\.md|-(?:\d+|soak|serve|pods|events|record)\.(?:json|md))$/;

/**
 * The name a run's files begin with: the date, or `<date>-2`, `-3`… when a run that day wrote results already,
 * so that a second run keeps the first's.
 */
export function freshRunLabel(out: string, date: string): string {
	const taken = new Set(fs.existsSync(out) ? fs.readdirSync(out).flatMap((name) => resultName.exec(name)?.[1] ?? []) : []);
	let label = date;
	for (let run = 2; taken.has(label); run++) label = `${date}-${run}`;
	return label;
}
