/**
 * The node's HTTP API as the simulator uses it, like any outside client: log identity, key
 * registry and tokens (operator token), quarantine (operator token), bundles (issuer token),
 * metrics. Routes: docs/api.md, docs/registry.md, docs/formats.md §Quarantine.
 */
import { toBase64 } from '../src/core/bytes.ts';
import { SimulatorError } from './errors.ts';
import type { Registration } from './fleet/fleet.ts';

const TIMEOUT_MS = 30_000;

/** `GET /v1/log`. */
export interface LogInfo {
  readonly origin: string;
  readonly vkey: string;
  readonly size: number;
}

/** `GET /v1/quarantine/counts`. */
export interface QuarantineCounts {
  readonly records: number;
  readonly capacity: number;
  readonly recordsByCode: Readonly<Record<string, number>>;
  readonly rejectedByCode: Readonly<Record<string, number>>;
}

/** One record of `GET /v1/quarantine`. */
export interface QuarantineRecordJson {
  readonly id: number;
  readonly code: string;
  readonly message: string;
  readonly topic: string;
  readonly receivedAt: number;
  readonly payloadLength: number;
  readonly readingIndex?: number;
  readonly payload?: string;
}

/** A client of one node. */
export class NodeApi {
  readonly base: string;

  constructor(base: string) {
    try {
      const u = new URL(base);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new SimulatorError('INVALID_OPTION', `--node: "${base}" is not an http(s) URL`);
    }
    this.base = base.replace(/\/+$/, '');
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new SimulatorError(
        'NODE_UNREACHABLE',
        `cannot reach the node at ${this.base} (${cause?.code ?? (e as Error).message}); is it running? see --node`,
        { cause: e },
      );
    }
  }

  async #json<T>(res: Response, what: string, ok = 200): Promise<T> {
    const text = await res.text();
    if (res.status !== ok) {
      throw new SimulatorError(
        'NODE_REFUSED',
        `${what}: the node answered ${res.status} ${text.slice(0, 300)}`,
        { evidence: { status: res.status } },
      );
    }
    return JSON.parse(text) as T;
  }

  /** The log's origin, verifier key and size. */
  async logInfo(): Promise<LogInfo> {
    return this.#json(await this.#call('GET', '/v1/log'), 'GET /v1/log');
  }

  /**
   * Registers a signer. A signer id already registered with the same key counts as done (a run
   * continued with the same seed and prefix); with another key it is an error.
   * Returns whether a new registration was made.
   */
  async register(token: string, r: Registration): Promise<boolean> {
    const res = await this.#call('POST', '/v1/registry/signers', token, {
      signerId: r.signerId,
      mode: r.mode,
      keyType: r.keyType,
      publicKey: toBase64(r.publicKey),
      meters: [...r.meters],
      ratedCapacityW: r.ratedCapacityW,
    });
    if (res.status === 409) {
      await res.arrayBuffer();
      const existing = await this.#json<{ publicKey: string; revocationIndex?: number }>(
        await this.#call('GET', `/v1/registry/signers/${encodeURIComponent(r.signerId)}`, token),
        `GET signer ${r.signerId}`,
      );
      if (existing.publicKey !== toBase64(r.publicKey) || existing.revocationIndex !== undefined) {
        throw new SimulatorError(
          'NODE_REFUSED',
          `signer ${r.signerId} is already registered with another key or revoked: use another --prefix or --seed`,
        );
      }
      return false;
    }
    await this.#json(res, `registering ${r.signerId}`, 201);
    return true;
  }

  /** Creates an API token of `role` (operator token). */
  async createToken(
    operatorToken: string,
    role: 'issuer' | 'operator',
    label: string,
  ): Promise<string> {
    const body = await this.#json<{ token: string }>(
      await this.#call('POST', '/v1/tokens', operatorToken, { role, label }),
      `creating an ${role} token`,
      201,
    );
    return body.token;
  }

  #quarantine(token: string, path: string): Promise<Response> {
    return this.#call('GET', `/v1/quarantine${path}`, token);
  }

  /** Quarantine counts (operator token). */
  async quarantineCounts(token: string): Promise<QuarantineCounts> {
    return this.#json(await this.#quarantine(token, '/counts'), 'quarantine counts');
  }

  /** Quarantine records with `code`, newest first, all pages (operator token). */
  async quarantineRecords(token: string, code: string): Promise<QuarantineRecordJson[]> {
    const out: QuarantineRecordJson[] = [];
    let before: number | undefined;
    for (;;) {
      const q = new URLSearchParams({ code, limit: '1000' });
      if (before !== undefined) q.set('before', String(before));
      const page = await this.#json<{ records: QuarantineRecordJson[]; next?: number }>(
        await this.#quarantine(token, `?${q}`),
        'quarantine records',
      );
      out.push(...page.records);
      if (page.next === undefined) return out;
      before = page.next;
    }
  }

  /** An evidence bundle for `meters` over `[from, to)` (issuer token), as JSON text. */
  async bundle(
    token: string,
    meters: readonly string[],
    from: number,
    to: number,
  ): Promise<string> {
    const res = await this.#call('POST', '/v1/bundles', token, { meters: [...meters], from, to });
    const text = await res.text();
    if (res.status !== 200) {
      throw new SimulatorError(
        'NODE_REFUSED',
        `bundle request: the node answered ${res.status} ${text.slice(0, 300)}`,
      );
    }
    return text;
  }

  /** A counter of `GET /metrics` (Prometheus text format), summed over its labels; 0 when absent. */
  async metric(name: string): Promise<number> {
    const res = await this.#call('GET', '/metrics');
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
    }
    return sum;
  }
}
