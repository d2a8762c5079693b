import {useEffect, useState} from 'react';
import type {Monitor} from '../model/monitor.js';
import type {PodModel} from '../model/types.js';

/**
 * The latest model: one refresh at mount, then one per interval while not paused. Each refresh sets
 * state once. A chain of timeouts rather than an interval, so that a slow refresh never queues up more.
 */
export function useRefresh(monitor: Monitor, intervalMs: number, paused: boolean): PodModel | null {
	const [model, setModel] = useState<PodModel | null>(null);
	useEffect(() => {
		setModel(monitor.refresh());
	}, [monitor]);
	useEffect(() => {
		if (paused) return;
		let timer: NodeJS.Timeout;
		const tick = () => {
			setModel(monitor.refresh());
			timer = setTimeout(tick, intervalMs);
		};

		timer = setTimeout(tick, intervalMs);
		return () => {
			clearTimeout(timer);
		};
	}, [monitor, intervalMs, paused]);
	return model;
}
