/**
 * mrkdwn escaping for every text that came from outside (PR titles, service names, notes,
 * product names, what a user typed). Slack treats only `&`, `<` and `>` as control characters:
 * escaping them stops `<!channel>` pings and forged `<https://…|links>`.
 * https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID_RE = /^[CGD][A-Z0-9]{2,}$/;

/** `<@U123>`: a mention built by us from an id, never from outside text. */
export function mentionUser(userId: string): string {
  if (!USER_ID_RE.test(userId)) return escapeMrkdwn(userId);
  return `<@${userId}>`;
}

/** `<#C123>`: a channel link built from an id. */
export function mentionChannel(channelId: string): string {
  if (!CHANNEL_ID_RE.test(channelId)) return escapeMrkdwn(channelId);
  return `<#${channelId}>`;
}

/** `<url|label>` with the label escaped; only http(s) URLs become links. */
export function link(url: string, label: string): string {
  if (!/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeMrkdwn(label);
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}
