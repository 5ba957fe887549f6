/**
 * hezi's model of the OCI runtime-spec v1.3.0: zod schemas for config.json, the state document
 * and the Features structure, the TypeScript types inferred from them, and parse functions that
 * report errors as `<json path>: <message>`.
 *
 * Loading this module builds every schema (and loads zod). It has no other side effects. The hot
 * commands (state, start, kill, delete) must not load it: only the create path does, lazily, with
 * `require('../../spec')`. Everyone else uses `import type { ... } from '../../spec'` (erased at
 * compile time), or the zod-free `spec/constants` and `spec/errors` modules for plain values.
 *
 * Schema policy:
 *  - Unknown properties are ignored at every level (z.object strips them), never rejected.
 *  - Types, enums, integer ranges and string patterns follow schema/*.json.
 *  - A property is required only if both the JSON schema and the prose require it (e.g.
 *    `process.user.uid` is REQUIRED in config.md but not in config-schema.json: optional here;
 *    `linux.resources.pids.limit` is required by config-linux.json but OPTIONAL in v1.3 prose:
 *    optional here). The prose-only requirements are semantic checks, made elsewhere. The one
 *    exception: a missing `process.user.uid` / `gid` parses as 0, as in runc.
 *  - Like `paused` in the state, runc's values beyond the spec's are accepted where runc's
 *    callers rely on them: `rootfsPropagation` also takes rprivate/rshared/rslave/runbindable.
 *  - Non-Linux platform sections (windows, solaris, vm, zos, freebsd) are accepted unchecked.
 *  - `null` is accepted only where features.md allows it (the Features structure).
 *  - Integers arrive as JS numbers: uint64/int64 values beyond 2^53 lose precision in JSON.parse.
 */
export * from './constants';
export * from './primitives';
export * from './hooks';
export * from './resources';
export * from './seccomp';
export * from './linux';
export * from './config';
export * from './state';
export * from './features';
export * from './errors';
export * from './parse';
