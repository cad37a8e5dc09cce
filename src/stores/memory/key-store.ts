import type { GatewayKeyRecord, KeyStore } from '../ports.js';

const freezeRecord = (record: GatewayKeyRecord): GatewayKeyRecord =>
  Object.freeze({ ...record, models: record.models === null ? null : Object.freeze([...record.models]) });

/** In-process KeyStore for tests and embedded use. Records are copied in and out, never shared. */
export class MemoryKeyStore implements KeyStore {
  private readonly records = new Map<string, GatewayKeyRecord>();
  private closed = false;

  async create(record: GatewayKeyRecord): Promise<void> {
    this.assertOpen();
    if (this.records.has(record.id)) throw new Error('A gateway key with this id already exists.');
    this.records.set(record.id, freezeRecord(record));
  }

  async get(id: string): Promise<GatewayKeyRecord | undefined> {
    this.assertOpen();
    return this.records.get(id);
  }

  async list(appId?: string): Promise<GatewayKeyRecord[]> {
    this.assertOpen();
    return [...this.records.values()]
      .filter((record) => appId === undefined || record.appId === appId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.assertOpen();
    const record = this.records.get(id);
    if (record === undefined) return false;
    // The earliest revocation time wins: revoking twice does not postpone it, and revoking a key
    // whose revocation is scheduled (a rotation's grace period) brings it forward.
    if (record.revokedAt === null || at < record.revokedAt)
      this.records.set(id, Object.freeze({ ...record, revokedAt: at }));
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Key store is closed.');
  }
}
