// The host's description read from fixture roots and a stand-in for systeminformation; what this machine's own
// os-release, systeminformation and the built CLI give is in host-description.test.ts.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {describeHost, readDistribution, type SystemInformation} from '../../source/collect/host-description.js';
import {commandExists} from '../helpers/processes.js';
import {fedora, ownDistribution, temporaryRoot} from '../helpers/host-roots.js';
import {requireOrSkip} from '../helpers/require.js';

describe('the distribution, from the os-release of the root given', () => {
	test("a mounted host's /etc/os-release symlink is never followed into the running root: its usr/lib/os-release is read", () => {
		const root = temporaryRoot();
		// As on most hosts, an absolute link: followed from a debug container, it would read the container's file.
		fs.symlinkSync('/etc/os-release', path.join(root, 'etc', 'os-release'));
		fs.writeFileSync(path.join(root, 'usr', 'lib', 'os-release'), fedora);
		assert.notEqual(ownDistribution(), 'Fedora Linux 41');
		assert.equal(readDistribution(root), 'Fedora Linux 41');
	});

	test('quoting and escapes as os-release(5) allows; PRETTY_NAME without NAME; nothing when there is no file', () => {
		const root = temporaryRoot();
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), "NAME='Acme \\\"Linux\\\"'\nVERSION_ID=\"2.1\"\n");
		assert.equal(readDistribution(root), 'Acme "Linux" 2.1');
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), 'PRETTY_NAME="Rolling"\n');
		assert.equal(readDistribution(root), 'Rolling');
		fs.rmSync(path.join(root, 'etc', 'os-release'));
		assert.equal(readDistribution(root), null);
	});

	test('blanks after a value are not part of it; a value quoted only in part is taken as written', () => {
		const root = temporaryRoot();
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), 'NAME="Fedora Linux"  \nVERSION_ID=41\t\n');
		assert.equal(readDistribution(root), 'Fedora Linux 41');
		for (const name of ['Acme"Linux"', '"Acme"Linux']) {
			fs.writeFileSync(path.join(root, 'etc', 'os-release'), `NAME=${name}\n`);
			assert.equal(readDistribution(root), name);
		}
	});

	test('an empty value is none: an empty NAME gives PRETTY_NAME, an empty VERSION_ID the name alone', () => {
		const root = temporaryRoot();
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), 'NAME=""\nVERSION_ID=41\nPRETTY_NAME="Rolling"\n');
		assert.equal(readDistribution(root), 'Rolling');
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), "NAME=Acme\nVERSION_ID=''\n");
		assert.equal(readDistribution(root), 'Acme');
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), 'NAME=\nPRETTY_NAME=\n');
		assert.equal(readDistribution(root), null);
	});

	test('a FIFO in place of os-release is not waited on', (t) => {
		if (!requireOrSkip(t, commandExists('mkfifo'), 'needs mkfifo')) return;
		const root = temporaryRoot();
		execFileSync('mkfifo', [path.join(root, 'etc', 'os-release')]);
		fs.writeFileSync(path.join(root, 'usr', 'lib', 'os-release'), fedora);
		assert.equal(readDistribution(root), 'Fedora Linux 41');
	});
});

function fakeSystem(answers: {cpu?: {manufacturer: string; brand: string} | Error; flags?: string; system?: {virtual: boolean; virtualHost?: string}}): SystemInformation {
	return {
		cpu: async () => {
			if (answers.cpu instanceof Error) throw answers.cpu;
			return {...(answers.cpu ?? {manufacturer: '', brand: ''}), flags: answers.flags ?? ''};
		},
		system: async () => answers.system ?? {virtual: false},
	};
}

describe('describeHost', () => {
	test('the hypervisor systeminformation names; a virtual machine when only the CPU says so; none when nothing does', async () => {
		const root = temporaryRoot();
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), fedora);
		const cpu = {manufacturer: 'Intel', brand: 'Xeon Gold 6348'};
		assert.deepEqual(await describeHost(root, fakeSystem({cpu, system: {virtual: true, virtualHost: 'KVM'}})), {
			distribution: 'Fedora Linux 41',
			cpuModel: 'Intel Xeon Gold 6348',
			virtualization: 'KVM',
		});
		assert.equal((await describeHost(root, fakeSystem({cpu, flags: 'fpu sse hypervisor avx'}))).virtualization, 'virtual machine');
		assert.equal((await describeHost(root, fakeSystem({cpu, flags: 'fpu sse avx'}))).virtualization, null);
	});

	test('the CPU model: manufacturer and brand, either alone when the other is blank, none when both are', async () => {
		const root = temporaryRoot();
		const model = async (manufacturer: string, brand: string) => (await describeHost(root, fakeSystem({cpu: {manufacturer, brand}}))).cpuModel;
		assert.deepEqual(
			[await model('AMD', 'EPYC 7763'), await model('', 'EPYC 7763'), await model('AMD', ' '), await model(' ', '')],
			['AMD EPYC 7763', 'EPYC 7763', 'AMD', null],
		);
	});

	test('what systeminformation cannot tell is null, and the distribution is still read', async () => {
		const root = temporaryRoot();
		fs.writeFileSync(path.join(root, 'etc', 'os-release'), fedora);
		assert.deepEqual(await describeHost(root, fakeSystem({cpu: new Error('lscpu: not found')})), {distribution: 'Fedora Linux 41', cpuModel: null, virtualization: null});
	});

});
