import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { trace, type Span, type SpanStatus, type Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { clearMemoryStores, memoryStore } from '../../src/testing/index.js';
import { startAwsWorld, type AwsWorld } from '../reliability/fixtures/worlds.js';

/**
 * Issue 18, streams: write() takes Node Readables and async iterables (type and run time); a read()
 * stream's span and `asset.read` event end when the stream ends — with the byte count and any
 * mid-stream error — not when the stream is handed out.
 */

interface Recorded { name: string; attributes: Record<string, unknown>; status?: SpanStatus; ended: boolean }
const spans: Recorded[] = [];
const tracer = {
  startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => {
    const rec: Recorded = { name, attributes: { ...(options?.attributes ?? {}) }, ended: false };
    spans.push(rec);
    const span = {
      setAttribute: (k: string, v: unknown) => { rec.attributes[k] = v; return span; },
      setAttributes: (a: Record<string, unknown>) => { Object.assign(rec.attributes, a); return span; },
      setStatus: (s: SpanStatus) => { rec.status = s; return span; },
      end: () => { rec.ended = true; },
      isRecording: () => true, recordException: () => undefined, addEvent: () => span, addLink: () => span, addLinks: () => span,
      updateName: () => span, spanContext: () => ({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 }),
    };
    return span as unknown as Span;
  },
} as unknown as Tracer;
trace.setGlobalTracerProvider({ getTracer: () => tracer });

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const lastSpan = (name: string): Recorded => spans.filter((s) => s.name === name).at(-1)!;

describe('write() bodies', () => {
  const events: AssetLinkEvent[] = [];
  let resolver: AssetResolver;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assetlink-bodies-'));
    resolver = createAssetResolver({ integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'bodies' } }], onEvent: (e) => events.push(e) });
  });
  afterAll(async () => { await resolver.close(); clearMemoryStores(); fs.rmSync(dir, { recursive: true, force: true }); });

  const stored = (key: string): string => decode(memoryStore('bodies').get(key)!.data);
  const writtenBytes = (): number | undefined => (events.filter((e) => e.type === 'asset.written').at(-1) as { bytes?: number } | undefined)?.bytes;

  it('a Node Readable (fs.createReadStream), counted in the audit event', async () => {
    const file = path.join(dir, 'in.txt');
    fs.writeFileSync(file, 'x'.repeat(200_000));
    const asset = await resolver.resolveAsset('memory://bodies/from-file.txt');
    await asset.write(fs.createReadStream(file, { highWaterMark: 16_384 }));
    expect(stored('from-file.txt')).toBe('x'.repeat(200_000));
    expect(writtenBytes()).toBe(200_000);
  });

  it('Readable.from of Buffers and strings, an async generator, a Buffer', async () => {
    const asset = await resolver.resolveAsset('memory://bodies/mixed.txt');
    await asset.write(Readable.from([Buffer.from('ab'), 'cd', new Uint8Array([101])]));
    expect(stored('mixed.txt')).toBe('abcde');
    async function* generate(): AsyncGenerator<Uint8Array> { for (const part of ['gen', 'er', 'ated']) yield new TextEncoder().encode(part); }
    await asset.write(generate());
    expect(stored('mixed.txt')).toBe('generated');
    await asset.write(Buffer.from('buffer'));
    expect(stored('mixed.txt')).toBe('buffer');
  });

  it('refuses what is not a body, before anything is written', async () => {
    const asset = await resolver.resolveAsset('memory://bodies/bad.txt');
    await expect(asset.write(42 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(asset.write({} as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(asset.write(Readable.from([{ not: 'bytes' }]) as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(memoryStore('bodies').get('bad.txt')).toBeUndefined();
  });
});

describe('S3: write() streams and read() spans', () => {
  let world: AwsWorld;
  let resolver: AssetResolver;
  const events: AssetLinkEvent[] = [];
  beforeAll(async () => {
    world = await startAwsWorld({ integrations: 1, perIntegration: 1, size: () => 1024 * 1024 });
    const [ro] = world.integrations;
    resolver = createAssetResolver({
      platform: world.platform,
      integrations: [ro!, { ...ro!, id: 'aws-rw', mode: 'read-write' } as typeof ro & object],
      requestTimeoutMs: 5_000,
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(async () => { await resolver?.close(); await world?.close(); });
  const readEvents = (): Array<Extract<AssetLinkEvent, { type: 'asset.read' }>> => events.filter((e): e is Extract<AssetLinkEvent, { type: 'asset.read' }> => e.type === 'asset.read');

  it('writes a Node Readable to S3', async () => {
    const key = `${world.objects[0]!.uri.replace(/[^/]+$/, '')}streamed.bin`;
    const asset = await resolver.resolveAsset(key, 'aws-rw');
    await asset.write(Readable.from((function* () { for (let i = 0; i < 8; i++) yield Buffer.alloc(64 * 1024, i); })()));
    expect((await asset.head()).size).toBe(8 * 64 * 1024);
  });

  it('the read span and event end when the stream is read to the end, with the byte count', async () => {
    const object = world.objects[0]!;
    const asset = await resolver.resolveAsset(object.uri);
    const before = readEvents().length;
    const stream = await asset.read();
    expect(lastSpan('assetlink.read').ended).toBe(false);
    expect(readEvents().length).toBe(before);
    let total = 0;
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) total += chunk.byteLength;
    expect(total).toBe(object.body.byteLength);
    const span = lastSpan('assetlink.read');
    expect(span).toMatchObject({ ended: true, attributes: expect.objectContaining({ 'assetlink.bytes': object.body.byteLength }) });
    expect(span.status?.code).toBe(1); // OK
    expect(readEvents().at(-1)).toMatchObject({ bytes: object.body.byteLength, integrationId: object.integrationId });
    expect(readEvents().at(-1)).not.toHaveProperty('code');
  });

  it('a body cut mid-stream ends them with the error code and the bytes that arrived', async () => {
    const object = world.objects[0]!;
    const asset = await resolver.resolveAsset(object.uri);
    world.fakes.s3.injectFault({ type: 'truncate' });
    const stream = await asset.read();
    let total = 0;
    const failure = await (async () => { for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) total += chunk.byteLength; })().then(() => undefined, (e: unknown) => e);
    expect(failure).toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(total).toBeLessThan(object.body.byteLength);
    const span = lastSpan('assetlink.read');
    expect(span.ended).toBe(true);
    expect(span.attributes).toMatchObject({ 'assetlink.error_code': 'PROVIDER_ERROR', 'assetlink.bytes': total });
    expect(span.status?.code).toBe(2); // ERROR
    expect(readEvents().at(-1)).toMatchObject({ bytes: total, code: 'PROVIDER_ERROR' });
  });

  it('a stream its reader cancels ends them as cancelled', async () => {
    const asset = await resolver.resolveAsset(world.objects[0]!.uri);
    const stream = await asset.read();
    const reader = stream.getReader();
    const first = await reader.read();
    await reader.cancel();
    expect(lastSpan('assetlink.read')).toMatchObject({ ended: true, attributes: expect.objectContaining({ 'assetlink.cancelled': true, 'assetlink.bytes': first.value!.byteLength }) });
    expect(readEvents().at(-1)).toMatchObject({ cancelled: true, bytes: first.value!.byteLength });
  });
});
