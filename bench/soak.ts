/**
 * The soak: the refresh loop for 36,000 refreshes (an hour at 100 ms; `--soak-interval-ms`
 * shortens it) under the churn generator of the reliability tests, in a child process on dist/; heap,
 * RSS and descriptors at checkpoints, which must stay flat.
 */
import {once} from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createCgroup, removeCgroupTree, uniqueRigName} from '../test/helpers/cgroups.js';
import {churnHierarchies, startChurnGenerator} from '../test/helpers/churn-generator.js';
import type {SoakCheckpoint, SoakTotals} from './soak-child.js';
import {onCleanup} from './cleanup.js';
import {benchDir, log, run} from './common.js';

export type SoakOptions = {refreshes: number; intervalMs: number};

export type SoakResult = SoakOptions & {
	wallSeconds: number;
	forks: number;
	forksPerMinute: number;
	checkpoints: SoakCheckpoint[];
	totals: SoakTotals;
	/** Least-squares slope over the second half of the checkpoints, per 1,000 refreshes. */
	heapSlopePerThousand: number;
	rssSlopePerThousand: number;
	rssAnonSlopePerThousand: number;
	fdSlopePerThousand: number;
};

function slopePerThousand(points: readonly SoakCheckpoint[], value: (point: SoakCheckpoint) => number): number {
	const half = points.slice(Math.floor(points.length / 2));
	const meanX = half.reduce((sum, point) => sum + point.refreshes, 0) / half.length;
	const meanY = half.reduce((sum, point) => sum + value(point), 0) / half.length;
	let covariance = 0;
	let variance = 0;
	for (const point of half) {
		covariance += (point.refreshes - meanX) * (value(point) - meanY);
		variance += (point.refreshes - meanX) ** 2;
	}
	return variance === 0 ? 0 : (covariance / variance) * 1000;
}

export async function measureSoak({refreshes, intervalMs}: SoakOptions): Promise<SoakResult> {
	const base = `/${uniqueRigName()}`;
	await createCgroup(base, churnHierarchies);
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-soak-'));
	const generator = startChurnGenerator(directory, base);
	const stopGenerator = async () => {
		generator.stop();
		if (generator.child.exitCode === null && generator.child.signalCode === null) await once(generator.child, 'exit');
	};
	const forgetGenerator = onCleanup('the soak churn generator', stopGenerator);
	const removeRig = async () => {
		await removeCgroupTree(base, 15_000);
		fs.rmSync(directory, {recursive: true, force: true});
	};
	const forgetCgroups = onCleanup(`the soak cgroups ${base}`, removeRig);
	log(`soak: ${refreshes} refreshes ${intervalMs} ms apart under churn`);
	const started = Date.now();
	const child = await run(
		process.execPath,
		['--expose-gc', '--import', 'tsx', path.join(benchDir, 'soak-child.ts'), '--refreshes', String(refreshes), '--interval-ms', String(intervalMs)],
		{timeoutMs: refreshes * (intervalMs + 200) + 600_000},
	);
	const wallSeconds = (Date.now() - started) / 1000;
	await stopGenerator();
	forgetGenerator();
	const forks = generator.forks();
	await removeRig();
	forgetCgroups();
	if (child.code !== 0) throw new Error(`the soak child exited ${child.code ?? child.signal}: ${child.stderr.slice(-3000)}`);
	const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as SoakCheckpoint | SoakTotals);
	const checkpoints = lines.filter((line): line is SoakCheckpoint => line.kind === 'checkpoint');
	const totals = lines.find((line): line is SoakTotals => line.kind === 'totals');
	if (!totals) throw new Error(`the soak child printed no totals: ${child.stdout.slice(-1000)}`);
	return {
		refreshes,
		intervalMs,
		wallSeconds,
		forks,
		forksPerMinute: Math.round((forks * 60) / wallSeconds),
		checkpoints,
		totals,
		heapSlopePerThousand: slopePerThousand(checkpoints, (point) => point.heapUsed),
		rssSlopePerThousand: slopePerThousand(checkpoints, (point) => point.rss),
		rssAnonSlopePerThousand: slopePerThousand(checkpoints, (point) => point.rssAnon ?? 0),
		fdSlopePerThousand: slopePerThousand(checkpoints, (point) => point.fds),
	};
}

const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const signedBytes = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${Math.abs(bytes) >= 2 ** 20 ? mebibytes(Math.abs(bytes)) : `${(Math.abs(bytes) / 1024).toFixed(1)} KiB`}`;

/** The soak's table: the checkpoints and what they show. */
export function soakMarkdown(result: SoakResult, date: string, command: string): string {
	const {checkpoints, totals} = result;
	const first = checkpoints[0];
	const last = checkpoints.at(-1)!;
	const range = (value: (point: SoakCheckpoint) => number, format: (n: number) => string) =>
		`${format(Math.min(...checkpoints.map(value)))} – ${format(Math.max(...checkpoints.map(value)))}`;
	const optional = (bytes: number | null) => (bytes === null ? '–' : mebibytes(bytes));
	const rows = checkpoints.map(
		(point) =>
			`| ${point.refreshes} | ${(point.elapsedMs / 1000).toFixed(0)} | ${mebibytes(point.heapUsed)} | ${mebibytes(point.heapTotal)} | ${mebibytes(point.external)} | ${mebibytes(point.rss)} | ${optional(point.rssAnon)} | ${optional(point.rssFile)} | ${point.fds} | ${point.processes} |`,
	);
	return [
		`Soak, ${date}: \`${command}\`: ${result.refreshes} refreshes ${result.intervalMs} ms apart in ${(result.wallSeconds / 60).toFixed(1)} min, under churn`,
		`(${result.forks} forks, ${result.forksPerMinute} a minute, a net and a pid namespace and a cgroup made and removed every round).`,
		`Errors: ${totals.errorCount}; refresh mean ${totals.meanMs} ms, slowest ${totals.slowestMs} ms.`,
		`Live heap ${mebibytes(first.heapUsed)} → ${mebibytes(last.heapUsed)} (range ${range((point) => point.heapUsed, mebibytes)}; second-half slope ${signedBytes(result.heapSlopePerThousand)} per 1,000 refreshes),`,
		`RSS ${mebibytes(first.rss)} → ${mebibytes(last.rss)} (slope ${signedBytes(result.rssSlopePerThousand)} per 1,000), of it anonymous ${optional(first.rssAnon)} → ${optional(last.rssAnon)} (slope ${signedBytes(result.rssAnonSlopePerThousand)} per 1,000) and file-backed ${optional(first.rssFile)} → ${optional(last.rssFile)}; V8 heap committed ${mebibytes(first.heapTotal)} → ${mebibytes(last.heapTotal)}, external ${mebibytes(first.external)} → ${mebibytes(last.external)}; descriptors ${first.fds} → ${last.fds} (range ${range((point) => point.fds, String)}; slope ${result.fdSlopePerThousand.toFixed(2)} per 1,000).`,
		'',
		'| refreshes | s | live heap | V8 heap committed | external | RSS | RSS anonymous | RSS file-backed | open fds | processes |',
		'|---|---|---|---|---|---|---|---|---|---|',
		...rows,
		'',
	].join('\n');
}
