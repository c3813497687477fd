import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INTAKE_MAX_RECEIVE_COUNT, INTAKE_VISIBILITY_SECONDS } from '../config/function-settings.js';

/** Props of {@link IntakeQueue}. */
export interface IntakeQueueProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The queue S3 notifies for every object under `uploads/`, and its dead-letter queue. KMS-encrypted
 * with a key of their own (its policy names the documents bucket as the only S3 source; on the
 * data key that would make the bucket and key depend on each other), TLS only; visibility 6 × the
 * dispatcher's timeout; five receives before dead-lettering.
 */
export class IntakeQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: IntakeQueueProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'untxt intake queue and its dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      // One data key per hour instead of per message keeps KMS requests (and cost) negligible.
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INTAKE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INTAKE_MAX_RECEIVE_COUNT },
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This is the intake queue’s dead-letter queue.' },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'This is the intake queue’s dead-letter queue; it has no further one.',
      },
    );
  }
}
