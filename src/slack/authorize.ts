/**
 * The gate every Slack request passes before any listener runs (Bolt global middleware): the
 * request is named as a surface of src/slack/policy.ts (`/finops` text parsed to its subcommand,
 * a button's action_id, a view's or shortcut's callback_id, the Home tab) and the policy decides.
 * Refused: acked, the person told why where they asked, the refusal logged, no listener runs.
 * An id without a row in the policy is refused too (deny by default).
 *
 * Rules that depend on the thing acted on (an action item's owner, who an answer was for, whether
 * figures include revenue) are asked of the same policy where that thing is read.
 */
import type { AnyMiddlewareArgs, Middleware, RespondFn } from '@slack/bolt';
import { renderError, renderInfoModal } from '../blocks/reply.ts';
import { parseFinopsCommand } from '../commands/parser.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import type { Access } from './access.ts';
import { CALLBACK_IDS, SLASH_COMMAND } from './ids.ts';
import { type SurfaceKey, surfaceKeyOf } from './policy.ts';

type Body = Record<string, unknown>;
const obj = (v: unknown): Body => (typeof v === 'object' && v !== null ? (v as Body) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What an incoming request is, for the policy. `surface` undefined: a request the app has no row for. */
export interface IncomingRequest {
  userId: string | undefined;
  surface: SurfaceKey | undefined;
  /** How the request names itself, for the log when it has no row (ids quoted: they are outside text). */
  label: string;
  /** Requests the app does not gate (events it does not listen to, url checks). */
  ungated?: true;
}

/** Names a request body as a surface of the policy. Pure. */
export function describeRequest(
  body: Body,
  products: ReadonlyArray<{ id: string; name?: string | undefined }>,
): IncomingRequest {
  const user = obj(body['user']);
  const userId = str(user['id']) ?? str(body['user_id']);
  if (typeof body['command'] === 'string') {
    const command = body['command'];
    if (command !== SLASH_COMMAND)
      return { userId, surface: undefined, label: `command ${JSON.stringify(command)}` };
    const parsed = parseFinopsCommand(str(body['text']) ?? '', { products });
    // Text that does not parse gets the usage, as help does.
    const name = parsed.ok ? parsed.command.name : 'help';
    return { userId, surface: `command:${name}`, label: `command ${name}` };
  }
  switch (body['type']) {
    case 'block_actions': {
      const actions = Array.isArray(body['actions']) ? body['actions'] : [];
      const id = str(obj(actions[0])['action_id']) ?? '';
      return { userId, surface: surfaceKeyOf('action', id), label: `action ${JSON.stringify(id)}` };
    }
    case 'view_submission':
    case 'view_closed': {
      const id = str(obj(body['view'])['callback_id']) ?? '';
      return { userId, surface: surfaceKeyOf('view', id), label: `view ${JSON.stringify(id)}` };
    }
    case 'message_action':
    case 'shortcut': {
      const id = str(body['callback_id']) ?? '';
      return { userId, surface: surfaceKeyOf('shortcut', id), label: `shortcut ${JSON.stringify(id)}` };
    }
    case 'event_callback': {
      const event = obj(body['event']);
      if (event['type'] === 'app_home_opened')
        return { userId: str(event['user']), surface: 'home', label: 'home' };
      return {
        userId: undefined,
        surface: undefined,
        label: `event ${JSON.stringify(event['type'])}`,
        ungated: true,
      };
    }
    default:
      return { userId, surface: undefined, label: `request ${JSON.stringify(body['type'])}` };
  }
}

export function authorizeRequests(opts: {
  access: Access;
  config: Pick<Config, 'product_lines'>;
  logger: Logger;
}): Middleware<AnyMiddlewareArgs> {
  const products = opts.config.product_lines.map((p) => ({ id: p.id, name: p.name }));
  return async (args) => {
    const body = obj(args.body);
    const req = describeRequest(body, products);
    if (req.ungated) {
      await args.next();
      return;
    }
    let reason: string;
    if (req.surface === undefined || req.userId === undefined) {
      reason = 'This is not something the FinOps bot knows how to do.';
      opts.logger.warn(`refused ${req.label}: no row in the authorization policy (src/slack/policy.ts)`);
    } else {
      const decision = await opts.access.authorize(req.userId, req.surface);
      if (decision.allow) {
        await args.next();
        return;
      }
      reason = decision.reason;
      opts.logger.info(`refused ${req.surface} to ${req.userId}: ${reason}`);
    }
    await refuse(args, body['type'] === 'view_submission', reason, opts.logger);
  };
}

/**
 * Acks the refused request and tells the person where they are: a refused form turns into a note
 * saying why; a command, button or shortcut gets an ephemeral answer.
 */
async function refuse(
  args: AnyMiddlewareArgs,
  isSubmission: boolean,
  reason: string,
  logger: Logger,
): Promise<void> {
  const a = args as Partial<{ ack: (r?: unknown) => Promise<void>; respond: RespondFn }>;
  if (isSubmission && a.ack) {
    await a.ack({
      response_action: 'update',
      view: renderInfoModal('Not allowed', reason, CALLBACK_IDS.infoModal),
    });
    return;
  }
  if (a.ack) await a.ack();
  if (!a.respond) return;
  const msg = renderError(reason);
  await a
    .respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks })
    .catch((err: unknown) => logger.debug('could not tell the person why they were refused', { error: err }));
}
