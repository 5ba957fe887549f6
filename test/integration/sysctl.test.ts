/**
 * linux.sysctl: namespaced sysctls are set inside the container and never on the host;
 * sysctls that would change the host are refused before anything runs.
 */
import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import { describeResult, describeRoot, expectNothingLeftBehind, itRuncFails, runContainer, runOk, type Spec } from '../support/bundle';

const read = (p: string): string => fs.readFileSync(p, 'utf8').trim();

const noNetNs = (spec: Spec): void => {
  spec.linux.namespaces = spec.linux.namespaces.filter((n: Spec) => n.type !== 'network');
};

describeRoot('sysctl', () => {
  it('net.ipv4.ip_forward is set in the container\'s network namespace, not on the host', () => {
    const host = read('/proc/sys/net/ipv4/ip_forward');
    const want = host === '1' ? '0' : '1';
    const out = runOk({ linux: { sysctl: { 'net.ipv4.ip_forward': want } } }, 'cat /proc/sys/net/ipv4/ip_forward');
    expect(out).toBe(`${want}\n`);
    expect(read('/proc/sys/net/ipv4/ip_forward')).toBe(host);
  });

  it('several sysctls across net, ipc and uts namespaces', () => {
    const before = {
      somaxconn: read('/proc/sys/net/core/somaxconn'),
      msgmax: read('/proc/sys/kernel/msgmax'),
      domainname: read('/proc/sys/kernel/domainname'),
    };
    const out = runOk(
      {
        linux: {
          sysctl: {
            'net.core.somaxconn': '777',
            'kernel.msgmax': '4321',
            'kernel.domainname': 'hezi.example',
          },
        },
      },
      'cat /proc/sys/net/core/somaxconn /proc/sys/kernel/msgmax /proc/sys/kernel/domainname',
    );
    expect(out).toBe('777\n4321\nhezi.example\n');
    expect(read('/proc/sys/net/core/somaxconn')).toBe(before.somaxconn);
    expect(read('/proc/sys/kernel/msgmax')).toBe(before.msgmax);
    expect(read('/proc/sys/kernel/domainname')).toBe(before.domainname);
  });

  it('a net sysctl without a network namespace is refused and the host is untouched', () => {
    const host = read('/proc/sys/net/ipv4/ip_forward');
    const want = host === '1' ? '0' : '1';
    const r = runContainer((spec) => {
      noNetNs(spec);
      spec.linux.sysctl = { 'net.ipv4.ip_forward': want };
    }, 'echo started', { checkLeftovers: false });
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('net.ipv4.ip_forward');
    expect(read('/proc/sys/net/ipv4/ip_forward')).toBe(host);
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });

  it('a sysctl that is not namespaced (vm.*) is refused and the host is untouched', () => {
    const host = read('/proc/sys/vm/overcommit_ratio');
    const r = runContainer({ linux: { sysctl: { 'vm.overcommit_ratio': String(Number(host) + 1) } } }, 'echo started', { checkLeftovers: false });
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('vm.overcommit_ratio');
    expect(read('/proc/sys/vm/overcommit_ratio')).toBe(host);
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });

  it('a sysctl that does not exist fails the container cleanly', () => {
    const r = runContainer({ linux: { sysctl: { 'net.ipv4.hezi_no_such_knob': '1' } } }, 'echo started', { checkLeftovers: false });
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('hezi_no_such_knob');
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });

  itRuncFails('runc before 1.5 refuses user.* sysctls', "user.max_* limits are set in the container's user namespace, not on the host", () => {
    const host = read('/proc/sys/user/max_user_namespaces');
    const out = runOk(
      (spec) => {
        spec.linux.namespaces.push({ type: 'user' });
        spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        spec.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        spec.linux.sysctl = { 'user.max_user_namespaces': '7', 'user.max_mnt_namespaces': '9' };
      },
      'cat /proc/sys/user/max_user_namespaces /proc/sys/user/max_mnt_namespaces',
    );
    expect(out).toBe('7\n9\n');
    expect(read('/proc/sys/user/max_user_namespaces')).toBe(host);
  });

  it('a user.* sysctl without a user namespace is refused and the host is untouched', () => {
    const host = read('/proc/sys/user/max_user_namespaces');
    const r = runContainer({ linux: { sysctl: { 'user.max_user_namespaces': '7' } } }, 'echo started', { checkLeftovers: false });
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('user.max_user_namespaces');
    expect(read('/proc/sys/user/max_user_namespaces')).toBe(host);
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });
});
