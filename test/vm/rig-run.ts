import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {cliPath} from '../helpers/podtop.js';
import {runInVm} from './harness.js';

export type RigOutput = {stdout: string; stderr: string; elapsedMs: number};

/** Runs a rig script (a sibling *-rig.sh) in one VM boot with the built CLI; fails with all it printed unless it exits 0. */
export async function runVmRig(script: string, options: {timeoutMs?: number} = {}): Promise<RigOutput> {
	assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
	const started = Date.now();
	// Generous: under emulation Node takes seconds to start, and an OOM rig took 58 s on a quiet host once,
	// more when the host is busy.
	const result = await runInVm(`sh ${script}`, {timeoutMs: options.timeoutMs ?? 170_000, env: {PODTOP_CLI: cliPath}});
	const context = `exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
	assert.equal(result.code, 0, context);
	return {stdout: result.stdout, stderr: result.stderr, elapsedMs: Date.now() - started};
}

/** The text a rig script printed between its `--- <name> begin` and `--- <name> end` lines. */
export function between(stdout: string, name: string): string {
	const begin = stdout.indexOf(`--- ${name} begin\n`);
	const end = stdout.indexOf(`--- ${name} end`);
	assert.ok(begin >= 0 && end > begin, `no ${name} in the output:\n${stdout}`);
	return stdout.slice(begin + `--- ${name} begin\n`.length, end);
}
