import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createEmbeddedDataDir } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

const rssMb = () =>
  Number(
    readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'))
      ?.replace(/\D+/g, '') ?? 0,
  ) / 1024;

describe('the embedded database directory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'finops-datadir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is created on first use, keeps what is stored, and leaves this process without initdb’s memory', async () => {
    const dir = path.join(root, 'data', 'db');
    const before = rssMb();
    const h = await connect({ pgliteDir: dir });
    await migrateToLatest(h.db);
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
    // initdb ran in a worker thread that has ended: this process holds one opened and migrated
    // database (≈ 150 MB), not the ≈ 600 MB initdb grows PGlite's WebAssembly memory to.
    expect(rssMb() - before).toBeLessThan(350);
    await sql`insert into revenue (month, product_line, revenue, source_file) values ('2026-11', 'checkout', 10, 'x')`.execute(
      h.db,
    );
    await h.close();

    const again = await connect({ pgliteDir: dir });
    const rows = await sql<{ revenue: string }>`select revenue::text from revenue`.execute(again.db);
    expect(rows.rows).toEqual([{ revenue: '10' }]);
    await again.close();
  });

  it('an existing directory is opened as it is, not created again', async () => {
    const dir = path.join(root, 'data', 'db');
    const version = readFileSync(path.join(dir, 'PG_VERSION'), 'utf8');
    await createEmbeddedDataDir(dir);
    expect(readFileSync(path.join(dir, 'PG_VERSION'), 'utf8')).toBe(version);
  });

  it('a directory that cannot be created fails with the path and what to do', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    await expect(createEmbeddedDataDir(path.join(file, 'db'))).rejects.toThrow(
      /could not create the embedded database in .*a-file.*FINOPS_DATA_DIR/,
    );
  });
});
