import { expect } from 'vitest';

/** A device key as the tests' fixtures hold it. */
interface TestDevice {
  readonly record: { readonly signerId: string; readonly publicKey: Uint8Array };
}

/**
 * Registers `device` (Ed25519, device mode, 10 kW) for `meters` with the operator `token` at
 * the node's API `api` (`POST /v1/registry/signers`), expects 201, and gives the broker
 * credential shown once.
 */
export async function registerDevice(
  api: string,
  token: string,
  device: TestDevice,
  meters: readonly string[],
): Promise<{ username: string; password: string }> {
  const reg = await fetch(`${api}/v1/registry/signers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      signerId: device.record.signerId,
      mode: 'device',
      keyType: 'Ed25519',
      publicKey: Buffer.from(device.record.publicKey).toString('base64'),
      meters,
      ratedCapacityW: 10_000,
    }),
  });
  expect(reg.status).toBe(201);
  const { credential } = (await reg.json()) as {
    credential: { username: string; password: string };
  };
  return credential;
}
