import type {ProcessRecord} from '../model/types.js';

/**
 * Percent of one core the process used over the last interval; null for a process first seen in
 * this sample or before a second sample exists.
 */
export function processCpuPercent(
	process: Pick<ProcessRecord, 'utime' | 'stime' | 'previousCpuTicks'>,
	intervalMs: number | null,
	clockTicksPerSecond: number,
): number | null {
	if (process.previousCpuTicks < 0 || intervalMs === null || intervalMs <= 0 || clockTicksPerSecond <= 0) return null;
	const ticks = process.utime + process.stime - process.previousCpuTicks;
	return (Math.max(0, ticks) / clockTicksPerSecond / (intervalMs / 1000)) * 100;
}
