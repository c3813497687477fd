import { describe, expect, it } from 'vitest';
import { toDbChange } from '../../../../../lambdas/core/use-cases/notify.js';

const change = (origin?: string) =>
  JSON.stringify({
    table: 'tasks',
    operation: 'UPDATE',
    recordId: 'task-1',
    userId: 'user-1',
    status: 'completed',
    stage: 'done',
    progress: 100,
    deleted: false,
    ...(origin === undefined ? {} : { origin }),
  });

describe('Function: toDbChange', () => {
  it('turns a change made outside untxt into a db_change for the owner', () => {
    expect(toDbChange(change('psql'), 'untxt')).toEqual({
      userId: 'user-1',
      taskId: 'task-1',
      message: {
        type: 'db_change',
        table: 'tasks',
        operation: 'UPDATE',
        recordId: 'task-1',
        status: 'completed',
      },
    });
  });

  it("ignores untxt's own changes, which already went out as task_update", () => {
    expect(toDbChange(change('untxt'), 'untxt')).toBeUndefined();
  });

  it.each(['not json', '{}', JSON.stringify({ recordId: 1, userId: 'u' })])(
    'ignores the malformed payload %j',
    (payload) => {
      expect(toDbChange(payload, 'untxt')).toBeUndefined();
    },
  );
});
