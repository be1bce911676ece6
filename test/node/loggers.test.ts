/**
 * The node gives each part its own logger (src/node/node.ts `StartOptions.loggers`): the MQTT
 * transport writes `[mqtt]` lines, the HTTP API's warnings `[api]`, never all under one prefix.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, type Logger } from '../../src/logger.ts';
import { DEFAULT_CONFIG, type NodeConfig } from '../../src/node/config.ts';
import { startNode } from '../../src/node/node.ts';
import { tempDir } from '../helpers/tmp-dir.ts';

/** A node whose API listens beyond loopback in the clear, so that it warns at start. */
function config(dataDir: string): NodeConfig {
  return {
    ...DEFAULT_CONFIG,
    dataDir,
    httpHost: '0.0.0.0',
    httpPort: 0,
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
  };
}

describe('when a node starts with a logger per component', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await tmp.remove();
  });

  it('hands the transport its `mqtt` logger and the API warning its `api` logger', async () => {
    const lines: { component: string; level: string; message: string }[] = [];
    const recorder = (component: string): Logger => ({
      info: (message) => void lines.push({ component, level: 'info', message }),
      warn: (message) => void lines.push({ component, level: 'warn', message }),
      error: (message) => void lines.push({ component, level: 'error', message }),
    });
    const node = await startNode(config(tmp.path), { loggers: recorder });
    await node.close();
    expect(lines).toContainEqual({
      component: 'mqtt',
      level: 'info',
      message: expect.stringMatching(/^embedded broker .* started/),
    });
    expect(lines).toContainEqual({
      component: 'api',
      level: 'warn',
      message: expect.stringContaining('the HTTP API listens on 0.0.0.0 without TLS'),
    });
    expect(lines.filter((l) => l.component === 'api').map((l) => l.level)).toEqual(['warn']);
    for (const l of lines) expect(['mqtt', 'api', 'anchors']).toContain(l.component);
  });

  it('prefixes each console line with its component through consoleLogger', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const node = await startNode(config(tmp.path), { loggers: consoleLogger });
    await node.close();
    const infos = info.mock.calls.map((c) => String(c[0]));
    const warns = warn.mock.calls.map((c) => String(c[0]));
    expect(infos.some((l) => /^\[mqtt\] embedded broker .* started/.test(l))).toBe(true);
    expect(warns).toContainEqual(
      expect.stringMatching(/^\[api\] the HTTP API listens on 0\.0\.0\.0 without TLS/),
    );
    expect(warns.some((l) => l.startsWith('[mqtt] the HTTP API'))).toBe(false);
  });
});
