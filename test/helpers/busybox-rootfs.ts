import {copyFile, mkdir, symlink} from 'node:fs/promises';
import {join} from 'node:path';
import {run} from './processes.js';

/** From Debian's busybox-static: no shared libraries, so it runs in a rootfs of its own. */
export const busyboxPath = '/bin/busybox';

/** Fills `rootfs` with a static busybox and a link per applet in /bin: enough for sh, sleep and awk. */
export async function createBusyboxRootfs(rootfs: string): Promise<void> {
	await Promise.all(['bin', 'proc', 'sys', 'dev', 'etc', 'tmp'].map((dir) => mkdir(join(rootfs, dir), {recursive: true})));
	await copyFile(busyboxPath, join(rootfs, 'bin/busybox'));
	const applets = (await run(busyboxPath, ['--list'])).split('\n').filter((applet) => applet && applet !== 'busybox');
	await Promise.all(applets.map((applet) => symlink('busybox', join(rootfs, 'bin', applet))));
}
