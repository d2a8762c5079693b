import path from 'node:path';
import type {HostDescription} from '../model/types.js';
import {readBoundedRegularFile} from './runtime-names.js';

/** What systeminformation is asked: an interface so that tests can give other answers. */
export type SystemInformation = {
	cpu(): Promise<{manufacturer: string; brand: string; flags: string}>;
	system(): Promise<{virtual: boolean; virtualHost?: string}>;
};

const osReleaseLimit = 64 * 1024;

/** One os-release value, unquoted as os-release(5) allows (single or double quotes, backslash escapes). */
function osReleaseValue(text: string, key: string): string | null {
	const line = new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1]?.trim();
	if (!line) return null;
	const quoted = /^(["'])(.*)\1$/.exec(line);
	const value = quoted ? quoted[2].replaceAll(/\\(.)/g, '$1') : line;
	return value.length > 0 ? value : null;
}

/**
 * The distribution of the system whose root is `root`, from its os-release: `NAME VERSION_ID`, else
 * `PRETTY_NAME`. /etc/os-release is usually a symlink to ../usr/lib/os-release, and under a root mounted
 * elsewhere a symlink would be resolved in the wrong root: it is never followed, and /usr/lib/os-release
 * (the file os-release(5) says to read when /etc/os-release is missing) read instead.
 */
export function readDistribution(root: string): string | null {
	const bytes = readBoundedRegularFile(path.join(root, 'etc/os-release'), osReleaseLimit) ?? readBoundedRegularFile(path.join(root, 'usr/lib/os-release'), osReleaseLimit);
	if (bytes === null) return null;
	const text = bytes.toString('utf8');
	const name = osReleaseValue(text, 'NAME');
	const version = osReleaseValue(text, 'VERSION_ID');
	if (name !== null) return version === null ? name : `${name} ${version}`;
	return osReleaseValue(text, 'PRETTY_NAME');
}

async function loadSystemInformation(): Promise<SystemInformation> {
	const module = await import('systeminformation');
	return module.default;
}

/**
 * What the host is, looked up once: the distribution from `root`'s os-release (the mounted host's under
 * `--root`, never the debug container's), the CPU model and virtualization from systeminformation, which
 * runs lscpu, dmidecode and reads sysfs and the kernel log: seconds at worst, so never in the refresh loop.
 * systeminformation's own osInfo is not used: it reads the running root's os-release and runs `hostname -f`,
 * a DNS lookup that blocks the process.
 */
export async function describeHost(root: string, system?: SystemInformation): Promise<HostDescription> {
	const distribution = readDistribution(root);
	const information = system ?? (await loadSystemInformation());
	const [cpu, machine] = await Promise.all([information.cpu().catch(() => null), information.system().catch(() => null)]);
	const cpuModel = cpu ? [cpu.manufacturer, cpu.brand].filter((part) => part.trim() !== '').join(' ') || null : null;
	let virtualization: string | null = null;
	if (machine?.virtualHost) virtualization = machine.virtualHost;
	else if (machine?.virtual || (cpu?.flags ?? '').split(' ').includes('hypervisor')) virtualization = 'virtual machine';
	return {distribution, cpuModel, virtualization};
}
