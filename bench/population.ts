import {onCleanup} from './cleanup.js';
import {log} from './common.js';
import {startPopulation as start, type Population, type PopulationOptions} from '../test/helpers/population.js';

// What the tests use too: one copy, in test/helpers.
export {groupKinds, leftovers, removeStaleRuns, type GroupKind, type Population, type PopulationOptions} from '../test/helpers/population.js';

/** Starts the population; everything it made is undone by `cleanup`, also run on a signal (onCleanup). */
export function startPopulation(options: Omit<PopulationOptions, 'onCleanup' | 'log'>): Promise<Population> {
	return start({...options, onCleanup: (what, undo) => onCleanup(what, undo), log});
}
