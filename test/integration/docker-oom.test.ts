import assert from 'node:assert/strict';
import fs from 'node:fs';
import {readdir, readlink} from 'node:fs/promises';
import {describe, test} from 'node:test';
import {docker, dockerInspect, dockerRig, sharedDaemons, uniqueDockerName, waitForDockerPid} from '../helpers/docker-rig.js';
import {cliPath, startPodtopEvents} from '../helpers/podtop.js';
import {isRunning, run, stopChild, waitFor} from '../helpers/processes.js';
import {requireOrSkip} from '../helpers/require.js';
import {hasTmux, TmuxTerminal} from '../helpers/tmux-terminal.js';

const prepare = sharedDaemons();

/**
 * The seeds' memconsumer: dd reads 40 MiB into one buffer under a 20 MiB limit and no swap, so it is OOM-killed at
 * once (exit 137). It waits for /tmp/go first, so that the test can let it go once podtop has seen the container.
 */
function startMemconsumer(image: string) {
	return dockerRig(async ({containers}) => {
		const name = `${uniqueDockerName()}-memconsumer`;
		containers.push(name);
		const command = 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exec dd if=/dev/zero of=/dev/null bs=40M count=1';
		await docker('run', '--detach', '--name', name, '--pull', 'never', '--memory', '20m', '--memory-swap', '20m', image, 'sh', '-c', command);
		await waitForDockerPid(name);
		const {Id: id} = await dockerInspect(name);
		return {name, id};
	});
}

/** Lets the memconsumer go; resolves with its victim as the kernel logged it (dmesg), by the container's memory cgroup. */
async function killMemconsumer(id: string): Promise<{pid: number; comm: string}> {
	await docker('exec', id, 'touch', '/tmp/go');
	const inspect = await waitFor(async () => {
		const state = await dockerInspect(id);
		return state.State.Running ? null : state;
	}, 60_000, 'the memconsumer to be OOM-killed');
	// Killed (137); dockerd's OOMKilled flag can miss the kill when the task exits before containerd's OOM event
	// reaches it, so the kernel's own record of the kill is what proves it.
	assert.equal(inspect.State.ExitCode, 137, `the memconsumer was killed (OOMKilled=${inspect.State.OOMKilled})`);
	return waitFor(async () => {
		const logged = new RegExp(`task_memcg=/docker/${id},task=([^,]+),pid=(\\d+)`).exec(await run('dmesg', []));
		return logged ? {pid: Number(logged[2]), comm: logged[1]} : null;
	}, 10_000, 'the kernel\'s oom-kill line for the container');
}

/** Whether the process holds a file of the cgroup open: podtop keeps descriptors of the cgroups its model holds. */
async function holdsCgroupFile(pid: number, cgroup: string): Promise<boolean> {
	const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
	const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
	return targets.some((target) => target.includes(`${cgroup}/`));
}

const dockerScreenWait = {timeoutMs: 30_000};

