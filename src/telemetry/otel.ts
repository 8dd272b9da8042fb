import { AssetLinkError } from '../errors.js';
import { observeStream, type StreamOutcome } from './observe-stream.js';

type OtelApi = typeof import('@opentelemetry/api');
type Attributes = Record<string, string | number | boolean>;
type Counter = ReturnType<ReturnType<OtelApi['metrics']['getMeter']>['createCounter']>;

const SCOPE = 'assetlink';

/** undefined: not loaded yet; null: @opentelemetry/api is not installed (everything here is a no-op). */
let otel: OtelApi | null | undefined;
let loading: Promise<void> | undefined;
let counterProvider: unknown;
let counter: Counter | undefined;

/**
 * Whether anything registered with the OpenTelemetry API 1.x (a tracer or meter provider, a
 * context manager, a logger): it keeps all of them under this global symbol. Until then every
 * span and counter would be a no-op, so the API is not even loaded (it is tens of modules on a
 * cold start); checked on every operation, so a provider registered later is picked up.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const otelRegistered = (): boolean => (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] !== undefined;

function load(): Promise<void> {
  // `.catch` directly on the import(): bundlers then treat the package as optional (src/optional-import.ts).
  loading ??= import('@opentelemetry/api').catch(() => null).then((m) => {
    otel = m === null ? null : ((m as OtelApi).trace ? m : (m as unknown as { default: OtelApi }).default) as OtelApi;
  });
  return loading;
}

/** The counter of the meter provider registered now (a provider registered later gets a new one). */
function operations(api: OtelApi): Counter | undefined {
  const provider = api.metrics.getMeterProvider();
  if (provider !== counterProvider) {
    counterProvider = provider;
    // The API's no-op provider records nothing: skip building attribute objects for it.
    counter = provider.constructor.name === 'NoopMeterProvider'
      ? undefined
      : provider.getMeter(SCOPE).createCounter('assetlink.operations', { description: 'assetlink operations by outcome' });
  }
  return counter;
}

/**
 * Runs `fn` inside a span named `name`, and counts it in `assetlink.operations` by outcome
 * (`spanAttributes` may be a function: it is then called only when OpenTelemetry is in use).
 * Attributes never carry secrets or URLs, only ids, providers, buckets and error codes. With no
 * tracer registered the span is non-recording and `fn` runs directly, so the hot path pays little.
 */
export function traced<T>(name: string, spanAttributes: Attributes | (() => Attributes), fn: () => Promise<T>): Promise<T> {
  if (otel === undefined) return otelRegistered() ? load().then(() => traced(name, spanAttributes, fn)) : fn();
  if (otel === null) return fn();
  const api = otel;
  const count = operations(api);
  // Built only when a span or counter may use them (a presign without OpenTelemetry builds none).
  const attributes = typeof spanAttributes === 'function' ? spanAttributes() : spanAttributes;
  const span = api.trace.getTracer(SCOPE).startSpan(name, { attributes });
  const recording = span.isRecording();
  if (!recording && !count) {
    span.end();
    return fn();
  }
  const run = recording ? () => api.context.with(api.trace.setSpan(api.context.active(), span), fn) : fn;
  return run().then(
    (result) => {
      span.setStatus({ code: api.SpanStatusCode.OK });
      span.end();
      count?.add(1, { ...attributes, 'assetlink.operation': name, 'assetlink.outcome': 'ok' });
      return result;
    },
    (error: unknown) => {
      const code = error instanceof AssetLinkError ? error.code : 'UNEXPECTED';
      span.setAttribute('assetlink.error_code', code);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
      span.end();
      count?.add(1, { ...attributes, 'assetlink.operation': name, 'assetlink.outcome': code });
      throw error;
    },
  );
}

/**
 * Like `traced`, for an operation that returns a stream: the span (and the operation count) ends
 * when the stream does — read to the end, failed mid-body (the error code is recorded), or cancelled
 * — with `assetlink.bytes` set, not when the stream is handed out. `onEnd` (audit events) is called
 * at the same moment. With no tracer, no meter and no `onEnd`, the stream is returned untouched.
 */
export function tracedStream(
  name: string,
  attributes: Attributes,
  open: () => Promise<ReadableStream<Uint8Array>>,
  onEnd?: (outcome: StreamOutcome) => void,
): Promise<ReadableStream<Uint8Array>> {
  if (otel === undefined && otelRegistered()) return load().then(() => tracedStream(name, attributes, open, onEnd));
  const api = otel;
  const count = api ? operations(api) : undefined;
  const span = api?.trace.getTracer(SCOPE).startSpan(name, { attributes });
  const recording = span?.isRecording() ?? false;
  if (!recording && !count) span?.end();
  if (!recording && !count && !onEnd) return open();
  const finish = (outcome: StreamOutcome | { error: unknown; bytes?: undefined; cancelled?: undefined }): void => {
    if (api && (recording || count)) {
      const code = outcome.error === undefined ? 'ok' : outcome.error instanceof AssetLinkError ? outcome.error.code : 'UNEXPECTED';
      if (recording && span) {
        if (outcome.bytes !== undefined) span.setAttribute('assetlink.bytes', outcome.bytes);
        if (outcome.cancelled) span.setAttribute('assetlink.cancelled', true);
        if (code === 'ok') span.setStatus({ code: api.SpanStatusCode.OK });
        else {
          span.setAttribute('assetlink.error_code', code);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
        }
        span.end();
      }
      count?.add(1, { ...attributes, 'assetlink.operation': name, 'assetlink.outcome': code });
    }
  };
  const run = recording && api && span ? () => api.context.with(api.trace.setSpan(api.context.active(), span), open) : open;
  return run().then(
    (stream) => observeStream(stream, (outcome) => {
      finish(outcome);
      onEnd?.(outcome);
    }),
    (error: unknown) => {
      finish({ error });
      throw error;
    },
  );
}
