import * as z from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  UNTXT_PUBLIC_URL: z.url().optional(),
  UNTXT_DATA_DIR: z.string().min(1).default('.untxt'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  UNTXT_ADMIN_EMAIL: z.email().default('admin@untxt.local'),
  UNTXT_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  UNTXT_OCR_LANGS: z
    .string()
    .regex(
      /^(eng|deu)(\+(eng|deu))*$/,
      "must be 'eng', 'deu' or 'eng+deu' (the language data shipped with untxt)",
    )
    .default('eng+deu'),
  UNTXT_OCR_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  UNTXT_MAX_EXECUTIONS: z.coerce.number().int().min(1).max(64).default(4),
  UNTXT_QUEUE_VISIBILITY_SECONDS: z.coerce.number().int().min(1).max(43_200).default(60),
  UNTXT_QUEUE_MAX_RECEIVES: z.coerce.number().int().min(1).max(1000).default(5),
  UNTXT_DROP_SCAN_MS: z.coerce.number().int().min(100).default(1000),
  // Admission control: the Textract quotas it keeps under (as on AWS; docs/aws.md).
  UNTXT_TEXTRACT_SYNC_TPS: z.coerce.number().int().min(1).max(10_000).default(10),
  UNTXT_TEXTRACT_ASYNC_START_TPS: z.coerce.number().int().min(1).max(10_000).default(10),
  UNTXT_TEXTRACT_MAX_CONCURRENT_JOBS: z.coerce.number().int().min(1).max(100_000).default(100),
  UNTXT_ADMISSION_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).default(86_400),
  // The window each TPS quota is counted over: a little over a second covers the time between
  // recording a call and making it; a loaded machine (a test run on 2 cores) needs more.
  UNTXT_ADMISSION_RATE_WINDOW_MS: z.coerce.number().int().min(1000).max(10_000).default(1050),
  // The simulated Textract: quotas it enforces (unset: none), recognition engine, call log.
  UNTXT_SIM_SYNC_TPS: z.coerce.number().int().min(1).optional(),
  UNTXT_SIM_ASYNC_START_TPS: z.coerce.number().int().min(1).optional(),
  UNTXT_SIM_MAX_JOBS: z.coerce.number().int().min(1).optional(),
  UNTXT_SIM_CALL_LOG: z.string().min(1).optional(),
  UNTXT_OCR_ENGINE: z.enum(['tesseract', 'paddle', 'fake']).default('tesseract'),
  UNTXT_FAKE_OCR_PAGE_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'])
    .default('info'),
});

export type LocalConfig = z.output<typeof schema> & { publicUrl: string };

/**
 * Reads and validates the local host's environment once. A bad value stops the start with the
 * variable's name and what is expected, instead of failing later somewhere else.
 */
export const loadLocalConfig = (env: NodeJS.ProcessEnv = process.env): LocalConfig => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  const publicUrl = (config.UNTXT_PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
  return { ...config, publicUrl };
};
