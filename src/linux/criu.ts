/**
 * CRIU's RPC ("criu swrk"), as runc drives it: one CriuReq protobuf per SOCK_SEQPACKET packet,
 * CriuResp packets back, notifications (with fds as SCM_RIGHTS) answered one by one. Only the
 * fields hezi uses are encoded, with the field numbers of criu's images/rpc.proto (criu 3.17).
 * Mechanism: the decisions (which options, what a notification does) are the caller's.
 */

// ---------------------------------------------------------------------------------------------
// protobuf, the subset rpc.proto needs: varints (bool, int32, uint32, enum) and length-delimited
// fields (string, embedded message)

export type PbValue = boolean | number | string | Buffer;
/** [field number, value]; a repeated field is several entries with the same number */
export type PbFields = ReadonlyArray<readonly [number, PbValue | undefined]>;

function varint(v: bigint): Buffer {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return Buffer.from(out);
}

/** Encode a message; undefined values are left out. */
export function pbEncode(fields: PbFields): Buffer {
  const parts: Buffer[] = [];
  for (const [n, v] of fields) {
    if (v === undefined) continue;
    if (typeof v === 'boolean' || typeof v === 'number') {
      parts.push(varint(BigInt(n << 3)), varint(BigInt(typeof v === 'boolean' ? (v ? 1 : 0) : Math.trunc(v))));
    } else {
      const b = typeof v === 'string' ? Buffer.from(v) : v;
      parts.push(varint(BigInt((n << 3) | 2)), varint(BigInt(b.length)), b);
    }
  }
  return Buffer.concat(parts);
}

