import { AssetLinkError } from '../errors.js';

type OtelApi = typeof import('@opentelemetry/api');
type Attributes = Record<string, string | number | boolean>;

let loading: Promise<OtelApi | undefined> | undefined;

/** @opentelemetry/api is an optional peer dependency: absent → every helper here is a no-op. */
function api(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then((m) => (m as OtelApi & { default?: OtelApi }).trace ? m : (m as { default: OtelApi }).default, () => undefined);
  return loading;
}

const SCOPE = 'assetlink';

/**
 * Runs `fn` inside a span named `name`, and counts it in `assetlink.operations` by outcome.
 * Attributes never carry secrets or URLs, only ids, providers, buckets and error codes.
 */
export async function traced<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const otel = await api();
  if (!otel) return fn();
  const counter = otel.metrics.getMeter(SCOPE).createCounter('assetlink.operations', { description: 'assetlink operations by outcome' });
  return otel.trace.getTracer(SCOPE).startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await fn();
      span.setStatus({ code: otel.SpanStatusCode.OK });
      counter.add(1, { ...attributes, 'assetlink.operation': name, 'assetlink.outcome': 'ok' });
      return result;
    } catch (error) {
      const code = error instanceof AssetLinkError ? error.code : 'UNEXPECTED';
      span.setAttribute('assetlink.error_code', code);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: code });
      counter.add(1, { ...attributes, 'assetlink.operation': name, 'assetlink.outcome': code });
      throw error;
    } finally {
      span.end();
    }
  });
}
