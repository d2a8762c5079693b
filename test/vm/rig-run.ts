import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {cliPath} from '../helpers/podtop.js';
import {runInVm} from './harness.js';

export type RigOutput = {
	stdout: string;
	stderr: string;
	/** The rig's progress lines (`<rig>: <seconds since boot> <what>`), then the host's wall time for the whole VM run. */
	timeline: string[];
};

/** Runs a rig script (a sibling *-rig.sh) in one VM boot with the built CLI; fails with all it printed unless it exits 0. */
export async function runVmRig(script: string, options: {timeoutMs?: number} = {}): Promise<RigOutput> {
	assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
	const started = Date.now();
	// Generous: under emulation Node takes seconds to start, and an OOM rig took 58 s on a quiet host once,
	// more when the host is busy.
	const result = await runInVm(`sh ${script}`, {timeoutMs: options.timeoutMs ?? 170_000, env: {PODTOP_CLI: cliPath}});
	const context = `exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
	assert.equal(result.code, 0, context);
	// rig-lib.sh names the rig after its script.
	const rigName = path.basename(script, '.sh');
	const timeline = result.stderr
		.split('\n')
		.filter((line) => line.startsWith(`${rigName}: `))
		.concat(`VM run on the host: ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return {stdout: result.stdout, stderr: result.stderr, timeline};
}

/** The text a rig script printed between its `--- <name> begin` and `--- <name> end` lines. */
export function between(stdout: string, name: string): string {
	const begin = stdout.indexOf(`--- ${name} begin\n`);
	const end = stdout.indexOf(`--- ${name} end`);
	assert.ok(begin >= 0 && end > begin, `no ${name} in the output:\n${stdout}`);
	return stdout.slice(begin + `--- ${name} begin\n`.length, end);
}

/** The NDJSON a rig script printed between its `--- <name> begin` and `--- <name> end` lines, a value a line. */
export function ndjsonBetween<T>(stdout: string, name: string): T[] {
	return between(stdout, name)
		.split('\n')
		.filter((line) => line !== '')
		.map((line) => JSON.parse(line) as T);
}

/** The lines a rig script printed before its first `--- <name> begin` section, each split at spaces. */
function headFields(stdout: string): string[][] {
	const sections = stdout.search(/^--- /m);
	return stdout
		.slice(0, sections < 0 ? undefined : sections)
		.split('\n')
		.map((line) => line.trim().split(' '));
}

/** The values a rig script printed as `set <name> <value>`, by name. */
export function rigValues(stdout: string): Map<string, string> {
	return new Map(headFields(stdout).filter((fields) => fields[0] === 'set').map((fields) => [fields[1], fields[2]]));
}

/** A whole number ≥ 0 that a rig script printed as `set <name> <value>`; fails when it printed none. */
export function rigNumber(values: ReadonlyMap<string, string>, name: string): number {
	const value = Number(values.get(name));
	assert.ok(Number.isInteger(value) && value >= 0, `the rig printed no ${name}`);
	return value;
}

/** The memory.events lines a rig script printed with print_memory_events (`file <cgroup> <key> <value>`), by `${cgroup} ${key}`. */
export function rigCounters(stdout: string): Map<string, number> {
	return new Map(headFields(stdout).filter((fields) => fields[0] === 'file').map((fields) => [`${fields[1]} ${fields[2]}`, Number(fields[3])]));
}
