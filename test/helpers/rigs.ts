/**
 * Real pods, containers and processes for tests, for machines like the ones podtop is developed on: root, hybrid
 * cgroups with memory in v1, no systemd. Each creator returns a handle whose cleanup() kills only the pids it
 * started, waits for them to exit and removes the cgroups (and pods) it made; withRig ties that to a test.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import type {TestContext} from 'node:test';
import {busyboxPath} from './busybox-rootfs.js';
import {cgroupRoot} from './cgroups.js';
import {commandExists, isExecutable} from './processes.js';
import {isRoot, requireOrSkip} from './require.js';
import type {Rig} from './teardown.js';

export {MiB, cgroupDirsLeft, readMemoryLimit} from './cgroups.js';
export {startMemoryClimber, type ClimberOptions, type ExitStatus, type MemoryClimber} from './memory-climber.js';
export {createPodmanPod, type PodInspect, type PodmanContainer, type PodmanPod, type PodmanPodOptions} from './podman-rig.js';
export {startPopulation, type Population, type PopulationGroup} from './population.js';
export {createRuncContainer, type QosClass, type RuncContainer, type RuncContainerOptions} from './runc-rig.js';
export type {Rig} from './teardown.js';
export {
	createNetPair,
	createUnsharePod,
	type AppSpec,
	type NetPair,
	type RigContainer,
	type UnsharePod,
	type UnsharePodOptions,
} from './unshare-rigs.js';

/** Creates a rig and registers its cleanup with t.after, so it runs even when the test fails. */
export async function withRig<R extends Rig>(t: TestContext, create: () => Promise<R>): Promise<R> {
	const rig = await create();
	t.after(() => rig.cleanup());
	return rig;
}

const commandsPerRig = {
	unshare: ['unshare', 'nsenter', 'catatonit', 'hostname'],
	podman: ['podman', 'runc', 'conmon'],
	runc: ['runc'],
	climber: ['nsenter'],
	population: ['unshare', 'nsenter'],
} as const;
export type RigKind = keyof typeof commandsPerRig;

/** Skips the test (fails it under PODTOP_REQUIRE_ALL=1) unless this machine can make the given rigs. */
export function requireRigs(t: TestContext, ...kinds: RigKind[]): boolean {
	const missing: string[] = [...new Set(kinds.flatMap((kind) => commandsPerRig[kind]))].filter((command) => !commandExists(command));
	if (!isExecutable(busyboxPath)) missing.push(busyboxPath);
	if (!existsSync(join(cgroupRoot, 'memory/memory.limit_in_bytes'))) missing.push('a v1 memory cgroup hierarchy');
	return requireOrSkip(t, isRoot && missing.length === 0, isRoot ? `missing ${missing.join(', ')}` : 'needs root');
}
