import type { TaskStatus } from '../api/types.js';

export const STATUS_LABELS: Record<TaskStatus, string> = {
  awaiting_upload: 'Awaiting upload',
  queued: 'Queued',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
};

const STAGE_LABELS: Record<string, string> = {
  upload: 'Upload',
  download: 'Reading file',
  capacity: 'Waiting for capacity',
  recognize: 'Recognizing text',
  write: 'Writing result',
  done: 'Done',
};

export const stageLabel = (stage: string) => STAGE_LABELS[stage] ?? stage;

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatWhen = (iso: string, now = Date.now()): string => {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  if (Math.abs(seconds) < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return absolute.format(new Date(iso));
};

export const formatAbsolute = (iso: string) => absolute.format(new Date(iso));

export const formatPercent = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '—' : `${value.toFixed(digits)} %`;
