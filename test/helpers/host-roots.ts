import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after} from 'node:test';

/** An empty host root (etc/ and usr/lib/) in a temporary directory, removed after the test file. */
export function temporaryRoot(): string {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podtop-codebase-host-'));
	after(() => fs.rmSync(root, {recursive: true, force: true}));
	fs.mkdirSync(path.join(root, 'etc'));
	fs.mkdirSync(path.join(root, 'usr', 'lib'), {recursive: true});
	return root;
}

/** What this machine's own os-release says, read by the shell rather than by podtop's parser. */
export function ownDistribution(): string {
	return execFileSync('bash', ['-c', '. /etc/os-release; echo "$NAME $VERSION_ID"'], {encoding: 'utf8'}).trim();
}

export const fedora = 'NAME="Fedora Linux"\nVERSION_ID=41\nPRETTY_NAME="Fedora Linux 41 (Server Edition)"\n';