describe('OOM kills of real Docker containers', {concurrency: false, timeout: 600_000}, () => {
	test('podtop events --json: the memconsumer killed once, with its Docker name and the kernel\'s victim', async (t) => {
		const d = await prepare(t);
		if (!d) return;
		const consumer = await startMemconsumer(d.image);
		t.after(() => consumer.cleanup());
		const cgroup = `/docker/${consumer.id}`;
		const podtop = startPodtopEvents(['--interval', '1000']);
		t.after(() => stopChild(podtop.child));
		await waitFor(() => podtop.stderr().includes('\n') || !isRunning(podtop.child), 30_000, 'podtop events to start');
		assert.ok(isRunning(podtop.child), `podtop events exited: ${podtop.stderr()}`);
		assert.match(podtop.stderr(), /victims from the kernel log/);
		await waitFor(() => holdsCgroupFile(podtop.child.pid!, cgroup), 30_000, 'podtop to read the container\'s cgroup');
		const victim = await killMemconsumer(consumer.id);

		const ours = () => podtop.events.filter((event) => event.cgroup === cgroup && event.kind === 'oom-kill');
		const kill = await waitFor(() => ours()[0], 30_000, 'the oom-kill event').catch((error: unknown) => {
			throw new Error(`${String(error)}; the events: ${JSON.stringify(podtop.events)}`);
		});
		assert.equal(kill.containerName, consumer.name);
		assert.equal(kill.podName, consumer.name);
		assert.deepEqual(kill.victim, victim);
		assert.equal(kill.delta, 1);

		await stopChild(podtop.child);
		assert.equal(ours().length, 1, JSON.stringify(ours()));
	});

	test('not root, after the fact: a kill in a running container before podtop started is counted by its cgroup', async (t) => {
		const d = await prepare(t);
		if (!d || !requireOrSkip(t, fs.readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim() === '1', 'needs dmesg_restrict=1 (the kernel log closed to nobody)')) return;
		const survivor = await dockerRig(async ({containers}) => {
			const name = `${uniqueDockerName()}-survivor`;
			containers.push(name);
			await docker('run', '--detach', '--name', name, '--pull', 'never', '--memory', '20m', '--memory-swap', '20m', d.image, 'sh', '-c', 'while :; do sleep 1; done');
			await waitForDockerPid(name);
			return {name, id: (await dockerInspect(name)).Id};
		});
		t.after(() => survivor.cleanup());
		// A child is the victim; the container lives on with its cgroup's counter at 1.
		await docker('exec', survivor.id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=40M', 'count=1').catch(() => '');
		const cgroup = `/docker/${survivor.id}`;
		const counter = Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(`/sys/fs/cgroup/memory${cgroup}/memory.oom_control`, 'utf8'))?.[1]);
		assert.equal(counter, 1, 'the kernel counted the kill');
		assert.equal((await dockerInspect(survivor.id)).State.Running, true);

		const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath];
		const document = JSON.parse(await run('setpriv', [...asNobody, '--once', '--json'], undefined, '/')) as {
			pastEvents: Array<{kind: string; cgroup: string; containerId: string | null; delta: number; victim: unknown; limit: unknown; past?: boolean; counted?: boolean}>;
			kernelLog: {readable: boolean};
		};
		assert.equal(document.kernelLog.readable, false);
		const ours = document.pastEvents.filter((event) => event.cgroup === cgroup);
		assert.deepEqual(
			ours.map((event) => [event.kind, event.containerId, event.delta, event.victim, event.limit, event.past, event.counted]),
			[['oom-kill', cgroup, counter, null, null, true, true]],
		);
		const text = await run('setpriv', [...asNobody, '--once'], undefined, '/');
		assert.match(text, /^OOM kills before start: \d+ by the cgroups' counters, when and whom unknown/m);
		assert.ok(text.split('\n').some((line) => / before-start counted oom-kill \S+ \+1 value=1 victim=unknown limit=unknown cgroup=\/docker\//.test(line) && line.endsWith(cgroup)), text);
	});

	test('as root, after the fact: a kill in a container that has exited since is named from Docker\'s files, then by its path once removed', async (t) => {
		const d = await prepare(t);
		if (!d) return;
		const consumer = await startMemconsumer(d.image);
		t.after(() => consumer.cleanup());
		const victim = await killMemconsumer(consumer.id);
		const cgroup = `/docker/${consumer.id}`;
		// Stopped: its cgroup is gone, its config.v2.json stays until `docker rm`.
		await waitFor(() => !fs.existsSync(`/sys/fs/cgroup/memory${cgroup}`), 30_000, 'the container\'s cgroup to be removed');
		type PastEvent = {kind: string; cgroup: string; podId: string | null; podName: string | null; containerId: string | null; containerName: string | null; victim: unknown; limit: unknown; past?: boolean};
		const pastOf = async () => {
			const document = JSON.parse(await run(process.execPath, [cliPath, '--once', '--json'], undefined, '/')) as {pastEvents: PastEvent[]; kernelLog: {readable: boolean}};
			assert.equal(document.kernelLog.readable, true, 'root reads the kernel log');
			return document.pastEvents.filter((event) => event.cgroup === cgroup);
		};
		const limit = {cgroup, level: 'container', bytes: 20 * 1024 * 1024};
		assert.deepEqual(
			(await pastOf()).map((event) => [event.kind, event.podId, event.podName, event.containerId, event.containerName, event.victim, event.limit, event.past]),
			[['oom-kill', null, consumer.name, null, consumer.name, victim, limit, true]],
			'named as Docker names it, though no cgroup holds it',
		);
		const text = await run(process.execPath, [cliPath, '--once'], undefined, '/');
		const line = text.split('\n').find((candidate) => candidate.endsWith(`cgroup=${cgroup}`));
		assert.match(line ?? '', new RegExp(` before-start oom-kill ${consumer.name}/${consumer.name} \\+1 victim=${victim.pid}\\(${victim.comm}\\) limit=container:`), text);

		// Removed: nothing names it any more; the path says which it was.
		await docker('rm', consumer.id);
		assert.deepEqual(
			(await pastOf()).map((event) => [event.podName, event.containerName, event.victim]),
			[[null, null, victim]],
		);
	});

	test('the live view in tmux: a container whose child was OOM-killed, then exited with code 3, stays listed as † exited 3', async (t) => {
		const d = await prepare(t);
		if (!d || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const quitter = await dockerRig(async ({containers}) => {
			const name = `${uniqueDockerName()}-quitter`;
			containers.push(name);
			// Its child dd is the kill's victim; the shell, its main process, goes on to exit 3.
			const command = 'while [ ! -e /tmp/go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=40M count=1; sleep 1; exit 3';
			await docker('run', '--detach', '--name', name, '--pull', 'never', '--memory', '20m', '--memory-swap', '20m', d.image, 'sh', '-c', command);
			await waitForDockerPid(name);
			return {name, id: (await dockerInspect(name)).Id};
		});
		t.after(() => quitter.cleanup());
		const terminal = new TmuxTerminal(160, 40, [process.execPath, cliPath, '--interval', '500']);
		t.after(() => terminal.close());
		await terminal.waitForScreen((text) => text.includes(quitter.name), 'the container in the live view', dockerScreenWait);
		terminal.type('/');
		terminal.typeText(quitter.name);
		terminal.type('Enter');
		await docker('exec', quitter.id, 'touch', '/tmp/go');
		const exited = await waitFor(async () => {
			const state = await dockerInspect(quitter.id);
			return state.State.Running ? null : state;
		}, 30_000, 'the container to exit');
		assert.equal(exited.State.ExitCode, 3);
		assert.match(await run('dmesg', []), new RegExp(`task_memcg=/docker/${quitter.id},task=dd,`), 'the kernel killed its dd');
		// The name is cut to leave room for the marks.
		const tombstoneRow = (text: string) => text.split('\n').find((line) => /^ {6}podtop-docker-\S* † /.test(line)) ?? '';
		const screen = await terminal.waitForScreen((text) => /† exited 3 oom ×1 /.test(tombstoneRow(text)), `the tombstone row reading † exited 3 oom ×1`, dockerScreenWait);
		assert.doesNotMatch(screen, /† oom-killed/, 'its main process was not the victim');
		// 160 columns: the details of the selected row beside the tree, the gone pod's first.
		const pane = (text: string) => text.split('\n').map((line) => line.split('│')[1]?.trim() ?? '');
		assert.ok(pane(screen).some((line) => /^members +podtop-docker-\S+ † exited 3$/.test(line)), 'the pod\'s details say so too');
		terminal.type('Down');
		// Cut at the pane's edge after Docker's name.
		const exitLine = /^exit +exit code 3 at \d\d:\d\d:\d\d, as Docker recorded it/;
		const details = await terminal.waitForScreen((text) => pane(text).some((line) => exitLine.test(line)), 'the exit in the tombstone\'s details', dockerScreenWait);
		t.diagnostic(details);
	});

	test('the live view in tmux: the event pane shows the kill with the Docker name and the victim', async (t) => {
		const d = await prepare(t);
		if (!d || !requireOrSkip(t, hasTmux(), 'needs tmux')) return;
		const terminal = new TmuxTerminal(200, 40, [process.execPath, cliPath, '--interval', '1000']);
		t.after(() => terminal.close());
		const consumer = await startMemconsumer(d.image);
		t.after(() => consumer.cleanup());
		await terminal.waitForScreen((text) => text.includes(consumer.name), 'the container in the live view', dockerScreenWait);
		const killed = await killMemconsumer(consumer.id);
		terminal.type('e');
		const victim = `victim ${killed.pid} (${killed.comm})`;
		const screen = await terminal.waitForScreen(
			(text) => text.split('\n').some((line) => line.includes('oom-kill') && line.includes(consumer.name) && line.includes(victim)),
			`the oom-kill of ${consumer.name} with ${victim} in the event pane`,
			dockerScreenWait,
		);
		t.diagnostic(screen);
		assert.ok(!screen.includes(consumer.id.slice(0, 12)), 'named, not shown by its id');
		assert.equal(screen.split('\n').filter((line) => line.includes(victim)).length, 1, 'one kill');
	});
});
