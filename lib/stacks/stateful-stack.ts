import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  InstanceType,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  CaCertificate,
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  type DatabaseProxy,
  PostgresEngineVersion,
  StorageType,
} from 'aws-cdk-lib/aws-rds';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.js';
import { DatabaseLambdaAccess } from '../constructs/database-lambda-access.js';
import { DocumentStore } from '../constructs/document-store.js';
import { IntakeQueue } from '../constructs/intake-queue.js';
import { UserDirectory } from '../constructs/user-directory.js';
import { WebHosting } from '../constructs/web-hosting.js';

/** Props of {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The database name and the user the functions connect as (through the proxy, with IAM). */
export const DATABASE_NAME = 'untxt';
export const DATABASE_USER = 'untxt';

/**
 * Everything that holds data or identity and must outlive a redeploy of the code: the network, the
 * customer-managed key, the buckets (documents, logs, web), the intake queue that S3 notifies, the
 * database behind RDS Proxy, the Cognito user pool and the CloudFront distribution (its domain is
 * the origin that bucket CORS and the API trust).
 */
export class StatefulStack extends Stack {
  readonly vpc: Vpc;
  readonly key: Key;
  readonly documents: DocumentStore;
  readonly intake: IntakeQueue;
  readonly database: DatabaseInstance;
  readonly proxy: DatabaseProxy;
  /**
   * The database's way to Lambda (`aws_lambda` extension): its role, associated with the instance,
   * and the `lambda` interface endpoint. The app stack grants the role its one function.
   */
  readonly databaseLambda: DatabaseLambdaAccess;
  /** Attached to every function; the only source the proxy accepts connections from. */
  readonly functionSecurityGroup: SecurityGroup;
  readonly users: UserDirectory;
  readonly web: WebHosting;
  /** Server access logs of the buckets and CloudFront standard logs. */
  readonly logBucket: Bucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.key = new Key(this, 'DataKey', {
      alias: `alias/${config.prefix}-data`,
      description: 'untxt: documents, results, queues, topics, logs, database and secrets',
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });
    this.allowServicesToUseKey();

