import type { ProcessInfo, RuntimeEvent } from './types';

/**
 * What the cache keeps of a process: enough to print an ancestry chain.
 * @public
 */
export interface ProcessSummary {
  execId: string;
  parentExecId?: string;
  binary: string;
  arguments: string;
  pid?: number;
  uid?: number;
  startTime?: string;
  namespace?: string;
  pod?: string;
  container?: string;
}

/**
 * Options of {@link ProcessCache}.
 * @public
 */
export interface ProcessCacheOptions {
  /** Most processes kept (least recently used are evicted first). Default 65536. */
  maxSize?: number;
  /**
   * How long (event time, ms) an exited process stays, so late events of its
   * children still resolve their ancestry. Default 30000.
   */
  exitGraceMs?: number;
  /** Longest ancestry returned. Default 64. */
  maxDepth?: number;
}

interface Entry {
  p: ProcessSummary;
  exitedAt?: number;
}

/**
 * Summarizes a process for the cache and for finding samples.
 * @public
 */
export function summarizeProcess(p: ProcessInfo): ProcessSummary {
  return {
    execId: p.execId,
    parentExecId: p.parentExecId,
    binary: p.binary,
    arguments: p.arguments,
    pid: p.pid,
    uid: p.uid,
    startTime: p.startTime,
    namespace: p.pod?.namespace,
    pod: p.pod?.name,
    container: p.pod?.container.name,
  };
}

/**
 * A bounded process cache fed by exec/exit events (and the process/parent
 * copies every event carries), giving the ancestry of any event.
 *
 * Bounded two ways: at most `maxSize` entries, least recently used dropped
 * first, and exited processes are removed `exitGraceMs` of event time after
 * their exit.
 *
 * The LRU is a two-generation map (recently used / previous generation):
 * deleting from the front of one big Map on every insert leaves tombstones
 * that make V8 iterate over them, which is O(n) per eviction under load.
 * Two generations of maxSize/2 each give O(1) updates with the same bound.
 * @public
 */
export class ProcessCache {
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
  private readonly exits: { execId: string; at: number }[] = [];
  private exitHead = 0;
  private readonly maxSize: number;
  private readonly generationSize: number;
  private readonly graceMs: number;
  private readonly maxDepth: number;
  private now = -Infinity;

  constructor(options: ProcessCacheOptions = {}) {
    this.maxSize = Math.max(2, options.maxSize ?? 65536);
    this.generationSize = Math.ceil(this.maxSize / 2);
    this.graceMs = Math.max(0, options.exitGraceMs ?? 30000);
    this.maxDepth = Math.max(1, options.maxDepth ?? 64);
  }

  /** Number of processes held. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Looks a process up without changing its LRU position. */
  peek(execId: string): ProcessSummary | undefined {
    return this.find(execId)?.p;
  }

  private find(execId: string): Entry | undefined {
    return this.young.get(execId) ?? this.old.get(execId);
  }

  private remove(execId: string): void {
    if (!this.young.delete(execId)) this.old.delete(execId);
  }

  private insert(execId: string, e: Entry): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(execId, e);
  }

  /** Feeds one event: learns its process, parent and ancestors; handles exit. */
  observe(ev: RuntimeEvent): void {
    if (ev.timeMs > this.now) this.now = ev.timeMs;
    const proc = ev.process;
    if (proc) {
      if (ev.parent) this.learn(ev.parent, false);
      if (ev.ancestors) for (const a of ev.ancestors) this.learn(a, false);
      this.learn(proc, ev.type === 'process_exec');
      if (ev.type === 'process_exit') this.markExited(proc.execId);
    }
    this.sweep();
  }

  /**
   * The ancestry of an event's process, root first and the process last.
   * Walks parent_exec_id through the cache, falling back to the parent and
   * ancestors the event carries; stops at cycles and `maxDepth`.
   */
  ancestry(ev: RuntimeEvent): ProcessSummary[] {
    const proc = ev.process;
    if (!proc) return [];
    const carried = new Map<string, ProcessInfo>();
    if (ev.parent) carried.set(ev.parent.execId, ev.parent);
    if (ev.ancestors) for (const a of ev.ancestors) carried.set(a.execId, a);
    const chain: ProcessSummary[] = [summarizeProcess(proc)];
    const seen = new Set<string>([proc.execId]);
    let next = proc.parentExecId;
    while (next && !seen.has(next) && chain.length < this.maxDepth) {
      seen.add(next);
      let p = this.find(next)?.p;
      if (!p) {
        const c = carried.get(next);
        if (c) p = summarizeProcess(c);
      }
      if (!p) break;
      chain.push(p);
      next = p.parentExecId;
    }
    return chain.reverse();
  }

  private learn(p: ProcessInfo, fresh: boolean): void {
    if (!p.execId) return;
    let existing = this.young.get(p.execId);
    if (!existing) {
      existing = this.old.get(p.execId);
      if (existing) {
        // Used again: promote to the young generation.
        this.old.delete(p.execId);
        this.insert(p.execId, existing);
      }
    }
    if (existing) {
      // An exec replaces what a partial copy (parent field) said.
      if (fresh) {
        existing.p = summarizeProcess(p);
        existing.exitedAt = undefined;
      }
      return;
    }
    this.insert(p.execId, { p: summarizeProcess(p) });
  }

  private markExited(execId: string): void {
    const e = this.find(execId);
    if (!e) return;
    const at = Number.isFinite(this.now) ? this.now : 0;
    e.exitedAt = at;
    this.exits.push({ execId, at });
  }

  private sweep(): void {
    const limit = this.now - this.graceMs;
    while (this.exitHead < this.exits.length) {
      const x = this.exits[this.exitHead];
      // Without event times (or with a flood of exits) the queue is bounded
      // by maxSize: the oldest pending exit is then removed at once.
      const overfull = this.exits.length - this.exitHead > this.maxSize;
      if (x.at > limit && !overfull) break;
      const e = this.find(x.execId);
      if (e && e.exitedAt !== undefined && (e.exitedAt <= limit || overfull)) {
        this.remove(x.execId);
      }
      this.exitHead++;
    }
    // Compact the queue now and then so it does not grow without bound.
    if (this.exitHead > 1024 && this.exitHead * 2 > this.exits.length) {
      this.exits.splice(0, this.exitHead);
      this.exitHead = 0;
    }
  }
}
