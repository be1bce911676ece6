/** The NATS transport's logger: the node's logger (`src/logger.ts`) with the `[nats]` prefix. */
import { consoleLogger, type Logger } from '../logger.ts';

/** Writes to the console with a `[nats]` prefix: the source's default when built without a logger. */
export const natsLogger: Logger = consoleLogger('nats');
