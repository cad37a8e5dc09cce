import { GatewayError, isGatewayError } from '../core/errors.js';
import type { GatewayRequest, ProviderName } from '../core/types.js';
import type { ProviderAdapter, ProviderCredential, UpstreamResult } from '../providers/types.js';
import type { CredentialPool, EngineLogger } from './types.js';

export interface UpstreamAttempt {
  readonly result: UpstreamResult;
  readonly credential: ProviderCredential;
}

/**
 * Calls the provider with a key from the ring. A key the provider refuses (401/403) is marked bad,
 * an alert line naming the key id (never the key) is logged, and the call is retried once on the
 * next healthy key. The client never sees the provider's 401: it gets a 5xx catalog error.
 */
export async function callUpstream(
  provider: ProviderName,
  adapter: ProviderAdapter,
  pool: CredentialPool,
  request: GatewayRequest,
  log: EngineLogger,
): Promise<UpstreamAttempt & { triedKeys: number }> {
  const tried = new Set<string>();
  for (let attempt = 0; attempt < 2; attempt++) {
    const credential = pool.pick(tried);
    if (credential === undefined) break;
    tried.add(credential.id);
    try {
      const result = await adapter.send({
        requestId: request.id,
        operation: request.operation,
        body: request.body,
        stream: request.stream,
        anthropicVersion: request.anthropicVersion,
        anthropicBeta: request.anthropicBeta,
        credential,
        signal: request.signal,
      });
      return { result, credential, triedKeys: tried.size };
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'upstream_credentials_rejected') throw error;
      pool.markBad(credential.id);
      log.error(
        { alert: 'provider_key_rejected', provider, providerKeyId: credential.id, requestId: request.id },
        'provider refused a configured key; it is marked bad and the next key is tried',
      );
    }
  }
  throw new GatewayError('upstream_credentials_rejected', {
    detail: `no accepted ${provider} key (tried ${tried.size})`,
    source: 'provider',
  });
}
