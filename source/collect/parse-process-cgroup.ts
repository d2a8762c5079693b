import type {CgroupController, ProcessCgroups} from '../model/types.js';
import {controllers, relativeToMount, type CgroupLayout} from './cgroup-layout.js';

/**
 * /proc/<pid>/cgroup ("N:controllers:path" per v1 hierarchy, "0::path" for v2) as the paths of the
 * controllers podtop reads. The container path is the memory controller's, or another
 * controller's where memory is absent or at the root. `text` comes from decodeBytesExactly, so that a
 * path that is not UTF-8 stays exact.
 */
export function parseProcessCgroups(text: string, layout: CgroupLayout): ProcessCgroups {
	const result: ProcessCgroups = {container: null, memory: null, cpu: null, cpuacct: null, pids: null};
	let unifiedPath: string | null = null;
	for (const line of text.split('\n')) {
		const first = line.indexOf(':');
		const second = line.indexOf(':', first + 1);
		if (first <= 0 || second === -1) continue;
		const names = line.slice(first + 1, second);
		const cgroupPath = line.slice(second + 1);
		if (!cgroupPath.startsWith('/')) continue;
		if (names === '') {
			unifiedPath = cgroupPath;
			continue;
		}
		for (const name of names.split(',')) {
			const controller = controllers.find((candidate) => candidate === name);
			const mount = controller ? layout.controllers[controller] : null;
			if (controller && mount && mount !== layout.unified) result[controller] = relativeToMount(cgroupPath, mount);
		}
	}
	if (unifiedPath !== null && layout.unified) {
		for (const controller of controllers) {
			if (result[controller] === null && layout.controllers[controller] === layout.unified) {
				result[controller] = relativeToMount(unifiedPath, layout.unified);
			}
		}
	}
	result.container = containerPath(result, layout.mode === 'v2' && unifiedPath !== null && layout.unified ? relativeToMount(unifiedPath, layout.unified) : null);
	return result;
}

const containerControllers: readonly CgroupController[] = ['memory', 'cpu', 'cpuacct', 'pids'];

function containerPath(paths: ProcessCgroups, unifiedPath: string | null): string | null {
	for (const controller of containerControllers) {
		const candidate = paths[controller];
		if (candidate !== null && candidate !== '/') return candidate;
	}
	return unifiedPath ?? paths.memory ?? paths.cpu ?? paths.cpuacct ?? paths.pids;
}
