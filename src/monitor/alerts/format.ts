/**
 * Payload shapes for webhook alerts: a generic JSON document, and a Slack-compatible message
 * (`{ text, blocks }`, accepted by Slack incoming webhooks and by Mattermost/Rocket.Chat/Discord's
 * Slack-compatible endpoints, which read `text`).
 */
import type { Alert } from './types.js';

export type WebhookFormat = 'json' | 'slack';

/** Generic JSON: the alert itself, tagged with its source and a schema version. */
export const jsonPayload = (alert: Alert): Record<string, unknown> => ({
  source: 'bastion',
  v: 1,
  kind: alert.kind,
  severity: alert.severity,
  environment: alert.environment,
  subject: alert.subject,
  message: alert.message,
  ts: alert.ts,
});

const SEVERITY_LABEL = { info: 'INFO', warning: 'WARNING', critical: 'CRITICAL' } as const;
const SEVERITY_EMOJI = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };
// Slack limits: section text 3000 characters, at most 10 fields of 2000 each.
const MAX_SECTION = 3_000;
const MAX_FIELDS = 10;
const MAX_FIELD = 2_000;

/**
 * Slack requires &, < and > escaped in mrkdwn; escaping also stops a value from turning into a
 * link (`<https://evil|click>`) or a mention (`<!channel>`).
 */
export const escapeSlack = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export function slackPayload(alert: Alert): { text: string; blocks: unknown[] } {
  const kind = escapeSlack(alert.kind);
  const message = escapeSlack(alert.message);
  const text = clip(
    `[${SEVERITY_LABEL[alert.severity]}] ${alert.environment} ${kind}: ${message}`,
    MAX_SECTION,
  );
  const blocks: unknown[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          `${SEVERITY_EMOJI[alert.severity]} *${SEVERITY_LABEL[alert.severity]}* \`${kind}\` (${alert.environment})\n${message}`,
          MAX_SECTION,
        ),
      },
    },
  ];
  const fields = Object.entries(alert.subject)
    .slice(0, MAX_FIELDS)
    .map(([key, value]) => ({
      type: 'mrkdwn',
      text: clip(`*${escapeSlack(key)}*\n${escapeSlack(String(value))}`, MAX_FIELD),
    }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Bastion · ${escapeSlack(alert.ts)}` }],
  });
  return { text, blocks };
}
