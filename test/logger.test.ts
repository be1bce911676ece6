/** The node's console logger (src/logger.ts): one prefix per component, on every level. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, silentLoggers } from '../src/logger.ts';

describe('when consoleLogger writes a line', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prefixes info, warn and error with `[component]`', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new Error('boom');
    consoleLogger('ingest').info('batch committed');
    consoleLogger('api').warn('listening in the clear');
    consoleLogger('anchors').error('tsa failed', failure);
    consoleLogger('node').error('stopping failed');
    expect(info.mock.calls).toEqual([['[ingest] batch committed']]);
    expect(warn.mock.calls).toEqual([['[api] listening in the clear']]);
    expect(error.mock.calls).toEqual([
      ['[anchors] tsa failed:', failure],
      ['[node] stopping failed'],
    ]);
  });

  it('keeps silentLoggers silent for every component', () => {
    const spies = (['info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => {}),
    );
    silentLoggers('mqtt').info('nothing');
    silentLoggers('api').warn('nothing');
    silentLoggers('anchors').error('nothing', new Error('x'));
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
