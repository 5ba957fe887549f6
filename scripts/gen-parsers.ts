#!/usr/bin/env bun
/**
 * Writes build/spec-parsers.js: the config and process parsers compiled from the zod schemas of
 * spec/ (spec/codegen.ts), which the standalone executable uses instead of loading zod.
 * Run by scripts/build.js before `bun build --compile`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateParsers } from '../spec/codegen';
import { parsedSchemas } from '../src/config/parsers';

const out = process.argv[2] ?? path.join(import.meta.dir, '..', 'build', 'spec-parsers.js');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(`${out}.tmp`, generateParsers(parsedSchemas()));
fs.renameSync(`${out}.tmp`, out);
