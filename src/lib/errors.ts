/**
 * Errors carry a code and a kind. Each entry point has one policy for them:
 * the CLI prints one line and exits 2 for `input`, 1 for `runtime`; Slack answers
 * ephemerally; jobs record the failure on the run.
 */
export type ErrorKind = 'input' | 'runtime';

export class FinopsError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  constructor(code: string, message: string, kind: ErrorKind = 'runtime', options?: ErrorOptions) {
    super(message, options);
    this.name = 'FinopsError';
    this.code = code;
    this.kind = kind;
  }
}

/** Bad input from the user: config, arguments or files. Exit status 2. */
export class InputError extends FinopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 'input', options);
    this.name = 'InputError';
  }
}

/** The InputError for a file that cannot be opened: not found, or the system's reason (EACCES, EISDIR…). */
export function unreadableFileError(code: string, file: string, err: unknown): InputError {
  const reason = (err as NodeJS.ErrnoException | undefined)?.code;
  return new InputError(
    code,
    reason === 'ENOENT' ? `${file}: file not found` : `${file}: cannot be read (${reason ?? 'error'})`,
    { cause: err },
  );
}

export function isInputError(err: unknown): err is FinopsError {
  return err instanceof FinopsError && err.kind === 'input';
}

/** One line, no stack: what went wrong and where. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/\s*\n\s*/g, '; ');
  return String(err);
}
