import type { Migration } from 'kysely';
import * as m0900 from './2026_11_23_0900_create_core_tables.ts';

/**
 * Every migration, in order. A static list (not a folder scan) so the same code runs under
 * tsx, vitest and any bundler. Append new files here; never edit an applied one.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_23_0900_create_core_tables': m0900,
};
