import type {Gauges} from './types.js';

/**
 * Whose memory limit the kernel enforces on a cgroup: its own, its pod's, or one further up (a slice above
 * the pod, or v1's hierarchical limit from outside the tree podtop reads); null when unlimited.
 */
export type LimitSource = 'own' | 'pod' | 'above';

export function limitSource(gauges: Gauges, ownCgroup: string | null, podCgroup: string | null): LimitSource | null {
	const {effectiveMax, effectiveMaxCgroup} = gauges.memory;
	if (effectiveMax === null) return null;
	if (effectiveMaxCgroup !== null && effectiveMaxCgroup === ownCgroup) return 'own';
	if (effectiveMaxCgroup !== null && effectiveMaxCgroup === podCgroup) return 'pod';
	return 'above';
}

/** What follows a limit shown that is not the cgroup's own: whose it is. */
export const limitSourceMarks: Record<LimitSource, string> = {own: '', pod: 'pod', above: 'up'};
