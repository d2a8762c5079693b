import type {Container, ProcessRecord} from './types.js';

/**
 * The container's main process: the first it started, whose parent is outside it (the runtime's shim, or
 * the infra process). A child it spawns for a moment (`sleep 1` under `sh -c while …`) is never it, even
 * with a lower pid after pid wrap-around; null when the container has no process left.
 */
export function mainProcess(container: Pick<Container, 'processes'>): ProcessRecord | null {
	const pids = new Set(container.processes.map((process) => process.pid));
	let main: ProcessRecord | null = null;
	let mainIsRoot = false;
	for (const process of container.processes) {
		const isRoot = !pids.has(process.ppid);
		const earlier = main === null || process.starttime < main.starttime || (process.starttime === main.starttime && process.pid < main.pid);
		if ((isRoot && !mainIsRoot) || (isRoot === mainIsRoot && earlier)) {
			main = process;
			mainIsRoot = isRoot;
		}
	}
	return main;
}
