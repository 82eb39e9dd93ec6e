import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError, unreadableFileError } from '../../lib/errors.ts';

/**
 * What a FOCUS file is, told by its first bytes rather than its name (a gzip export renamed
 * `.csv` still reads), its CSV header, and its checksum. Everything here streams: no file is
 * held in memory whole.
 */

export type FocusFormat = 'csv' | 'csv.gz' | 'parquet';

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = 'PAR1';
/** A header line longer than this is not a FOCUS header (57 columns fit in about 1 KB). */
const MAX_HEADER_BYTES = 1 << 20;

export async function detectFormat(file: string): Promise<FocusFormat> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw unreadableFileError('focus_file_unreadable', file, err);
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    if (bytesRead === 0) throw new InputError('focus_empty', `${file}: the file is empty (no header line)`);
    if (buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1]) return 'csv.gz';
    if (buf.subarray(0, 4).toString('latin1') === PARQUET_MAGIC) return 'parquet';
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** The header fields of a CSV (optionally gzip) file: BOM dropped, quotes undone, CR/LF either way. */
export async function readCsvHeader(file: string, format: 'csv' | 'csv.gz'): Promise<string[]> {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const stream = format === 'csv.gz' ? raw.pipe(createGunzip()) : raw;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      const header = parseHeaderLine(Buffer.concat(chunks, length).toString('utf8'));
      if (header) return header;
      if (length > MAX_HEADER_BYTES) break;
    }
  } catch (err) {
    throw new InputError(
      'focus_unreadable',
      `${file}: cannot be read as ${format} (${(err as Error).message})`,
    );
  } finally {
    raw.destroy();
  }
  const header = parseHeaderLine(`${Buffer.concat(chunks, length).toString('utf8')}\n`);
  if (!header || (header.length === 1 && header[0] === '')) {
    throw new InputError('focus_empty', `${file}: the file has no header line`);
  }
  return header;
}

/** Parses the first CSV record of `text` if it is complete (ends in a newline outside quotes). */
export function parseHeaderLine(text: string): string[] | null {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      return fields;
    } else field += ch;
  }
  return null;
}

/** sha256 of the file's bytes as stored (compressed files are hashed compressed). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The physical line (1-based) on which data record `recordIndex` (0-based, header excluded)
 * starts, counting newlines inside quoted values and skipping blank lines as DuckDB does.
 * Only used to report a bad row, so it may read the whole file.
 */
export async function lineOfRecord(
  file: string,
  format: 'csv' | 'csv.gz',
  recordIndex: number,
): Promise<number> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = format === 'csv.gz' ? raw.pipe(createGunzip()) : raw;
  let line = 1;
  let record = -2; // the header line becomes record -1, the first data line record 0
  let quoted = false;
  let atLineStart = true;
  let prevCr = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x0a && prevCr) {
          prevCr = false;
          continue; // the LF of a CRLF
        }
        prevCr = b === 0x0d;
        if (b === 0x0a || b === 0x0d) {
          line++;
          if (!quoted) atLineStart = true;
          continue;
        }
        if (atLineStart && !quoted) {
          atLineStart = false;
          record++;
          if (record === recordIndex) return line;
        }
        if (b === 0x22) quoted = !quoted;
      }
    }
  } finally {
    raw.destroy();
  }
  return line;
}
