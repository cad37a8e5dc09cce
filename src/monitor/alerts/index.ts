export { AlertDispatcher } from './dispatcher.js';
export type { AlertDispatcherOptions, AlertDispatcherStats, AlertInput } from './dispatcher.js';
export { escapeSlack, jsonPayload, slackPayload } from './format.js';
export type { WebhookFormat } from './format.js';
export { LogAlertSink } from './log-sink.js';
export type { AlertLogger, LogAlertSinkOptions } from './log-sink.js';
export type { Alert, AlertDropReason, AlertSeverity, AlertSink, DeliveryContext } from './types.js';
export { WebhookAlertSink, WebhookDeliveryError } from './webhook-sink.js';
export type { WebhookAlertSinkOptions } from './webhook-sink.js';
