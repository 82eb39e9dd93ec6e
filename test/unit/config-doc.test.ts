import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../support/config-doc.ts';

describe('docs/configuration.md', () => {
  it('lists every key of the zod schema with its type and default, and nothing else', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const rows = doc
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => {
        const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
        return { key: cells[1]?.replace(/`/g, ''), type: cells[2], default: cells[3]?.replace(/^`|`$/g, '') };
      })
      .filter((r) => !/^[A-Z_]+/.test(r.key ?? ''));
    expect(rows).toEqual(configKeys());
  });
});
