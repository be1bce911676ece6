/** The MQTT transport's logger: the node's logger (`src/logger.ts`) with the `[mqtt]` prefix. */
import { consoleLogger, type Logger } from '../logger.ts';

/**
 * Writes to the console with a `[mqtt]` prefix: the transports' default when built without a
 * logger. In a node, `startNode` hands them its `loggers('mqtt')`.
 */
export const mqttLogger: Logger = consoleLogger('mqtt');
