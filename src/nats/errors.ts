/**
 * Typed errors of the NATS JetStream transport (`jetstream-source.ts`).
 */
import { WattproofError } from '../core/errors.ts';

/**
 * Why the JetStream source could not start.
 *
 * - `INVALID_URL`: a server URL is not `nats://host[:port]` or `tls://host[:port]`.
 * - `SERVER_UNREACHABLE`: no server answered within `connectTimeoutMs` (evidence: the
 *   servers, the cause).
 * - `JETSTREAM_UNAVAILABLE`: the server answered but has JetStream off for this account.
 * - `STREAM_SETUP_REFUSED`: the server refused to create the stream (e.g. another stream
 *   already captures the subjects), or a stream of that name exists with settings this source
 *   cannot use (not work-queue retention, subjects that do not capture the readings).
 * - `CONSUMER_SETUP_REFUSED`: the server refused to create the durable consumer, or a consumer
 *   of that name exists that is not a pull consumer with explicit acks.
 */
export type NatsErrorCode =
  | 'INVALID_URL'
  | 'SERVER_UNREACHABLE'
  | 'JETSTREAM_UNAVAILABLE'
  | 'STREAM_SETUP_REFUSED'
  | 'CONSUMER_SETUP_REFUSED';

/** Error thrown by `src/nats`: start-up failures that an operator must fix. */
export class NatsError extends WattproofError<NatsErrorCode> {}
