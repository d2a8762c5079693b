/**
 * Names that are not UTF-8 on real cgroup v2 (one VM boot, test/vm/harness.ts): cgroups whose names are not UTF-8,
 * made by non-utf8-v2-rig.sh, each with its own limits, one of them after an OOM kill. podtop must read every
 * container's files under its exact bytes, keep two names apart that show alike, and show them as `\xNN`.
 */
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';
import {before, describe, test} from 'node:test';
import {sanitizeForTerminal} from '../../source/format/terminal-text.js';
import type {PodtopJson} from '../helpers/podtop.js';
import {requireOrSkip} from '../helpers/require.js';
import {vmAvailable} from './harness.js';
import {runVmRig} from './rig-run.js';

const available = vmAvailable();
const rigScript = fileURLToPath(new URL('non-utf8-v2-rig.sh', import.meta.url));
const MiB = 1024 * 1024;

/** The rig's leaves in its order, as podtop shows them. */
const shown = ['pair\\xff\\xfe', 'lone\\x80', 'ctl\\x01\\x1b[31m\\xff', 'pair\\xff\\xfe'];
const memoryMax = (index: number) => (index === 0 ? 32 : 40 + index) * MiB;

type Rig = {pids: number[]; json: PodtopJson};

function parseRig(stdout: string, stderr: string): Rig {
	const begin = stdout.indexOf('--- podtop json begin\n');
	const end = stdout.indexOf('--- podtop json end');
	assert.ok(begin >= 0 && end > begin, `no podtop JSON in the output:\n${stdout}\n${stderr}`);
	const pids: number[] = [];
	let podtopStatus: number | undefined;
	for (const line of stdout.slice(0, begin).split('\n')) {
		const fields = line.split(' ');
		if (fields[0] === 'set' && fields[1].startsWith('pid.')) pids[Number(fields[1].slice('pid.'.length))] = Number(fields[2]);
		else if (fields[0] === 'podtop-status') podtopStatus = Number(fields[1]);
	}
	assert.equal(podtopStatus, 0, `podtop --once --json failed in the VM:\n${stderr}`);
	assert.equal(pids.length, shown.length, `a pid per leaf: ${stdout.slice(0, begin)}`);
	return {pids, json: JSON.parse(stdout.slice(begin + '--- podtop json begin\n'.length, end)) as PodtopJson};
}

describe('cgroup names that are not UTF-8 on real cgroup v2 (one VM boot)', {timeout: 200_000}, () => {
	let rig: Rig;

	before(async () => {
		if (!available.ok) return;
		const {stdout, stderr} = await runVmRig(rigScript);
		rig = parseRig(stdout, stderr);
	}, {timeout: 190_000});

	const containerOf = (pid: number) => {
		const found = rig.json.pods.flatMap((pod) => pod.containers).find((container) => container.processes.some((process) => process.pid === pid));
		assert.ok(found, `process ${pid} is in a container`);
		return found;
	};

	test('each container\'s own memory.max, pids.max and counters, read under its exact bytes', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		assert.equal(rig.json.host.cgroupMode, 'v2');
		for (const [index, pid] of rig.pids.entries()) {
			const container = containerOf(pid);
			const what = shown[index];
			assert.equal(container.memory.max, memoryMax(index), `${what}: memory.max`);
			assert.ok(container.memory.current !== null && container.memory.current > 0, `${what}: memory.current ${container.memory.current}`);
			assert.equal(container.memory.events.high, 0, `${what}: memory.events read`);
			assert.deepEqual([container.pids.current, container.pids.max], [1, 20 + index], `${what}: pids`);
			assert.ok(container.cpu.usageUsec !== null && container.cpu.usageUsec > 0, `${what}: cpu.stat read`);
		}
	});

	test('the OOM kill in the cgroup named with an invalid pair', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const {memory} = containerOf(rig.pids[0]);
		assert.ok(memory.events.oomKill !== null && memory.events.oomKill >= 1, `memory.events oom_kill ${memory.events.oomKill}`);
		assert.ok(memory.peak !== null && memory.peak >= 30 * MiB && memory.peak <= 32 * MiB, `memory.peak ${memory.peak}`);
	});

	test('the names show as \\xNN, in JSON as on the terminal; the invalid pair and its text are two containers', (t) => {
		if (!requireOrSkip(t, available.ok, available.reason)) return;
		const containers = rig.pids.map(containerOf);
		for (const [index, container] of containers.entries()) {
			assert.equal(sanitizeForTerminal(container.name), shown[index]);
			assert.equal(sanitizeForTerminal(container.cgroup ?? ''), `/podtop-bytes/${shown[index]}`);
			assert.doesNotMatch(`${container.name} ${container.cgroup}`, /[\ud800-\udfff\ufffd]/, 'no surrogate or U+FFFD: JSON says \\xff');
		}
		assert.notEqual(containers[0], containers[3]);
		assert.notEqual(containers[0].memory.max, containers[3].memory.max);
	});
});
