import { trace, type Span, type SpanStatus, type Tracer } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createAssetResolver } from '../../src/index.js';
import { putMemoryObject } from '../../src/testing/index.js';

interface Recorded { name: string; attributes: Record<string, unknown>; status?: SpanStatus; ended: boolean }
const recorded: Recorded[] = [];

function recordingSpan(rec: Recorded): Span {
  const span = {
    setAttribute: (k: string, v: unknown) => { rec.attributes[k] = v; return span; },
    setAttributes: (a: Record<string, unknown>) => { Object.assign(rec.attributes, a); return span; },
    setStatus: (s: SpanStatus) => { rec.status = s; return span; },
    end: () => { rec.ended = true; },
    isRecording: () => true, recordException: () => undefined, addEvent: () => span, addLink: () => span, addLinks: () => span,
    updateName: () => span, spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
  };
  return span as unknown as Span;
}

const tracer = {
  startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => {
    const rec: Recorded = { name, attributes: { ...(options?.attributes ?? {}) }, ended: false };
    recorded.push(rec);
    return recordingSpan(rec);
  },
  startActiveSpan: (name: string, options: { attributes?: Record<string, unknown> }, fn: (span: Span) => unknown) => fn((tracer.startSpan as (n: string, o: unknown) => Span)(name, options)),
} as unknown as Tracer;

trace.setGlobalTracerProvider({ getTracer: () => tracer });
afterAll(() => trace.disable());

describe('OpenTelemetry spans (optional peer dependency)', () => {
  it('wraps asset operations in spans with ids and error codes, never URLs or secrets', async () => {
    putMemoryObject('otel', 'in/a.txt', new TextEncoder().encode('x'));
    const resolver = createAssetResolver({ integrations: [{ id: 'otel-ro', provider: 'memory', scope: { bucket: 'otel', prefix: 'in' } }] });
    const asset = await resolver.resolveAsset('memory://otel/in/a.txt');
    await asset.head();
    await asset.bytes();
    await asset.write('nope').catch(() => undefined);
    await asset.presign({ ttlSeconds: 60 });
    const names = recorded.map((r) => r.name);
    expect(names).toEqual(['assetlink.head', 'assetlink.bytes', 'assetlink.write', 'assetlink.presign']);
    expect(recorded.every((r) => r.ended)).toBe(true);
    expect(recorded[0]!.attributes).toMatchObject({ 'assetlink.integration_id': 'otel-ro', 'assetlink.provider': 'memory', 'assetlink.bucket': 'otel' });
    expect(recorded[2]!.attributes['assetlink.error_code']).toBe('READ_ONLY');
    expect(recorded[2]!.status?.code).toBe(2); // SpanStatusCode.ERROR
    expect(JSON.stringify(recorded)).not.toMatch(/Signature|memory:\/\//);
  });
});
