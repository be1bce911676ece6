/** The public face of src/node/: what other parts import from it. */
export {
  ConfigError,
  DEFAULT_CONFIG,
  checkOrigin,
  defaultClientId,
  defaultNatsConsumer,
  defaultNatsStream,
  parseIntSetting,
  parsePort,
} from './config.ts';
export type { EvmAnchorConfig, MqttConfig, NodeConfig } from './config.ts';
export { startNode } from './node.ts';
