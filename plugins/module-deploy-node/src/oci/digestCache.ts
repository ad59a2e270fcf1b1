/**
 * The default size of a {@link DigestCache}: 64 MiB.
 *
 * @public
 */
export const DEFAULT_PULL_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Verified registry content by digest, kept in memory across pulls: the manifests of references
 * pinned by digest and every content layer. A digest names its bytes, so an entry never goes
 * stale; only content whose digest was verified is stored. Least recently used entries go first
 * once the total passes `maxBytes`.
 *
 * @public
 */
export class DigestCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  /** @param maxBytes - the most bytes kept (default 64 MiB); an entry larger than this is not kept */
  constructor(readonly maxBytes: number = DEFAULT_PULL_CACHE_BYTES) {
    if (!(maxBytes > 0))
      throw new Error(
        `DigestCache: maxBytes must be a positive number of bytes, got ${maxBytes}`,
      );
  }

  /** The bytes of `digest`, if kept (and marks them recently used). */
  get(digest: string): Buffer | undefined {
    const body = this.#entries.get(digest);
    if (body) {
      this.#entries.delete(digest);
      this.#entries.set(digest, body);
    }
    return body;
  }

  /** Keeps `body` under `digest`; the caller has verified that it hashes to `digest`. */
  set(digest: string, body: Buffer): void {
    if (body.length > this.maxBytes || this.#entries.has(digest)) return;
    this.#entries.set(digest, body);
    this.#bytes += body.length;
    for (const [key, kept] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= kept.length;
    }
  }

  /** Entries and bytes kept. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }
}
