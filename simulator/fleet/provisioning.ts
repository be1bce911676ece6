/**
 * Key provisioning: registers the fleet's signers with the node (operator token, the registry
 * route of docs/registry.md), or prints the `wattproof devices register` commands that do it.
 */
import { toHex } from '../../src/core/bytes.ts';
import type { NodeApi } from '../node-api.ts';
import type { Fleet, Registration } from './fleet.ts';

/** The `wattproof devices register` command of one registration. */
export function registerCommand(r: Registration, nodeUrl?: string): string {
  const parts = [
    'wattproof devices register',
    ...(nodeUrl === undefined ? [] : [`--node ${nodeUrl}`]),
    `--signer-id ${r.signerId}`,
    `--mode ${r.mode}`,
    `--key-type ${r.keyType}`,
    `--public-key ${toHex(r.publicKey)}`,
    ...r.meters.map((m) => `--meter ${m}`),
    `--capacity-w ${r.ratedCapacityW}`,
  ];
  return parts.join(' ');
}

/** The commands that register the whole fleet. */
export function registerCommands(fleet: Fleet, nodeUrl?: string): string[] {
  return fleet.registrations.map((r) => registerCommand(r, nodeUrl));
}

/** Registers every signer of the fleet; resolves to how many were new. */
export async function provision(
  api: NodeApi,
  operatorToken: string,
  fleet: Fleet,
): Promise<number> {
  let created = 0;
  for (const r of fleet.registrations) if (await api.register(operatorToken, r)) created++;
  return created;
}
