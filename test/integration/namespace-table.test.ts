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

/** The observers (podtop and its node, lsns, this test) sit in the host namespaces and come and go. */
const observerSlack = 4;

test('the namespace table agrees with lsns -J on a quiet population', async (t) => {
	if (!requireOrSkip(t, isRoot && lsns() !== null, 'needs root and lsns (util-linux)')) return;
	const population = await withRig(t, () => startPopulation(300));
	const json = await podtopOnceJson();
	const reference = lsns();
	assert.ok(reference);
	const ours = new Map(json.namespaces.map((entry) => [`${entry.type}:${entry.inode}`, entry]));

	let compared = 0;
	for (const entry of reference) {
		const mine = ours.get(`${entry.type}:${entry.ns}`);
		assert.ok(mine, `podtop lacks ${entry.type}:[${entry.ns}] that lsns lists (${entry.nprocs} processes)`);
		if (mine.host) {
			assert.ok(Math.abs(mine.processes - entry.nprocs) <= observerSlack, `${entry.type} host namespace: ${mine.processes} vs lsns ${entry.nprocs}`);
		} else {
			assert.equal(mine.processes, entry.nprocs, `${entry.type}:[${entry.ns}] process count`);
			assert.equal(mine.owner, entry.pid, `${entry.type}:[${entry.ns}] lowest pid`);
		}
		compared++;
	}
	for (const group of population.groups) {
		const net = ours.get(`net:${group.namespaces.net}`);
		assert.equal(net?.processes, group.pids.length, 'each population group shares one net namespace');
		assert.equal(net?.host, false);
	}
	assert.ok(compared >= 8 + population.groups.length * 3, `compared ${compared} namespaces`);
});
