import type { AwsPartition } from '../../types.js';

const FIRST_REGION: Readonly<Record<AwsPartition, string>> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

function partitionOfRegion(region: string): AwsPartition {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** `platformRegion` when it is in `partition`, else the partition's first region. */
export function homeRegionFor(partition: AwsPartition, platformRegion: string | undefined): string {
  return platformRegion !== undefined && partitionOfRegion(platformRegion) === partition ? platformRegion : FIRST_REGION[partition];
}

/**
 * Which region each bucket lives in. Order: what S3 itself told us (discovery or a redirect),
 * then the region named in the URL, then the integration's `scope.region`, then a discovery
 * request (HeadBucket answers `x-amz-bucket-region`, even when it refuses access), done once per
 * bucket and shared by concurrent callers.
 */
export class BucketRegions {
  readonly #known = new Map<string, string>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #fallback: string;

  constructor(fallback: string) {
    this.#fallback = fallback;
  }

  /**
   * `discover` asks S3 (with the caller's credentials); it runs at most once per bucket at a time.
   * A region already known comes back as a plain string (no promise for every presign to wait on).
   */
  regionFor(
    bucket: string,
    hints: { urlRegion?: string | undefined; scopeRegion?: string | undefined },
    discover: () => Promise<string | undefined>,
  ): string | Promise<string> {
    const known = this.#known.get(bucket);
    if (known) return known;
    if (hints.urlRegion) return hints.urlRegion;
    if (hints.scopeRegion) return hints.scopeRegion;
    let pending = this.#pending.get(bucket);
    if (!pending) {
      pending = discover()
        .then((region) => {
          // Without an answer, use the platform region; a wrong guess is corrected by the first redirect.
          const resolved = region ?? this.#fallback;
          this.#known.set(bucket, resolved);
          return resolved;
        })
        .finally(() => this.#pending.delete(bucket));
      this.#pending.set(bucket, pending);
    }
    return pending;
  }

  /** Records the region S3 named in a redirect. */
  learn(bucket: string, region: string): void {
    this.#known.set(bucket, region);
  }
}
