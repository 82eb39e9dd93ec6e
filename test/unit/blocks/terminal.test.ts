import { describe, expect, it } from 'vitest';
import { blockKitBuilderUrl, blocksToTerminal, mrkdwnToPlain } from '../../../src/blocks/terminal.ts';

describe('terminal rendering of Block Kit', () => {
  it('shows headers, fields, context and buttons readably', () => {
    const text = blocksToTerminal(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Cost anomaly' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Checkout* &amp; <@U1> see <https://x.example|the thread>' },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Actual*\n$812' },
            { type: 'mrkdwn', text: '*Expected*\n$301' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'since 2026-10-15' }] },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'a' }],
        },
      ],
      20,
    );
    expect(text).toBe(
      [
        'Cost anomaly',
        '════════════',
        '*Checkout* & @U1 see the thread (https://x.example)',
        '  *Actual*: $812                        *Expected*: $301',
        '  since 2026-10-15',
        '─'.repeat(20),
        '  [ Acknowledge ]',
      ].join('\n'),
    );
  });

  it('decodes entities only after links, so escaped outside text stays inert', () => {
    expect(mrkdwnToPlain('&lt;!channel&gt; <!here>')).toBe('<!channel> @here');
  });

  it('links to the Block Kit Builder with the payload in the fragment', () => {
    const url = blockKitBuilderUrl([{ type: 'divider' }]);
    expect(url).toBe(
      'https://app.slack.com/block-kit-builder/#%7B%22blocks%22%3A%5B%7B%22type%22%3A%22divider%22%7D%5D%7D',
    );
  });
});
