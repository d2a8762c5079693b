import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A recording directory podtop will not use; the message is one line for the user. */
export class RecordingError extends Error {}

/** Where recordings go by default: /var/lib/podtop as root, else $XDG_STATE_HOME/podtop (~/.local/state/podtop). */
export function defaultRecordingDirectory(env: NodeJS.ProcessEnv = process.env): string {
	if (process.geteuid?.() === 0) return '/var/lib/podtop';
	const state = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
	return path.join(state, 'podtop');
}

function errorCode(error: unknown): string {
	return (error as NodeJS.ErrnoException).code ?? String(error);
}

/**
 * Makes sure `directory` is one only this user can read: created 0700 when missing; refused when it is
 * not a directory (a symbolic link too), belongs to another user, or lets group or others in. A
 * recording holds every process's command line, and those can carry secrets.
 */
export function prepareRecordingDirectory(directory: string): void {
	const uid = process.geteuid?.() ?? -1;
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(directory);
	} catch (error) {
		if (errorCode(error) !== 'ENOENT') throw new RecordingError(`cannot use ${directory}: ${errorCode(error)}`);
		try {
			fs.mkdirSync(path.dirname(directory), {recursive: true, mode: 0o700});
			fs.mkdirSync(directory, {mode: 0o700});
			fs.chmodSync(directory, 0o700);
		} catch (mkdirError) {
			throw new RecordingError(`cannot create ${directory}: ${errorCode(mkdirError)}`);
		}
		return;
	}
	if (!stat.isDirectory()) throw new RecordingError(`${directory} is not a directory (a recording needs one of its own)`);
	if (uid >= 0 && stat.uid !== uid) {
		throw new RecordingError(`${directory} belongs to uid ${stat.uid}, not to this user (uid ${uid}): refused, a recording holds command lines`);
	}
	const mode = stat.mode & 0o777;
	if ((mode & 0o077) !== 0) {
		throw new RecordingError(`${directory} is open to others (mode ${mode.toString(8).padStart(4, '0')}): refused, a recording holds command lines; chmod 700 it or choose another --dir`);
	}
	try {
		fs.accessSync(directory, fs.constants.W_OK | fs.constants.X_OK);
	} catch (error) {
		throw new RecordingError(`cannot write to ${directory}: ${errorCode(error)}`);
	}
}