    this.vpc = new Vpc(this, 'Network', {
      maxAzs: 2,
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'functions', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Document bytes (up to 50 MB each) go to S3 through the free gateway endpoint, never the NAT.
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'FlowLogs', { retention: logRetention, encryptionKey: this.key }),
          ),
        },
      },
    });

    this.logBucket = new Bucket(this, 'AccessLogs', {
      // S3 server access logs only support SSE-S3 on the target bucket; CloudFront standard logs need ACLs.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [
        { expiration: Duration.days(config.logRetentionDays), noncurrentVersionExpiration: Duration.days(1) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: false,
    });

    this.web = new WebHosting(this, 'Web', {
      logBucket: this.logBucket,
      removalPolicy: config.removalPolicy,
    });
    const webOrigins = [`https://${this.web.distribution.distributionDomainName}`, ...config.extraWebOrigins];

    this.documents = new DocumentStore(this, 'Documents', {
      key: this.key,
      logBucket: this.logBucket,
      allowedOrigins: webOrigins,
      removalPolicy: config.removalPolicy,
    });

    this.intake = new IntakeQueue(this, 'Intake', { removalPolicy: config.removalPolicy });
    this.documents.bucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new SqsDestination(this.intake.queue),
      {
        prefix: 'uploads/',
      },
    );

    // Database: isolated subnets, reachable only from the proxy, which is reachable only from the functions.
    this.functionSecurityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'untxt Lambda functions (egress: proxy, S3 endpoint, AWS APIs through the NAT)',
      allowAllOutbound: true,
    });
    const proxySecurityGroup = new SecurityGroup(this, 'ProxySecurityGroup', {
      vpc: this.vpc,
      description: 'untxt RDS Proxy',
      allowAllOutbound: false,
    });
    const databaseSecurityGroup = new SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: 'untxt PostgreSQL',
      allowAllOutbound: false,
    });
    proxySecurityGroup.addIngressRule(this.functionSecurityGroup, Port.tcp(5432), 'functions to proxy');
    databaseSecurityGroup.addIngressRule(proxySecurityGroup, Port.tcp(5432), 'proxy to database');
    proxySecurityGroup.addEgressRule(databaseSecurityGroup, Port.tcp(5432), 'proxy to database');

    // RDS writes its logs to these names; creating them first gives them retention and the KMS key
    // (instead of a LogRetention custom resource editing groups RDS created).
    const instanceIdentifier = `${config.prefix}-postgres`;
    const databaseLogs = ['postgresql', 'upgrade'].map(
      (log) =>
        new LogGroup(this, `DatabaseLogs-${log}`, {
          logGroupName: `/aws/rds/instance/${instanceIdentifier}/${log}`,
          retention: logRetention,
          encryptionKey: this.key,
          removalPolicy: config.removalPolicy,
        }),
    );
    this.database = new DatabaseInstance(this, 'Database', {
      instanceIdentifier,
      // A full version: RDS creates new instances only from the minors it still lists (cfn-lint W3691
      // flags a bare '17'). 17.9 is the newest PostgreSQL 17 minor both aws-cdk-lib 2.276 and
      // cfn-lint 1.51's RDS data (from DescribeDBEngineVersions) list as creatable.
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_17_9 }),
      instanceType: new InstanceType(config.databaseInstanceType),
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseSecurityGroup],
      databaseName: DATABASE_NAME,
      credentials: Credentials.fromGeneratedSecret(DATABASE_USER, { encryptionKey: this.key }),
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      storageType: StorageType.GP3,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
      multiAz: config.databaseMultiAz,
      deletionProtection: config.deletionProtection,
      backupRetention: Duration.days(config.backupRetentionDays),
      autoMinorVersionUpgrade: true,
      caCertificate: CaCertificate.RDS_CA_RSA2048_G1,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      monitoringInterval: Duration.seconds(60),
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.key,
      parameters: {
        'rds.force_ssl': '1',
        // Lets RDS resolve the lambda interface endpoint's private DNS name (aws_lambda extension).
        // A static parameter: an instance created before it needs one reboot (docs/aws.md).
        'rds.custom_dns_resolution': '1',
      },
      removalPolicy: config.removalPolicy,
    });
    // Only the instance itself waits for them (the proxy's role, also under `database`, must not).
    databaseLogs.forEach((group) => this.database.node.defaultChild!.node.addDependency(group));
    // The rotation function runs next to the functions: it needs Secrets Manager's API (via the NAT).
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    });
    this.databaseLambda = new DatabaseLambdaAccess(this, 'DatabaseLambda', {
      vpc: this.vpc,
      database: this.database,
      instanceIdentifier,
      databaseSecurityGroup,
      functionSecurityGroup: this.functionSecurityGroup,
      endpointAzs: config.lambdaEndpointAzs,
    });
    this.proxy = this.database.addProxy('Proxy', {
      secrets: [this.database.secret!],
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [proxySecurityGroup],
      iamAuth: true,
      requireTLS: true,
      debugLogging: false,
    });

    this.users = new UserDirectory(this, 'Users', {
      prefix: config.prefix,
      threatProtection: config.threatProtection,
      removalPolicy: config.removalPolicy,
    });
    // Printed by `cdk deploy` with the app stack's URLs. Declared here, where the pool lives: from
    // the app stack they would be cross-stack references (Fn::GetStackOutput) re-exported as outputs.
    new CfnOutput(this, 'UserPoolId', {
      value: this.users.userPool.userPoolId,
      description: 'Cognito user pool',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.users.client.userPoolClientId,
      description: 'Cognito app client of the web console',
    });

    this.acknowledge(config);
  }

  /**
   * Services that write encrypted data with the key on our behalf (log groups, alarm and Textract
   * topics, the event-rule and subscription dead-letter queues), limited to this account.
   */
  private allowServicesToUseKey(): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogs',
        principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ServicesPublishingToEncryptedQueuesAndTopics',
        principals: ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'sns.amazonaws.com'].map(
          (service) => new ServicePrincipal(service),
        ),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  private acknowledge(config: StageConfig): void {
    const why = (scope: Construct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id, reason });
    why(
      this.database,
      'AwsSolutions-RDS11',
      'The default port is kept: the database is in isolated subnets and only the proxy security group may connect; a non-default port adds no protection.',
    );
    why(
      this.database,
      'HIPAA.Security-RDSInBackupPlan',
      'Automated backups with point-in-time recovery are enabled (retention per stage); an AWS Backup plan is an organisation-level choice outside this app.',
    );
    // Stage-dependent: prod turns both on and the rules pass; only a stage without them acknowledges.
    if (!config.databaseMultiAz) {
      why(
        this.database,
        'AwsSolutions-RDS3',
        `Multi-AZ is off in ${config.stage} to halve the fixed cost; prod runs Multi-AZ.`,
      );
      why(
        this.database,
        'HIPAA.Security-RDSMultiAZSupport',
        `Multi-AZ is off in ${config.stage}; prod runs Multi-AZ.`,
      );
    }
    if (!config.deletionProtection) {
      why(
        this.database,
        'AwsSolutions-RDS10',
        `Deletion protection is off in ${config.stage} so the stack can be torn down; prod has it on.`,
      );
      why(
        this.database,
        'HIPAA.Security-RDSInstanceDeletionProtectionEnabled',
        `Deletion protection is off in ${config.stage}; prod has it on.`,
      );
    }
    why(
      this.database.node.findChild('MonitoringRole'),
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      'The AWS managed policy is the documented, minimal policy for RDS enhanced monitoring.',
    );
    why(this.logBucket, 'AwsSolutions-S1', 'This is the access-log bucket; logging it to itself would loop.');
    why(
      this.logBucket,
      'HIPAA.Security-S3BucketLoggingEnabled',
      'This is the access-log bucket; logging it to itself would loop.',
    );
    why(
      this.logBucket,
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'S3 server access logging only delivers to SSE-S3 buckets.',
    );
    why(
      this.logBucket,
      'HIPAA.Security-S3BucketReplicationEnabled',
      'Access logs are kept for the stage’s log retention only; no replication.',
    );
    const notifications = this.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notifications) {
      const reason =
        'CDK’s bucket-notification handler: runs only while CloudFormation configures the documents bucket’s notification.';
      why(
        notifications,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason,
      );
      why(
        notifications,
        'AwsSolutions-IAM5[Resource::*]',
        `${reason} s3:PutBucketNotification has to be granted on "*" by CDK.`,
      );
    }
    why(
      this.documents.bucket.node.findChild('Notifications'),
      'HIPAA.Security-IAMNoInlinePolicy',
      'The bucket-notification handler’s policy is generated by CDK for this one bucket.',
    );
    why(
      this.vpc,
      'HIPAA.Security-IAMNoInlinePolicy',
      'The flow-log role’s policy is generated by CDK for its one log group.',
    );
    why(
      this.proxy,
      'HIPAA.Security-IAMNoInlinePolicy',
      'The proxy role’s policy is generated by CDK: read the one database secret and decrypt it.',
    );
    why(
      this.vpc,
      'HIPAA.Security-VPCDefaultSecurityGroupClosed',
      'The default security group’s rules are removed at deploy time by CDK (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup), which the rule cannot see in the template.',
    );
    for (const rule of ['HIPAA.Security-EC2RestrictedSSH', 'HIPAA.Security-EC2RestrictedCommonPorts']) {
      why(
        this.database.connections.securityGroups[0]!,
        rule,
        'The ingress port is the database endpoint port (5432, a token the rule cannot read) and the source is a security group (proxy, rotation function), never a CIDR.',
      );
    }
    why(
      this.vpc,
      'HIPAA.Security-VPCNoUnrestrictedRouteToIGW',
      'Only the public subnets, which hold nothing but the NAT gateways, route 0.0.0.0/0 to the internet gateway.',
    );
  }
}
