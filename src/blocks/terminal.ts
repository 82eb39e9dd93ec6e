/**
 * Renders a Block Kit payload as readable terminal text, for the local preview: headers
 * underlined, sections and fields as text, context dimmed, buttons as `[ Acknowledge ]`,
 * images as their alt text. Pure: the same payload always gives the same text.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (isObj(v) && typeof v['text'] === 'string' ? v['text'] : '');

/** mrkdwn → plain terminal text: entities decoded, `<@U1>` → @U1, `<url|label>` → label (url). */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<@([A-Z0-9]+)(\|[^>]*)?>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(\|([^>]*))?>/g, (_m, id: string, _l, label?: string) => `#${label ?? id}`)
    .replace(/<!(\w+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function elementText(e: unknown): string {
  if (!isObj(e)) return '';
  if (e['type'] === 'button') return `[ ${str(e['text'])} ]`;
  if (e['type'] === 'image') return `(image: ${String(e['alt_text'] ?? '')})`;
  if (typeof e['text'] === 'string') return mrkdwnToPlain(e['text']);
  return '';
}

export function blocksToTerminal(blocks: readonly unknown[], width = 80): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (!isObj(b)) continue;
    switch (b['type']) {
      case 'header': {
        const t = str(b['text']);
        out.push(t, '═'.repeat(Math.min(width, Math.max(4, t.length))));
        break;
      }
      case 'section': {
        if (isObj(b['text'])) out.push(mrkdwnToPlain(str(b['text'])));
        if (Array.isArray(b['fields'])) {
          const cells = b['fields'].map((f) => mrkdwnToPlain(str(f)).replace(/\n/g, ': '));
          for (let i = 0; i < cells.length; i += 2) {
            out.push(`  ${(cells[i] ?? '').padEnd(38)}${cells[i + 1] ?? ''}`.trimEnd());
          }
        }
        if (isObj(b['accessory'])) out.push(`  ${elementText(b['accessory'])}`);
        break;
      }
      case 'context':
        out.push(
          `  ${(Array.isArray(b['elements']) ? b['elements'] : []).map(elementText).filter(Boolean).join('  ·  ')}`,
        );
        break;
      case 'actions':
        out.push(`  ${(Array.isArray(b['elements']) ? b['elements'] : []).map(elementText).join(' ')}`);
        break;
      case 'divider':
        out.push('─'.repeat(width));
        break;
      case 'image':
        out.push(`  (image: ${String(b['alt_text'] ?? '')})`);
        break;
      default:
        out.push(`  (${String(b['type'])} block)`);
    }
  }
  return out.join('\n');
}

/** A link that opens the payload in Slack's Block Kit Builder. */
export function blockKitBuilderUrl(blocks: readonly unknown[]): string {
  return `https://app.slack.com/block-kit-builder/#${encodeURIComponent(JSON.stringify({ blocks }))}`;
}
