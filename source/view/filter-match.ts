import type {PodtopEvent} from '../model/events.js';
import {sanitizeForTerminal} from '../format/terminal-text.js';

/** What a typed filter is matched as: without its outer spaces, in lower case. */
export function filterQuery(filter: string): string {
	return filter.trim().toLowerCase();
}

/** Matched as shown: a name from a cgroup that is not UTF-8 reads `\xff` on screen, and so in the filter. */
export function nameMatches(name: string, query: string): boolean {
	return sanitizeForTerminal(name).toLowerCase().includes(query);
}

/** An event matches by its pod's or container's name, or its victim's pid or command. */
export function eventMatches(event: PodtopEvent, query: string): boolean {
	if (query === '' || nameMatches(event.podName, query) || (event.containerName !== null && nameMatches(event.containerName, query))) return true;
	const victim = event.victim;
	return victim !== null && victim !== undefined && (String(victim.pid) === query || nameMatches(victim.comm, query));
}
