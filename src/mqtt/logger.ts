/** The MQTT transport's logger: the node's logger (`src/logger.ts`) with the `[mqtt]` prefix. */
import { consoleLogger, type Logger } from '../logger.ts';

/** Writes to the console with a `[mqtt]` prefix: the transports' default. */
export const mqttLogger: Logger = consoleLogger('mqtt');
