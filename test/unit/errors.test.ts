import { open } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { errorLine, isInputError, unreadableFileError } from '../../src/lib/errors.ts';

async function openError(file: string): Promise<unknown> {
  try {
    const h = await open(file, 'r');
    await h.read(Buffer.alloc(1), 0, 1, 0);
    await h.close();
  } catch (err) {
    return err;
  }
  throw new Error(`${file} opened`);
}

describe('unreadableFileError', () => {
  it('says "file not found" for a missing file, as bad input with the cause kept', async () => {
    const cause = await openError('/nonexistent/finops/revenue.csv');
    const e = unreadableFileError('revenue_unreadable', '/nonexistent/finops/revenue.csv', cause);
    expect(errorLine(e)).toBe('/nonexistent/finops/revenue.csv: file not found');
    expect(e.code).toBe('revenue_unreadable');
    expect(isInputError(e)).toBe(true);
    expect(e.cause).toBe(cause);
  });

  it("names the system's reason otherwise (a directory)", async () => {
    const dir = os.tmpdir();
    const e = unreadableFileError('focus_file_unreadable', dir, await openError(dir));
    expect(errorLine(e)).toBe(`${dir}: cannot be read (EISDIR)`);
  });
});
