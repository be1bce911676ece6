/**
 * Which meters the node knows: those listed by a registered signer (revoked ones included, so
 * that a meter's past readings stay reachable after its key is revoked).
 */
import type { RegisteredSigner } from '../registry/index.ts';
import { ApiError } from './errors.ts';

/** What the meter check needs from the registry. */
export interface MeterDirectory {
  list(): readonly Pick<RegisteredSigner, 'meters'>[];
}

/** Throws `METER_NOT_FOUND` (404) for each of `meterIds` that no registered signer lists. */
export function assertKnownMeters(registry: MeterDirectory, meterIds: readonly string[]): void {
  const known = new Set<string>();
  for (const s of registry.list()) for (const m of s.meters) known.add(m);
  const unknown = meterIds.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new ApiError(
      'METER_NOT_FOUND',
      `no registered signer lists meter${unknown.length > 1 ? 's' : ''} ${unknown.map((m) => `"${m}"`).join(', ')}`,
      { evidence: { meters: unknown } },
    );
  }
}
