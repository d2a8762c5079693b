import type {PodModel} from '../model/types.js';
import {plural} from './units.js';

/** What the collector could not read, one line each, for `--once` and the status line. */
export function problemNotes(model: Pick<PodModel, 'problems' | 'hostNamespaceSource'>): string[] {
	const {problems} = model;
	const notes: string[] = [];
	if (problems.unreadableNamespaces > 0) {
		const processes = plural(problems.unreadableNamespaces, 'process', 'processes');
		notes.push(
			problems.runningAsRoot
				? `namespaces of ${processes} refused even to root (a sandbox's PID 1, say): counted as host`
				: `namespaces of ${processes} unreadable: run as root for the full view`,
		);
	}
	if (problems.noCgroupfs) notes.push('no cgroup filesystem found: limits and usage are unknown');
	if (problems.fdBudgetExhausted) notes.push('out of file descriptors to keep open: some files are re-opened every refresh');
	if (model.hostNamespaceSource === 'none') notes.push('host namespaces unknown: neither /proc/1 nor /proc/2 was readable');
	return notes;
}
