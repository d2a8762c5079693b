import type {EventSource} from '../event-source.js';
import type {Monitor} from '../model/monitor.js';
import type {PodModel} from '../model/types.js';
import type {LiveEventOptions} from './use-refresh.js';

/** What the view draws: the live model, or a recorded one with the replay's time bar, keys and help. */
export type LiveView = {
	model: PodModel | null;
	events: Pick<EventSource, 'log' | 'counts'> | null;
	timeBar?: string;
	/** While true (a time being typed), the view's own keys are off. */
	capturesKeys?: boolean;
	helpEntries?: ReadonlyArray<readonly [string, string]>;
};
/** Where models come from: useRefresh, or a replay's. */
export type UseLive = (monitor: Monitor, intervalMs: number, paused: boolean, eventOptions?: LiveEventOptions) => LiveView;
