/**
 * The fleet simulator, load generator and demo (docs/simulator.md): a program of its own that
 * talks to a node only over MQTT and HTTP, as meters and collection platforms do.
 */
export { simMain, SIM_USAGE } from './cli/main.ts';
export { runDemo, DEMO_FAULTS, DEMO_FLEET, type DemoResult } from './cli/demo.ts';
export { SimulatorError, type SimulatorErrorCode } from './errors.ts';
export {
  buildFleet,
  DEFAULT_FLEET,
  DEFAULT_SITE,
  parseFleet,
  type Fleet,
  type FleetGroup,
  type FleetOptions,
  type Registration,
} from './fleet/fleet.ts';
export { simKey, type SimKey, type SimKeyType } from './fleet/keys.ts';
export {
  COLLECTION_MODES,
  SimMeter,
  type CollectionMode,
  type OutgoingReading,
} from './fleet/meter.ts';
export { provision, registerCommand, registerCommands } from './fleet/provisioning.ts';
export {
  NodeApi,
  type LogInfo,
  type QuarantineCounts,
  type QuarantineRecordJson,
} from './node-api.ts';
export {
  Account,
  type InjectedFault,
  type MeterAccount,
  type ReadingRecord,
} from './run/account.ts';
export {
  FAULT_KINDS,
  FAULT_OUTCOME,
  OVERSIZE_BYTES,
  parseFaults,
  SILENT_INTERVALS,
  type FaultKind,
  type FaultOutcome,
  type FaultSpec,
} from './run/faults.ts';
export { receiptChecker, type ReceiptChecker } from './run/receipt-check.ts';
export { runFleet, type FleetRun, type RunFleetOptions } from './run/run-fleet.ts';
export { simulate, type Progress, type SimulateOptions } from './run/simulate.ts';
export { formatSummary, percentile, summarize, type RunSummary } from './run/summary.ts';
export {
  presign,
  readPresigned,
  meterTopic,
  type LoadMeter,
  type PresignOptions,
} from './load/presign.ts';
export {
  publishPresigned,
  type PublishOptions,
  type PublishProgress,
  type PublishResult,
} from './load/publish.ts';
export * from './profiles/index.ts';
