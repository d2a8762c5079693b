import fs from 'node:fs';
import path from 'node:path';
import {watch, type FSWatcher} from 'chokidar';
import {holdsEscapedBytes} from './parse-bytes.js';

export type EventsWatcherOptions = {
	/** The directory of the cgroup2 hierarchy the watched cgroup paths are relative to. */
	root: string;
	/** Called with the cgroup path (as given to setWatched) whose events file changed; may come several times per burst. */
	onChange: (cgroupPath: string) => void;
	/** The files watched in each cgroup; default memory.events and pids.events. */
	files?: readonly string[];
	onError?: (error: unknown) => void;
};

export type EventsWatcher = {
	/** Watches exactly these cgroups from now on: new ones are added, missing ones unwatched. */
	setWatched(cgroupPaths: Iterable<string>): void;
	/** The files being watched, for tests and leak checks. */
	readonly watchedFiles: ReadonlySet<string>;
	close(): Promise<void>;
};

/**
 * Watches v2 cgroup event files (memory.events, pids.events) with native fs.watch through chokidar: the
 * kernel raises a modify notification on every counter change (at most one per 10 ms). Stat polling never
 * fires on cgroupfs (size and mtime do not change), so polling is off. Both 'raw' (every notification) and
 * 'change' (throttled) call back, so no burst is lost; the caller re-reads the cgroup, which is idempotent.
 * On v1 there is nothing to watch: the refresh compares counters.
 */
export function createEventsWatcher(options: EventsWatcherOptions): EventsWatcher {
	const files = options.files ?? ['memory.events', 'pids.events'];
	const cgroupOfFile = new Map<string, string>();
	const filesOfCgroup = new Map<string, string[]>();
	let watcher: FSWatcher | null = null;
	let closed = false;

	const notify = (filePath: string | undefined) => {
		if (filePath === undefined || closed) return;
		const cgroupPath = cgroupOfFile.get(path.resolve(filePath));
		if (cgroupPath !== undefined) options.onChange(cgroupPath);
	};

	const ensureWatcher = (): FSWatcher => {
		if (watcher) return watcher;
		watcher = watch([], {persistent: true, ignoreInitial: true, usePolling: false, atomic: false, followSymlinks: false});
		watcher.on('change', (filePath: string) => notify(filePath));
		watcher.on('raw', (_event, _name, details) => {
			const watchedPath = (details as {watchedPath?: unknown} | undefined)?.watchedPath;
			if (typeof watchedPath === 'string') notify(watchedPath);
		});
		watcher.on('error', (error: unknown) => options.onError?.(error));
		return watcher;
	};

	return {
		setWatched(cgroupPaths) {
			if (closed) return;
			const wanted = new Set(cgroupPaths);
			const removed: string[] = [];
			for (const [cgroupPath, watchedFiles] of filesOfCgroup) {
				if (wanted.has(cgroupPath)) continue;
				filesOfCgroup.delete(cgroupPath);
				for (const file of watchedFiles) {
					cgroupOfFile.delete(file);
					removed.push(file);
				}
			}
			if (removed.length > 0 && watcher) watcher.unwatch(removed);
			const added: string[] = [];
			for (const cgroupPath of wanted) {
				// chokidar takes string paths only, which Node writes as UTF-8: a name that is not UTF-8 would
				// name another file. Such a cgroup's events are found by the refresh instead.
				if (filesOfCgroup.has(cgroupPath) || holdsEscapedBytes(cgroupPath)) continue;
				const directory = path.resolve(path.join(options.root, cgroupPath));
				const present = files.map((name) => path.join(directory, name)).filter((file) => fs.existsSync(file));
				if (present.length === 0) continue; // a v1 cgroup, or one without the controllers: nothing to watch
				filesOfCgroup.set(cgroupPath, present);
				for (const file of present) {
					cgroupOfFile.set(file, cgroupPath);
					added.push(file);
				}
			}
			if (added.length > 0) ensureWatcher().add(added);
		},
		get watchedFiles() {
			return new Set(cgroupOfFile.keys());
		},
		async close() {
			closed = true;
			cgroupOfFile.clear();
			filesOfCgroup.clear();
			const current = watcher;
			watcher = null;
			if (current) await current.close();
		},
	};
}
