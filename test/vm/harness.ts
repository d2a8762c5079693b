/**
 * A throwaway qemu VM with real cgroup v2, for tests the hybrid-cgroup host cannot run. The guest boots
 * Debian's kernel with a busybox initramfs, mounts the host's root read-only through 9p under a tmpfs
 * overlay, and runs one command as root at the host's paths, so the host's Node and node_modules work.
 * Recipe and measurements: /work/shared/vm.md.
 */
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {accessSync, constants, existsSync, openSync, readSync, closeSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {gzipSync} from 'node:zlib';

export type VmImage = {kernel: string; initrd: string};

export type VmRunOptions = {
	timeoutMs?: number;
	cwd?: string;
	env?: Record<string, string>;
	memoryMb?: number;
	cpus?: number;
	/** Stops the VM (TERM to qemu, KILL after the grace period); runInVm resolves once qemu has exited. */
	signal?: AbortSignal;
};

export type VmRunResult = {
	stdout: string;
	/** The command's stderr; when the VM died before the command finished, followed by the VM console. */
	stderr: string;
	code: number | null;
	timedOut: boolean;
};

/** Bump when the build steps change in a way the hashed inputs below do not show. */
const RECIPE_VERSION = '1';
const PREFERRED_KERNEL_PACKAGE = 'linux-image-6.1.0-48-amd64';
/** What the 9p host root and the overlay need; modprobe loads them in dependency order. */
const GUEST_MODULES = [
	'virtio', 'virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci',
	'9pnet', '9pnet_virtio', 'netfs', 'fscache', '9p', 'overlay',
];
const SHUTDOWN_GRACE_SECONDS = 5;

const INIT_SCRIPT = `#!/bin/sh
set -e
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modprobe -a ${GUEST_MODULES.join(' ')}

ninep=trans=virtio,version=9p2000.L,msize=512000
mkdir /host /job /rw /newroot
# The virtio devices are probed asynchronously: wait for the 9p tag to appear.
tries=0
until mount -t 9p -o $ninep,ro,cache=loose hostroot /host 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || { echo 'podtop-vm: no 9p device hostroot' >&2; exit 1; }
	sleep 0.05
done
mount -t 9p -o $ninep,cache=none job /job

mount -t tmpfs tmpfs /rw
mkdir /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
echo '+cpu +memory +pids +io' > /newroot/sys/fs/cgroup/cgroup.subtree_control

job=$(cat /job/host-path)
mount --bind /job "/newroot$job"
code=0
chroot /newroot /usr/bin/env -i /bin/sh "$job/run.sh" > /job/stdout 2> /job/stderr || code=$?
echo $code > /job/exit-code
sync
poweroff -f
`;

const imageKey = createHash('sha256')
	.update(JSON.stringify([RECIPE_VERSION, PREFERRED_KERNEL_PACKAGE, GUEST_MODULES, INIT_SCRIPT]))
	.digest('hex')
	.slice(0, 16);

const cacheRoot = process.env.PODTOP_VM_CACHE ?? path.join(os.homedir(), '.cache', 'podtop-vm');

function findOnPath(command: string): string | undefined {
	for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(directory, command);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not in this directory.
		}
	}

	return undefined;
}

/** A dynamically linked busybox names its loader near the start of the file, in the ELF interpreter segment. */
function isDynamicallyLinked(file: string): boolean {
	const head = Buffer.alloc(4096);
	const descriptor = openSync(file, 'r');
	try {
		readSync(descriptor, head, 0, head.length, 0);
	} finally {
		closeSync(descriptor);
	}

	return head.includes('/ld-linux');
}

export function vmAvailable(): {ok: boolean; reason: string} {
	if (!findOnPath('qemu-system-x86_64')) return {ok: false, reason: 'qemu-system-x86_64 not found (apt-get install qemu-system-x86)'};
	const busybox = findOnPath('busybox');
	if (!busybox) return {ok: false, reason: 'busybox not found (apt-get install busybox-static)'};
	if (isDynamicallyLinked(busybox)) return {ok: false, reason: `${busybox} is dynamically linked (apt-get install busybox-static)`};
	return {ok: true, reason: 'qemu-system-x86_64 and a static busybox are installed'};
}

type RunOptions = {cwd?: string; input?: Buffer | string};

