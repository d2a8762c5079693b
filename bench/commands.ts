import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cliPath, commandExists, run} from './common.js';
import {summarize, type Summary} from './stats.js';

export type TimedCommand = {name: string; argv: string[]};
/** `failedRuns`: runs that exited non-zero (lsns and ps can, when a process vanishes while they read it). */
export type CommandTiming = {tool: 'hyperfine' | 'spawnSync'; runs: number; failedRuns: number; seconds: Summary};

type HyperfineJson = {results: {command: string; times: number[]; exit_codes?: (number | null)[]}[]};

/**
 * Wall time of whole commands, output discarded: hyperfine (no shell, -N) when present, else repeated
 * spawnSync. Medians are over `runs` runs after `warmup` unmeasured ones.
 */
export async function timeCommands(commands: readonly TimedCommand[], runs: number, warmup: number): Promise<Record<string, CommandTiming>> {
	const timings: Record<string, CommandTiming> = {};
	if (commandExists('hyperfine') && commands.every(({argv}) => argv.every((arg) => !/\s/.test(arg)))) {
		const output = path.join(os.tmpdir(), `podtop-bench-hyperfine-${process.pid}.json`);
		try {
			const args = ['-N', '--ignore-failure', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', output];
			for (const {name, argv} of commands) args.push('-n', name, argv.join(' '));
			const result = await run('hyperfine', args);
			if (result.code !== 0) throw new Error(`hyperfine failed: ${result.stderr.slice(-1500)}`);
			const parsed = JSON.parse(fs.readFileSync(output, 'utf8')) as HyperfineJson;
			parsed.results.forEach((entry, index) => {
				const failedRuns = (entry.exit_codes ?? []).filter((code) => code !== 0).length;
				timings[commands[index].name] = {tool: 'hyperfine', runs: entry.times.length, failedRuns, seconds: summarize(entry.times)};
			});
			return timings;
		} finally {
			fs.rmSync(output, {force: true});
		}
	}
	for (const {name, argv} of commands) {
		const times: number[] = [];
		let failedRuns = 0;
		for (let index = 0; index < warmup + runs; index++) {
			const started = performance.now();
			const result = spawnSync(argv[0], argv.slice(1), {stdio: 'ignore'});
			const seconds = (performance.now() - started) / 1000;
			if (result.error) throw result.error;
			if (index < warmup) continue;
			times.push(seconds);
			if (result.status !== 0) failedRuns++;
		}
		timings[name] = {tool: 'spawnSync', runs, failedRuns, seconds: summarize(times)};
	}
	return timings;
}

export const psColumns = 'pid,ppid,comm,rss,cgroup,netns,ipcns,utsns,pidns,mntns';

/** The peers that read the same facts from /proc in one go, and podtop's own one-shot. */
export function peerCommands(): TimedCommand[] {
	return [
		{name: 'lsns -J', argv: ['lsns', '-J']},
		{name: `ps -eo ${psColumns}`, argv: ['ps', '-eo', psColumns]},
	];
}

export function onceJsonCommand(): TimedCommand {
	return {name: 'podtop --once --json', argv: [process.execPath, cliPath, '--once', '--json']};
}
