import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {test} from 'node:test';
import {podtopOnceJson} from '../helpers/podtop.js';
import {isRoot, requireOrSkip} from '../helpers/require.js';
import {startPopulation, withRig} from '../helpers/rigs.js';

type LsnsEntry = {ns: number; type: string; nprocs: number; pid: number};

function lsns(): LsnsEntry[] | null {
	try {
		return (JSON.parse(execFileSync('lsns', ['-J', '-o', 'NS,TYPE,NPROCS,PID'], {encoding: 'utf8'})) as {namespaces: LsnsEntry[]}).namespaces;
	} catch {
		return null;
	}
}

/** The namespaces lsns lists with the same process count and lowest pid in both of its reads: nothing came or went there. */
function stableBetween(before: LsnsEntry[], after: LsnsEntry[]): LsnsEntry[] {
	const later = new Map(after.map((entry) => [`${entry.type}:${entry.ns}`, entry]));
	return before.filter((entry) => {
		const again = later.get(`${entry.type}:${entry.ns}`);
		return again !== undefined && again.nprocs === entry.nprocs && again.pid === entry.pid;
	});
}

// The machine is shared: other processes' namespaces come and go between lsns's read and podtop's. Exact counts
// are compared where lsns saw nothing change around podtop's read (the population among them); the host's
// namespaces, where processes always come and go, are compared by kind, and their counts reported.
test('the namespace table agrees with lsns -J on a quiet population', async (t) => {
	if (!requireOrSkip(t, isRoot && lsns() !== null, 'needs root and lsns (util-linux)')) return;
	const population = await withRig(t, () => startPopulation({size: 300, kinds: ['plain'], cgroups: 0}));
	const before = lsns();
	const json = await podtopOnceJson();
	const after = lsns();
	assert.ok(before && after);
	const ours = new Map(json.namespaces.map((entry) => [`${entry.type}:${entry.inode}`, entry]));

	let compared = 0;
	for (const entry of stableBetween(before, after)) {
		const mine = ours.get(`${entry.type}:${entry.ns}`);
		assert.ok(mine, `podtop lacks ${entry.type}:[${entry.ns}] that lsns lists before and after it (${entry.nprocs} processes)`);
		if (mine.host) {
			assert.ok(mine.processes > 0, `${entry.type} host namespace has processes`);
			t.diagnostic(`${entry.type} host namespace: podtop ${mine.processes}, lsns ${entry.nprocs}`);
		} else {
			assert.equal(mine.processes, entry.nprocs, `${entry.type}:[${entry.ns}] process count`);
			assert.equal(mine.owner, entry.pid, `${entry.type}:[${entry.ns}] lowest pid`);
		}
		compared++;
	}
	for (const group of population.namespaceGroups) {
		const net = ours.get(`net:${group.namespaces.net}`);
		assert.equal(net?.processes, group.pids.length, 'each population group shares one net namespace');
		assert.equal(net?.host, false);
	}
	assert.ok(compared >= population.namespaceGroups.length * 3, `compared ${compared} namespaces`);
});
