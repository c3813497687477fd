import { describe, expect, it } from 'vitest';
import { countTransitions } from '../../../bench/cost-transitions.js';

describe('Function: countTransitions', () => {
  it('runs the real definition along the one-page path in one execution', async () => {
    // Act
    const count = await countTransitions('sync');

    // Assess
    expect(count).toMatchObject({
      executions: 1,
      states: ['Route', 'Download', 'ChooseMode', 'Recognize'],
    });
    expect(count.events).toBeGreaterThan(count.states.length);
  });

  it('counts the hand-off of the multi-page path as a second execution that goes to WriteResult', async () => {
    // Act
    const count = await countTransitions('async');

    // Assess
    expect(count).toMatchObject({
      executions: 2,
      states: ['Route', 'Download', 'ChooseMode', 'RecognizeAsync', 'Route', 'WriteResult'],
    });
  });

  it('counts a task that waited for capacity as a parked run and an admitted run that resumes at ChooseMode', async () => {
    // Act
    const count = await countTransitions('admitted');
    const sync = await countTransitions('sync');

    // Assess: the admitted run skips Download (Route sends an input with `admission` to ChooseMode)
    expect(count).toMatchObject({
      executions: 2,
      states: ['Route', 'Download', 'ChooseMode', 'Recognize', 'Route', 'ChooseMode', 'Recognize'],
    });
    expect(count.events).toBeGreaterThan(sync.events);
  });

  it('ends a rejected document in MarkFailed and Failed', async () => {
    // Act
    const count = await countTransitions('failed');

    // Assess
    expect(count.states).toEqual(['Route', 'Download', 'MarkFailed', 'Failed']);
  });
});