/** Decode a message: field number → values (varints as numbers, length-delimited as Buffers). */
export function pbDecode(buf: Buffer): Map<number, Array<number | Buffer>> {
  const out = new Map<number, Array<number | Buffer>>();
  let k = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (k >= buf.length) throw new Error('truncated protobuf varint');
      const b = buf[k++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (k < buf.length) {
    const tag = Number(readVarint());
    const n = tag >>> 3;
    const wire = tag & 7;
    let val: number | Buffer;
    if (wire === 0) val = Number(BigInt.asIntN(64, readVarint()));
    else if (wire === 2) {
      const len = Number(readVarint());
      if (k + len > buf.length) throw new Error('truncated protobuf field');
      val = buf.subarray(k, k + len);
      k += len;
    } else if (wire === 5) {
      val = buf.readUInt32LE(k);
      k += 4;
    } else if (wire === 1) {
      val = Number(buf.readBigUInt64LE(k));
      k += 8;
    } else throw new Error(`protobuf wire type ${wire} is not supported`);
    const list = out.get(n) ?? [];
    list.push(val);
    out.set(n, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// rpc.proto

/** enum criu_req_type */
export const CriuReqType = { DUMP: 1, RESTORE: 2, CHECK: 3, PRE_DUMP: 4, NOTIFY: 6, FEATURE_CHECK: 9, VERSION: 10 } as const;
const REQ_TYPE_NAMES: Record<number, string> = {
  0: 'EMPTY', 1: 'DUMP', 2: 'RESTORE', 3: 'CHECK', 4: 'PRE_DUMP', 5: 'PAGE_SERVER', 6: 'NOTIFY', 7: 'CPUINFO_DUMP', 8: 'CPUINFO_CHECK', 9: 'FEATURE_CHECK', 10: 'VERSION', 11: 'WAIT_PID', 12: 'PAGE_SERVER_CHLD',
};
export const reqTypeName = (t: number): string => REQ_TYPE_NAMES[t] ?? String(t);

/** enum criu_cg_mode, by runc's --manage-cgroups-mode words ("" = DEFAULT) */
export const CRIU_CG_MODE: Readonly<Record<string, number>> = { ignore: 0, soft: 3, full: 4, strict: 5, '': 6 };

/** The criu_opts fields hezi sets (field numbers of rpc.proto). */
export interface CriuOpts {
  imagesDirFd: number;
  pid?: number | undefined;
  leaveRunning?: boolean | undefined;
  extUnixSk?: boolean | undefined;
  tcpEstablished?: boolean | undefined;
  evasiveDevices?: boolean | undefined;
  shellJob?: boolean | undefined;
  fileLocks?: boolean | undefined;
  logLevel?: number | undefined;
  logFile?: string | undefined;
  pageServer?: { address: string; port: number } | undefined;
  notifyScripts?: boolean | undefined;
  root?: string | undefined;
  parentImg?: string | undefined;
  trackMem?: boolean | undefined;
  autoDedup?: boolean | undefined;
  workDirFd?: number | undefined;
  linkRemap?: boolean | undefined;
  extMnt?: ReadonlyArray<{ key: string; val: string }> | undefined;
  manageCgroups?: boolean | undefined;
  cgRoot?: ReadonlyArray<{ ctrl: string; path: string }> | undefined;
  rstSibling?: boolean | undefined;
  inheritFd?: ReadonlyArray<{ key: string; fd: number }> | undefined;
  manageCgroupsMode?: number | undefined;
  external?: readonly string[] | undefined;
  emptyNs?: number | undefined;
  joinNs?: ReadonlyArray<{ ns: string; nsFile: string }> | undefined;
  freezeCgroup?: string | undefined;
  tcpSkipInFlight?: boolean | undefined;
  lazyPages?: boolean | undefined;
  statusFd?: number | undefined;
  orphanPtsMaster?: boolean | undefined;
  configFile?: string | undefined;
  lsmProfile?: string | undefined;
  lsmMountContext?: string | undefined;
}

export function encodeOpts(o: CriuOpts): Buffer {
  const f: Array<readonly [number, PbValue | undefined]> = [
    [1, o.imagesDirFd],
    [2, o.pid],
    [3, o.leaveRunning],
    [4, o.extUnixSk],
    [5, o.tcpEstablished],
    [6, o.evasiveDevices],
    [7, o.shellJob],
    [8, o.fileLocks],
    [9, o.logLevel],
    [10, o.logFile],
    [11, o.pageServer ? pbEncode([[1, o.pageServer.address], [2, o.pageServer.port]]) : undefined],
    [12, o.notifyScripts],
    [13, o.root],
    [14, o.parentImg],
    [15, o.trackMem],
    [16, o.autoDedup],
    [17, o.workDirFd],
    [18, o.linkRemap],
    ...(o.extMnt ?? []).map((m) => [23, pbEncode([[1, m.key], [2, m.val]])] as const),
    [24, o.manageCgroups],
    ...(o.cgRoot ?? []).map((c) => [25, pbEncode([[1, c.ctrl || undefined], [2, c.path]])] as const),
    [26, o.rstSibling],
    ...(o.inheritFd ?? []).map((x) => [27, pbEncode([[1, x.key], [2, x.fd]])] as const),
    [34, o.manageCgroupsMode],
    ...(o.external ?? []).map((x) => [37, x] as const),
    [38, o.emptyNs],
    ...(o.joinNs ?? []).map((j) => [39, pbEncode([[1, j.ns], [2, j.nsFile]])] as const),
    [44, o.freezeCgroup],
    [46, o.tcpSkipInFlight],
    [48, o.lazyPages],
    [49, o.statusFd],
    [50, o.orphanPtsMaster],
    [51, o.configFile],
    [53, o.lsmProfile],
    [63, o.lsmMountContext],
  ];
  return pbEncode(f);
}

export function encodeReq(type: number, opts?: CriuOpts, notifySuccess?: boolean): Buffer {
  return pbEncode([
    [1, type],
    [2, opts ? encodeOpts(opts) : undefined],
    [3, notifySuccess],
  ]);
}

export interface CriuResp {
  type: number;
  success: boolean;
  crErrno?: number;
  crErrmsg?: string;
  /** restore: the restored root task */
  restorePid?: number;
  notify?: { script: string; pid: number };
}

export function decodeResp(buf: Buffer): CriuResp {
  const m = pbDecode(buf);
  const num = (n: number): number | undefined => {
    const v = m.get(n)?.[0];
    return typeof v === 'number' ? v : undefined;
  };
  const sub = (n: number): Map<number, Array<number | Buffer>> | undefined => {
    const v = m.get(n)?.[0];
    return Buffer.isBuffer(v) ? pbDecode(v) : undefined;
  };
  const r: CriuResp = { type: num(1) ?? 0, success: num(2) === 1 };
  const errno = num(7);
  if (errno !== undefined) r.crErrno = errno;
  const msg = m.get(9)?.[0];
  if (Buffer.isBuffer(msg)) r.crErrmsg = msg.toString();
  const restore = sub(4);
  const rpid = restore?.get(1)?.[0];
  if (typeof rpid === 'number') r.restorePid = rpid;
  const notify = sub(5);
  if (notify) {
    const script = notify.get(1)?.[0];
    const pid = notify.get(2)?.[0];
    r.notify = { script: Buffer.isBuffer(script) ? script.toString() : '', pid: typeof pid === 'number' ? pid : 0 };
  }
  return r;
}
