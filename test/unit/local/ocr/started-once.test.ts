import { describe, expect, it, vi } from 'vitest';
import { startedOnce } from '../../../../local/ocr/started-once.js';

describe('Function: startedOnce', () => {
  it('starts once and shares the result with every caller', async () => {
    // Prepare
    const start = vi.fn(async () => ({ id: 1 }));
    const resource = startedOnce(start);

    // Act
    const [a, b] = await Promise.all([resource.get(), resource.get()]);

    // Assess
    expect(a).toBe(b);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts again after a failed start, and has nothing current until asked', async () => {
    // Prepare
    const start = vi.fn().mockRejectedValueOnce(new Error('missing package')).mockResolvedValueOnce('ready');
    const resource = startedOnce<string>(start);
    const before = resource.current();

    // Act
    const first = resource.get();
    await expect(first).rejects.toThrow('missing package');
    const second = await resource.get();

    // Assess
    expect(before).toBeUndefined();
    expect(second).toBe('ready');
    expect(start).toHaveBeenCalledTimes(2);
    await expect(resource.current()).resolves.toBe('ready');
  });
});
