/**
 * The ports the use-cases need. Each has one AWS adapter (`lambdas/adapters/aws`) and one local
 * stand-in (`local/`). Names say what the domain needs, not which vendor provides it.
 */
import type { Block, DocumentMetadata } from '@aws-sdk/client-textract';
import type { AdmissionKindFigures } from '../../database/repositories/admission.js';
import type { AdmissionKind } from './admission-rules.js';

export interface PresignedUpload {
  url: string;
  /** Form fields to send, in order, before the `file` field. */
  fields: Record<string, string>;
  expiresAt: string;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
  lastModified?: Date;
}

/** The one documents bucket: `uploads/{userId}/…` and `results/{userId}/{yyyy-mm}/{taskId}/…`. */
export interface ObjectStore {
  /** Presigned POST limited to the exact key, content type and `maxBytes` (SSE-KMS on AWS). */
  presignUpload(input: {
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedUpload>;
  /** Presigned GET; `downloadName` sets Content-Disposition: attachment. */
  presignDownload(input: {
    key: string;
    expiresInSeconds: number;
    downloadName?: string;
    contentType?: string;
  }): Promise<string>;
  /** `undefined` when the object does not exist. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** Bytes `start..endInclusive` (clamped to the object's size). */
  readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array>;
  read(key: string): Promise<Uint8Array>;
  write(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Replaces the object's tag set. */
  setTags(key: string, tags: Record<string, string>): Promise<void>;
}

export interface WorkflowInput {
  taskId: string;
  userId: string;
  key: string;
  /** 1 for the first run; a retry or re-drive is a new attempt, and only the current attempt may act. */
  attempt: number;
  /**
   * Set when a finished asynchronous text-detection job hands its task back: the run goes straight to
   * `WriteResult`, which collects the job's blocks.
   */
  jobId?: string;
  /**
   * Set when admission control admits a task that waited for Textract capacity: the run resumes after
   * `Download` (`Route` sends it to `ChooseMode`) with what Download found and the grant it holds.
   */
  resume?: ResumedRun;
}

/** What a run admitted after waiting resumes from: Download's findings and its grant. */
export interface ResumedRun {
  mode: 'sync' | 'async';
  documentKey: string;
  contentType: string;
  pages: number;
  resultPrefix: string;
  admission: { leaseId: string; waitingSince: string };
}

/** The execution input of a run, as both workflow adapters send it (flat, as the definition reads it). */
export const executionInput = (input: WorkflowInput): Record<string, unknown> => {
  const { resume, jobId, ...base } = input;
  return { ...base, ...(jobId === undefined ? {} : { jobId }), ...(resume ?? {}) };
};

/** The phase an execution name ends with: a new attempt, a job's hand-off, or an admitted run. */
export const executionPhase = (input: WorkflowInput): 'run' | 'write' | 'admit' =>
  input.jobId !== undefined ? 'write' : input.resume !== undefined ? 'admit' : 'run';

/**
 * Wakes the admission loop (`use-cases/admission.ts`): work started waiting, or capacity was freed.
 * An SQS message on AWS, a local queue message locally; the loop itself is idempotent, so a poke too
 * many costs one short invocation and a poke lost is made up by the schedule.
 */
export interface AdmissionSignal {
  poke(reason: string): Promise<void>;
}

/**
 * The OCR state machine (an Express workflow on AWS). Starting is at least once: a start can be
 * repeated (redelivery, crash before the start was recorded), so the steps themselves claim the task
 * for their attempt and a duplicate run finds nothing to do.
 */
export interface Workflow {
  start(input: WorkflowInput): Promise<{ executionArn: string }>;
}

/** Textract's `DetectDocumentText` answer, the one shape every OCR engine returns. */
export interface DetectedText {
  DocumentMetadata: DocumentMetadata & { Pages: number };
  Blocks: Block[];
}

/** Synchronous text detection of a stored document (one page, at most 10 MB on AWS). */
export interface TextDetector {
  detectDocumentText(input: { key: string; contentType: string }): Promise<DetectedText>;
}

/**
 * Asynchronous text detection of multi-page documents (Textract `StartDocumentTextDetection`). A
 * finished job is announced to the completion handler (SNS on AWS), which hands the task back to the
 * workflow; nothing waits in between.
 */
export interface TextDetectionJobs {
  /** Starts (or, for the same task and attempt, finds) the job; returns its JobId. */
  start(input: { key: string; taskId: string; attempt: number; outputPrefix: string }): Promise<string>;
  /**
   * Every block of a finished job, all pages.
   *
   * @throws TextDetectionFailedError when the job failed (its message is the engine's reason).
   */
  get(jobId: string): Promise<DetectedText>;
}

/** Pushes a message to one WebSocket connection; `false` when the connection is gone (410). */
export interface ConnectionGateway {
  post(connectionId: string, message: unknown): Promise<boolean>;
}

export interface Identity {
  userId: string;
  email: string;
  groups: string[];
}

export interface TokenVerifier {
  /** Throws `UnauthorizedError` for a missing, expired or forged token. */
  verify(token: string): Promise<Identity>;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

/** Read-only view of the intake queue for admins, plus the dead-letter redrive. */
export interface QueueMonitor {
  intakeDepth(): Promise<QueueDepth>;
  deadLetterDepth(): Promise<QueueDepth>;
  /** Moves every dead-lettered message back to the intake queue; returns how many. */
  redriveDeadLetters(): Promise<number>;
}

/**
 * Publishes the admission figures as metrics (CloudWatch on AWS, for the dashboard). Called by the
 * admitter, which runs at least every minute.
 */
export interface AdmissionMetrics {
  publish(figures: Record<AdmissionKind, AdmissionKindFigures>): void;
}
