#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a clone and `npx finops`.
// tsx handles our sources only; packages load as plain Node modules (see node-modules-outside-tsx.mjs).
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

const tsx = register({ namespace: 'finops' });
registerHooks('./node-modules-outside-tsx.mjs', import.meta.url);
await tsx.import('../src/main.ts', import.meta.url);
