import { loadConfig } from './config';

describe('configuration', () => {
  it('applies the embedded defaults when nothing is set', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      LOG_LEVEL: 'info',
      READ_AFTER_WRITE_TIMEOUT_MS: 2000,
      SQLITE_SYNCHRONOUS: 'FULL',
      AUDIT_ANCHOR_EVERY_EVENTS: 1000,
      AUDIT_ANCHOR_EVERY_MS: 10000,
      STREAM_SNAPSHOT_EVERY_EVENTS: 1000,
    });
  });

  it('reads numbers from strings and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '8080', READ_AFTER_WRITE_TIMEOUT_MS: '500', HOME: '/root' });
    expect(config.PORT).toBe(8080);
    expect(config.READ_AFTER_WRITE_TIMEOUT_MS).toBe(500);
  });

  it('names every bad value in one message', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', EVENTSTORE_URL: 'http://x' })).toThrow(
      /PORT[\s\S]*EVENTSTORE_URL[\s\S]*LOG_LEVEL|PORT[\s\S]*LOG_LEVEL[\s\S]*EVENTSTORE_URL/,
    );
  });

  it('names the settings a process requires when they are missing', () => {
    expect(() => loadConfig({}, ['KAFKA_BROKERS', 'MONGO_URL'])).toThrow(
      /KAFKA_BROKERS, MONGO_URL must be set/,
    );
  });

  it('trusts proxies by address or CIDR, never by a hop count, which a direct client could forge past', () => {
    expect(loadConfig({ TRUST_PROXY: '172.28.0.250,10.0.0.0/8,::1' }).TRUST_PROXY).toBe(
      '172.28.0.250,10.0.0.0/8,::1',
    );
    for (const setting of ['1', '2', '1,2', 'nginx', '10.0.0.0/8,']) {
      expect(() => loadConfig({ TRUST_PROXY: setting })).toThrow(/TRUST_PROXY .*not a hop count/);
    }
  });
});
