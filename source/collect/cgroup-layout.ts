import fs from 'node:fs';
import path from 'node:path';
import type {CgroupController, CgroupMode} from '../model/types.js';

export const controllers: readonly CgroupController[] = ['memory', 'cpu', 'cpuacct', 'pids'];

/** Where one controller's hierarchy is mounted, and which cgroup path its mount shows at its top. */
export type ControllerMount = {directory: string; mountRoot: string};

export type CgroupLayout = {
	mode: CgroupMode;
	/** The cgroup2 hierarchy, when one is mounted (empty but present on hybrid hosts). */
	unified: ControllerMount | null;
	/** Per controller podtop reads: its hierarchy (a v1 one, or the unified one on v2), or null. */
	controllers: Record<CgroupController, ControllerMount | null>;
};

type MountEntry = {mountRoot: string; mountPoint: string; fsType: string; superOptions: string[]};

/** Mount points in mountinfo escape space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
	return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
	const entries: MountEntry[] = [];
	for (const line of text.split('\n')) {
		const fields = line.split(' ');
		const separator = fields.indexOf('-', 6);
		if (separator === -1 || fields.length < separator + 4) continue;
		entries.push({
			mountRoot: unescapeMountField(fields[3]),
			mountPoint: unescapeMountField(fields[4]),
			fsType: fields[separator + 1],
			superOptions: fields[separator + 3].split(','),
		});
	}
	return entries;
}

function emptyControllers(): Record<CgroupController, ControllerMount | null> {
	return {memory: null, cpu: null, cpuacct: null, pids: null};
}

function readControllersFile(directory: string): string[] {
	try {
		return fs.readFileSync(path.join(directory, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
	} catch {
		return [];
	}
}

function decideMode(unified: ControllerMount | null, hasV1: boolean): CgroupMode {
	if (hasV1) return unified ? 'hybrid' : 'v1';
	return 'v2';
}

function assignUnifiedControllers(layout: CgroupLayout): void {
	if (!layout.unified) return;
	const available = new Set(readControllersFile(layout.unified.directory));
	for (const controller of controllers) {
		const v2Name = controller === 'cpuacct' ? 'cpu' : controller;
		if (!layout.controllers[controller] && available.has(v2Name)) layout.controllers[controller] = layout.unified;
	}
}

/**
 * The cgroup layout from mountinfo: v1 mounts of type cgroup with their controllers in the super
 * options, and the cgroup2 mount. A cgroup2 mount beside v1 ones is a hybrid host even when
 * /proc/<pid>/cgroup has a `0::` line.
 */
export function layoutFromMountinfo(text: string): CgroupLayout | null {
	const layout: CgroupLayout = {mode: 'v2', unified: null, controllers: emptyControllers()};
	let hasV1 = false;
	for (const entry of parseMountinfo(text)) {
		if (entry.fsType === 'cgroup2') {
			layout.unified ??= {directory: entry.mountPoint, mountRoot: entry.mountRoot};
		} else if (entry.fsType === 'cgroup') {
			const mounted = controllers.filter((controller) => entry.superOptions.includes(controller));
			if (mounted.length === 0) continue;
			hasV1 = true;
			for (const controller of mounted) layout.controllers[controller] ??= {directory: entry.mountPoint, mountRoot: entry.mountRoot};
		}
	}
	if (!hasV1 && !layout.unified) return null;
	layout.mode = decideMode(layout.unified, hasV1);
	assignUnifiedControllers(layout);
	return layout;
}

/**
 * The layout of a cgroup tree that is not this process's mount (--cgroup, --root): a cgroup2 root
 * holds cgroup.controllers; v1 hierarchies are directories named after their controllers.
 */
export function layoutFromDirectory(root: string): CgroupLayout | null {
	const layout: CgroupLayout = {mode: 'v2', unified: null, controllers: emptyControllers()};
	if (fs.existsSync(path.join(root, 'cgroup.controllers'))) {
		layout.unified = {directory: root, mountRoot: '/'};
		assignUnifiedControllers(layout);
		return layout;
	}
	let entries: string[];
	try {
		entries = fs.readdirSync(root);
	} catch {
		return null;
	}
	let hasV1 = false;
	for (const entry of entries) {
		const directory = path.join(root, entry);
		if (entry === 'unified' && fs.existsSync(path.join(directory, 'cgroup.controllers'))) {
			layout.unified = {directory, mountRoot: '/'};
			continue;
		}
		const mounted = controllers.filter((controller) => entry.split(',').includes(controller));
		if (mounted.length === 0 || !fs.existsSync(path.join(directory, 'cgroup.procs'))) continue;
		hasV1 = true;
		for (const controller of mounted) layout.controllers[controller] ??= {directory, mountRoot: '/'};
	}
	if (!hasV1 && !layout.unified) return null;
	layout.mode = decideMode(layout.unified, hasV1);
	assignUnifiedControllers(layout);
	return layout;
}

/** A path from /proc/<pid>/cgroup, made relative to the mount's own root (differs inside a container). */
export function relativeToMount(cgroupPath: string, mount: ControllerMount): string {
	if (mount.mountRoot === '/' || !cgroupPath.startsWith(mount.mountRoot)) return cgroupPath;
	const rest = cgroupPath.slice(mount.mountRoot.length);
	return rest === '' ? '/' : rest.startsWith('/') ? rest : cgroupPath;
}
