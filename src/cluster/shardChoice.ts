import { SHARD_COUNTS, type ShardCount } from '../api/client';

/**
 * What the shard picker makes of the typed text. Digits are a count, matched exactly (typing `3`
 * never lands on 32): an allowed count picks it, any other number (or text) is refused with the
 * allowed values. Empty text lists every count.
 */
export type ShardInput =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly shards: ShardCount }
  | { readonly kind: 'notAllowed'; readonly typed: string; readonly allowed: readonly ShardCount[] };

export function parseShardInput(text: string): ShardInput {
  const typed = text.trim();
  if (typed === '') {
    return { kind: 'all' };
  }
  const exact = /^\d+$/.test(typed) ? SHARD_COUNTS.find((n) => n === Number(typed)) : undefined;
  return exact === undefined ? { kind: 'notAllowed', typed, allowed: SHARD_COUNTS } : { kind: 'exact', shards: exact };
}

/**
 * How safe a shard count is with the coreapps that run (wa-api.md §3: shards + X coreapps
 * tolerate X failures). Safe needs at least one spare; with none, one failed coreapp stops a
 * shard's traffic; with fewer coreapps than shards, traffic stops at once.
 */
export type ShardSafety =
  | { readonly kind: 'safe'; readonly spares: number }
  | { readonly kind: 'noSpare' }
  | { readonly kind: 'tooFewCoreapps'; readonly missing: number };

export function assessShards(shards: number, runningCoreapps: number): ShardSafety {
  if (shards > runningCoreapps) {
    return { kind: 'tooFewCoreapps', missing: shards - runningCoreapps };
  }
  return shards === runningCoreapps ? { kind: 'noSpare' } : { kind: 'safe', spares: runningCoreapps - shards };
}
