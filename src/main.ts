/**
 * Process entry: the only file that reads process.env and calls process.exit.
 */
import { runCli } from './cli/index.ts';

const env = Object.freeze({ ...process.env });
const code = await runCli(process.argv.slice(2), env, {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTty: Boolean(process.stdout.isTTY),
});
// Long-running commands (start) resolve only when they are asked to stop.
process.exit(code);