async function run(command: string, args: string[], options: RunOptions = {}): Promise<Buffer> {
	const child = spawn(command, args, {cwd: options.cwd, stdio: 'pipe'});
	const stdout: Buffer[] = [];
	const stderr: Buffer[] = [];
	child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
	child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
	// xz --single-stream stops reading after the kernel: the rest of the input may hit a closed pipe.
	child.stdin.on('error', () => {});
	child.stdin.end(options.input);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', resolve);
	});
	if (code !== 0) {
		throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr).toString().trim()}`);
	}

	return Buffer.concat(stdout);
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
	return run(command, args).then(() => true, () => false);
}

async function chooseKernelPackage(): Promise<string> {
	const lists = await readdir('/var/lib/apt/lists').catch(() => []);
	if (!lists.some(name => name.includes('_Packages'))) await run('apt-get', ['update']);
	if (await succeeds('apt-cache', ['show', PREFERRED_KERNEL_PACKAGE])) return PREFERRED_KERNEL_PACKAGE;

	// The generic flavour only: -cloud has no 9p.
	const pattern = /^linux-image-6\.1\.0-([0-9]+)-amd64$/; // POSIX ERE for apt-cache as well
	const listed = (await run('apt-cache', ['search', '--names-only', pattern.source])).toString();
	const newest = listed
		.split('\n')
		.map(line => line.split(' ')[0])
		.filter(name => pattern.test(name))
		.sort((a, b) => Number(pattern.exec(b)![1]) - Number(pattern.exec(a)![1]))[0];
	if (!newest) throw new Error(`neither ${PREFERRED_KERNEL_PACKAGE} nor another linux-image-6.1.0-*-amd64 is available from apt`);
	process.stderr.write(`podtop-vm: ${PREFERRED_KERNEL_PACKAGE} is not available, using ${newest}\n`);
	return newest;
}

/** vmlinuz wraps an xz-compressed ELF kernel; qemu boots the ELF directly, which saves seconds of emulated decompression. */
async function extractVmlinux(vmlinuz: string): Promise<Buffer> {
	const compressed = await readFile(vmlinuz);
	const start = compressed.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
	if (start < 0) throw new Error(`${vmlinuz} holds no xz stream`);
	const vmlinux = await run('xz', ['-dc', '--single-stream'], {input: compressed.subarray(start)});
	if (!vmlinux.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) throw new Error(`the xz stream in ${vmlinuz} is not an ELF kernel`);
	return vmlinux;
}

async function buildInitramfs(kernelRoot: string, kernelRelease: string, busybox: string, workDir: string): Promise<Buffer> {
	const initramfs = path.join(workDir, 'initramfs');
	await mkdir(path.join(initramfs, 'bin'), {recursive: true});
	await writeFile(path.join(initramfs, 'bin', 'busybox'), await readFile(busybox), {mode: 0o755});
	for (const applet of (await run(busybox, ['--list'])).toString().split('\n')) {
		if (applet && applet !== 'busybox') await symlink('busybox', path.join(initramfs, 'bin', applet));
	}

	for (const directory of ['proc', 'sys', 'dev']) await mkdir(path.join(initramfs, directory));
	await writeFile(path.join(initramfs, 'init'), INIT_SCRIPT, {mode: 0o755});

	const moduleDir = path.join('lib', 'modules', kernelRelease);
	const shipped = await readdir(path.join(kernelRoot, moduleDir), {recursive: true});
	for (const name of GUEST_MODULES) {
		const module = shipped.find(file => path.basename(file) === `${name}.ko`);
		if (!module) throw new Error(`kernel module ${name} not found in ${kernelRoot}`);
		const target = path.join(initramfs, moduleDir, module);
		await mkdir(path.dirname(target), {recursive: true});
		await writeFile(target, await readFile(path.join(kernelRoot, moduleDir, module)));
	}

	await run(busybox, ['depmod', '-b', initramfs, kernelRelease]);
	// Sorted so that every directory comes before its entries, which the kernel's unpacker needs.
	const entries = (await readdir(initramfs, {recursive: true})).sort();
	const archive = await run(busybox, ['cpio', '-o', '-H', 'newc'], {cwd: initramfs, input: entries.join('\n') + '\n'});
	return gzipSync(archive, {level: 1});
}

async function buildImage(imageDir: string): Promise<void> {
	const busybox = findOnPath('busybox');
	if (!busybox) throw new Error('busybox not found (apt-get install busybox-static)');
	const workDir = await mkdtemp(path.join(os.tmpdir(), 'podtop-vm-build-'));
	try {
		const kernelPackage = await chooseKernelPackage();
		await run('apt-get', ['download', kernelPackage], {cwd: workDir});
		const [deb] = (await readdir(workDir)).filter(name => name.endsWith('.deb'));
		const kernelRoot = path.join(workDir, 'kernel');
		await run('dpkg-deb', ['-x', path.join(workDir, deb), kernelRoot]);
		const [kernelRelease] = await readdir(path.join(kernelRoot, 'lib', 'modules'));
		const vmlinux = await extractVmlinux(path.join(kernelRoot, 'boot', `vmlinuz-${kernelRelease}`));
		const initrd = await buildInitramfs(kernelRoot, kernelRelease, busybox, workDir);

		await mkdir(cacheRoot, {recursive: true});
		const staged = await mkdtemp(path.join(cacheRoot, '.staging-'));
		try {
			await writeFile(path.join(staged, 'vmlinux'), vmlinux);
			await writeFile(path.join(staged, 'initrd.gz'), initrd);
			await writeFile(path.join(staged, 'kernel-package'), kernelPackage + '\n');
			await chmod(staged, 0o755);
			// Concurrent builders race here: the first rename wins and the others keep its image.
			await rename(staged, imageDir).catch((error: NodeJS.ErrnoException) => {
				if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
			});
		} finally {
			await rm(staged, {recursive: true, force: true});
		}
	} finally {
		await rm(workDir, {recursive: true, force: true});
	}
}

let imagePromise: Promise<VmImage> | undefined;

/** Builds the kernel and initramfs on first use (a 70 MB kernel download, then seconds) and caches them outside the repo. */
export async function ensureVmImage(): Promise<VmImage> {
	imagePromise ??= (async () => {
		const imageDir = path.join(cacheRoot, imageKey);
		const image = {kernel: path.join(imageDir, 'vmlinux'), initrd: path.join(imageDir, 'initrd.gz')};
		if (!existsSync(image.initrd)) await buildImage(imageDir);
		return image;
	})();
	imagePromise.catch(() => {
		imagePromise = undefined;
	});
	return imagePromise;
}

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

function jobScript(command: string, cwd: string, env: Record<string, string>): string {
	const exports = Object.entries(env).map(([name, value]) => {
		if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
		return `export ${name}=${shellQuote(value)}`;
	});
	return ['set -e', ...exports, `cd ${shellQuote(cwd)}`, `exec /bin/sh -c ${shellQuote(command)}`].join('\n') + '\n';
}

async function readIfPresent(file: string): Promise<string | undefined> {
	return readFile(file, 'utf8').catch(() => undefined);
}

/**
 * Runs `sh -c command` as root in a fresh VM, with the host's root filesystem (writes vanish with the
 * VM, except in the job dir) and the host's Node on PATH. Resolves once qemu has exited.
 */
export async function runInVm(command: string, options: VmRunOptions = {}): Promise<VmRunResult> {
	const image = await ensureVmImage();
	const jobDir = await mkdtemp(path.join(os.tmpdir(), 'podtop-vm-job-'));
	try {
		const env = {
			PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
			HOME: '/root',
			...options.env,
		};
		await writeFile(path.join(jobDir, 'host-path'), jobDir);
		await writeFile(path.join(jobDir, 'run.sh'), jobScript(command, options.cwd ?? process.cwd(), env));

		const qemuArgs = [
			'-accel', 'tcg',
			'-m', String(options.memoryMb ?? 1024),
			'-smp', String(options.cpus ?? 2),
			'-nographic', '-no-reboot', '-nic', 'none',
			'-kernel', image.kernel,
			'-initrd', image.initrd,
			// no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can fail and panic the boot.
			'-append', 'console=ttyS0 panic=-1 quiet no_timer_check',
			'-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
			'-virtfs', `local,path=${jobDir},mount_tag=job,security_model=none`,
		];
		// coreutils timeout sends TERM, then KILL after the grace period, even if this process dies first.
		const timeoutSeconds = (options.timeoutMs ?? 120_000) / 1000;
		const qemu = spawn('timeout', ['-k', String(SHUTDOWN_GRACE_SECONDS), String(timeoutSeconds), 'qemu-system-x86_64', ...qemuArgs], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const stop = () => qemu.kill('SIGTERM');
		if (options.signal?.aborted) stop();
		options.signal?.addEventListener('abort', stop, {once: true});
		const consoleOutput: Buffer[] = [];
		qemu.stdout.on('data', (chunk: Buffer) => consoleOutput.push(chunk));
		qemu.stderr.on('data', (chunk: Buffer) => consoleOutput.push(chunk));
		const timeoutStatus = await new Promise<number | null>((resolve, reject) => {
			qemu.once('error', reject);
			qemu.once('close', resolve);
		}).finally(() => options.signal?.removeEventListener('abort', stop));

		const exitCode = await readIfPresent(path.join(jobDir, 'exit-code'));
		const stderr = (await readIfPresent(path.join(jobDir, 'stderr'))) ?? '';
		return {
			stdout: (await readIfPresent(path.join(jobDir, 'stdout'))) ?? '',
			stderr: exitCode === undefined ? stderr + Buffer.concat(consoleOutput).toString() : stderr,
			code: exitCode === undefined ? null : Number(exitCode),
			// timeout exits 124 after TERM and 128+9 when it had to KILL.
			timedOut: timeoutStatus === 124 || timeoutStatus === 137,
		};
	} finally {
		await rm(jobDir, {recursive: true, force: true});
	}
}
