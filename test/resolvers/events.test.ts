import { describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent } from '../../src/index.js';
import { putMemoryObject } from '../../src/testing/index.js';

describe('audit events', () => {
  it('are typed, in order, and never carry signature-shaped text from a literal key', async () => {
    const events: AssetLinkEvent[] = [];
    const key = 'in/odd?X-Amz-Signature=CANARYSIG0123456789&x=1';
    putMemoryObject('events', key, new TextEncoder().encode('x'));
    const resolver = createAssetResolver({
      integrations: [{ id: 'ev', provider: 'memory', scope: { bucket: 'events', prefix: 'in' } }],
      onEvent: (e) => { events.push(e); throw new Error('a failing listener must not fail the call'); },
    });
    const asset = await resolver.resolveAsset(`memory://events/${key}`);
    await asset.bytes();
    await asset.write('nope').catch(() => undefined);
    await asset.presign({ ttlSeconds: 30 });
    await resolver.resolveAsset('memory://events/out/x', 'ev').catch(() => undefined);
    expect(events.map((e) => e.type)).toEqual(['asset.read', 'write.refused', 'presign.issued', 'scope.refused']);
    const presign = events[2] as Extract<AssetLinkEvent, { type: 'presign.issued' }>;
    expect(presign.ttlSeconds).toBeGreaterThan(25);
    expect(presign.method).toBe('GET');
    const json = JSON.stringify(events);
    expect(json).not.toContain('CANARYSIG0123456789');
    expect(json).toContain('X-Amz-Signature=[REDACTED]');
  });
});
