/**
 * Errors of the fleet simulator, the load generator and the demo.
 */
import { WattproofError } from '../src/core/errors.ts';

/**
 * Why the simulator stopped:
 * - `INVALID_OPTION`: a command-line option or fleet/fault spec that cannot be used.
 * - `FUTURE_RANGE`: a replayed period that does not lie in the past; the node refuses readings
 *   whose interval ends after its clock (plus its tolerance).
 * - `NODE_UNREACHABLE`: the node's HTTP API did not answer.
 * - `NODE_REFUSED`: the node answered an HTTP request with an error (status and body in the
 *   message), e.g. a token it does not accept or a signer id taken by another key.
 * - `BROKER_UNREACHABLE`: the MQTT broker refused or dropped the connection.
 * - `NO_TOKEN`: provisioning needs an operator token and none was given or found.
 * - `DEMO_FAILED`: a step of `npm run demo` failed (the step is in the message).
 */
export type SimulatorErrorCode =
  | 'INVALID_OPTION'
  | 'FUTURE_RANGE'
  | 'NODE_UNREACHABLE'
  | 'NODE_REFUSED'
  | 'BROKER_UNREACHABLE'
  | 'NO_TOKEN'
  | 'DEMO_FAILED';

/** The simulator could not go on. */
export class SimulatorError extends WattproofError<SimulatorErrorCode> {}
